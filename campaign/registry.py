"""What features add to shared places, so that adding a feature touches no core file.

A feature package (any sub-package of ``campaign``, or ``surveys``; found by
``campaign/features.py``) registers its additions when its ``views`` module is imported,
typically right after ``bp = Blueprint(...)``::

    from campaign import registry

    registry.add_menu(_l("Petitions"), "petitions.index", order=45, audience="staff")
    registry.add_home_card(
        _l("Petitions"), "petitions.index", order=45,
        description=_l("Collect signatures and hand them in."),
        roles=("admin", "hq", "officer"),
    )
    registry.add_seeder("petition-templates", load_templates, order=60)   # run by ``init``
    registry.add_template_global("petition_count", petition_count)       # for any template
    registry.add_front_block("open-petitions", "petitions/_front.html",
                             context=open_petitions_context, order=20)     # public front page
    registry.add_link_provider(registry.CASE_DETAIL_LINKS, requests_citing) # on a case's page

CLI commands: a feature's ``commands.py`` with a click group ``cli`` is found by itself
(``flask petitions ...``); ``registry.add_command(cmd)`` adds further top-level commands.

The pieces:

- **Menu** (``add_menu``; ``menu_for(user)``, given to every template as ``menu``): label,
  endpoint, order, audience (``public``, ``anonymous`` (only visitors not logged in),
  ``staff``, ``hq``) or explicit ``roles``.
- **Home cards** (``add_home_card``; ``home_cards_for(user)``): the staff home page is built
  from these. Every staff menu entry a person sees that has no card of its own becomes a card
  too (title only), so no feature a role can use is ever missing from its home page.
- **Template globals** (``add_template_global``): names every template can use
  (``role_label``, ``can_manage``...).
- **Worker starts** (``add_worker_start``): what each gunicorn worker starts after loading the
  app, and stops when it exits (the petitions' link sender thread).
- **Seeders** (``add_seeder``): reference data that ``flask init`` loads after migrating, in
  ``order``; each takes the session, flushes, and returns a line to print (or ``None``).
- **Front-page blocks** (``add_front_block``; templates call ``front_blocks()``): parts of the
  public front page such as "open petitions" and "public surveys". ``context()`` returns the
  template's variables, or ``None`` to leave the block out (nothing open today).
- **Link slots** (``add_link_provider``; templates call ``links(slot, obj)``): one feature's
  links on another's page, e.g. a formal request listing itself on the case page it cites.
  A provider takes ``(obj, user)`` and returns ``Link``\\ s; it must only return what the user
  may see. Known slots: ``CASE_DETAIL_LINKS`` (``obj`` is the case).

Registrations live in module-level tables (a module is imported once per process) and are
keyed, so importing twice replaces rather than duplicates. Each records the feature package it
came from; an app only uses the registrations of the feature packages it loaded
(``app.extensions["naishin.features"]``), so a feature loaded by one test's app never shows up
in another's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context, render_template, url_for
from markupsafe import Markup

ROLES = ("admin", "hq", "officer")
STAFF = ROLES
HQ = ("admin", "hq")
AUDIENCES = ("public", "anonymous", "staff", "hq")

CASE_DETAIL_LINKS = "case_detail_links"
SLOTS = {
    CASE_DETAIL_LINKS: "links on a case's page; obj is the Case (formal requests citing it)",
}


class StaffUser(Protocol):
    """What the registry needs of a logged-in person (``campaign.auth.models.User``)."""

    role: str
    is_hq: bool


def _role(user: StaffUser | None) -> str | None:
    return None if user is None else str(getattr(user.role, "value", user.role))


@dataclass(frozen=True)
class MenuEntry:
    """One menu entry: its label (lazy gettext), endpoint, position and who sees it."""

    label: object
    endpoint: str
    order: int
    audience: str
    section: str | None = None
    roles: tuple[str, ...] | None = None
    owner: str = ""

    def visible_to(self, user: StaffUser | None) -> bool:
        """``public``: everyone; ``anonymous``: only visitors not logged in; ``staff``: any
        logged-in staff member; ``hq``: headquarters and admins; or exactly ``roles``."""
        if self.roles is not None:
            return _role(user) in self.roles
        if self.audience == "public":
            return True
        if self.audience == "anonymous":
            return user is None
        if user is None:
            return False
        return self.audience == "staff" or bool(user.is_hq)

    def is_current(self, endpoint: str | None) -> bool:
        """Whether the page being shown belongs to this entry: its own endpoint, or any
        endpoint starting with its section (by default, its blueprint's name and a dot)."""
        if not endpoint:
            return False
        return endpoint == self.endpoint or bool(self.section and endpoint.startswith(self.section))


@dataclass(frozen=True)
class HomeCard:
    """A card on the staff home page."""

    key: str
    title: object
    endpoint: str
    order: int
    description: object = ""
    roles: tuple[str, ...] = STAFF
    visible: Callable[[Any], bool] | None = None
    owner: str = ""

    def visible_to(self, user: StaffUser | None) -> bool:
        """Shown to the listed roles (and, if given, when ``visible(user)`` says so)."""
        if user is None or _role(user) not in self.roles:
            return False
        return self.visible is None or bool(self.visible(user))

    @property
    def url(self) -> str:
        """Where the card leads."""
        return url_for(self.endpoint)


@dataclass(frozen=True)
class Seeder:
    """Reference data ``init`` loads: ``func(session) -> str | None`` (a line to print)."""

    name: str
    func: Callable[[Any], str | None]
    order: int
    owner: str = ""


@dataclass(frozen=True)
class FrontBlock:
    """A block of the public front page, rendered from ``template`` with ``context()``."""

    key: str
    template: str
    order: int
    context: Callable[[], dict | None] | None = None
    owner: str = ""

    def render(self) -> Markup | None:
        """The block's HTML, or ``None`` when its context says there is nothing to show."""
        values = self.context() if self.context is not None else {}
        if values is None:
            return None
        return Markup(render_template(self.template, **values))  # noqa: S704 (a template)


@dataclass(frozen=True)
class Link:
    """One link another feature puts on a page: label, address, and an optional note."""

    label: object
    url: str
    note: object = ""


@dataclass(frozen=True)
class LinkProvider:
    """Gives the links of one slot: ``func(obj, user) -> Iterable[Link]``."""

    slot: str
    func: Callable[[Any, Any], Iterable[Link]]
    order: int
    owner: str = ""


@dataclass
class _Tables:
    menu: dict[str, MenuEntry] = field(default_factory=dict)
    cards: dict[str, HomeCard] = field(default_factory=dict)
    globals: dict[str, tuple[object, str]] = field(default_factory=dict)
    seeders: dict[str, Seeder] = field(default_factory=dict)
    commands: dict[str, tuple[object, str]] = field(default_factory=dict)
    blocks: dict[str, FrontBlock] = field(default_factory=dict)
    links: dict[tuple[str, str], LinkProvider] = field(default_factory=dict)
    reset_guards: dict[str, Callable[[Any, Any], object]] = field(default_factory=dict)
    worker_starts: dict[str, tuple[Callable[[Flask], object], str]] = field(default_factory=dict)
    user_loader: tuple[Callable[[], None], str] | None = None


_tables = _Tables()


def _caller(depth: int = 2) -> str:
    return sys._getframe(depth).f_globals.get("__name__", "")


def _is_platform(owner: str) -> bool:
    """Modules directly in ``campaign/`` (not in a feature package) are the platform."""
    if owner == "campaign":
        return True
    if not owner.startswith("campaign.") or owner.count(".") != 1:
        return False
    module = sys.modules.get(owner)
    spec = getattr(module, "__spec__", None)
    return spec is None or spec.submodule_search_locations is None


def _active(owner: str) -> bool:
    if not has_app_context():
        return True
    loaded = current_app.extensions.get("naishin.features")
    if loaded is None or _is_platform(owner):
        return True
    return any(owner == p or owner.startswith(p + ".") for p in loaded)


# -- menu ------------------------------------------------------------------------------------


def add_menu(
    label,
    endpoint: str,
    *,
    order: int,
    audience: str = "staff",
    section: str | None = "",
    roles: Iterable[str] | None = None,
    owner: str | None = None,
) -> None:
    """Register a menu entry (registering the same endpoint again replaces it).

    ``section`` is the endpoint prefix of the pages that mark the entry current; by default the
    entry's blueprint (``"org."`` for ``org.index``); ``None`` for its own page only, as when
    several entries share a blueprint.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    if section == "":
        section = endpoint.split(".", 1)[0] + "."
    _tables.menu[endpoint] = MenuEntry(
        label,
        endpoint,
        order,
        audience,
        section,
        tuple(roles) if roles is not None else None,
        owner or _caller(),
    )


def menu_for(user: StaffUser | None) -> list[MenuEntry]:
    """The entries this visitor sees, in menu order."""
    return sorted(
        (e for e in _tables.menu.values() if _active(e.owner) and e.visible_to(user)),
        key=lambda e: (e.order, e.endpoint),
    )


# -- home page -------------------------------------------------------------------------------


def add_home_card(
    title,
    endpoint: str,
    *,
    order: int,
    description="",
    roles: Iterable[str] = STAFF,
    visible: Callable[[Any], bool] | None = None,
    key: str | None = None,
    owner: str | None = None,
) -> None:
    """Register a card of the staff home page (``key`` defaults to the endpoint)."""
    roles = tuple(roles)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {ROLES}")
    key = key or endpoint
    _tables.cards[key] = HomeCard(
        key, title, endpoint, order, description, roles, visible, owner or _caller()
    )


def home_cards_for(user: StaffUser | None) -> list[HomeCard]:
    """The cards of this person's home page: the registered cards they may see, and a card
    for every other staff menu entry they see (public pages and the home page excepted)."""
    cards = [c for c in _tables.cards.values() if _active(c.owner) and c.visible_to(user)]
    endpoints = {c.endpoint for c in _tables.cards.values()}
    home = current_app.config.get("HOME_ENDPOINT", "main.home") if has_app_context() else None
    for entry in menu_for(user):
        staff_only = entry.roles is not None or entry.audience in ("staff", "hq")
        if staff_only and entry.endpoint not in endpoints and entry.endpoint != home:
            cards.append(HomeCard(entry.endpoint, entry.label, entry.endpoint, entry.order))
    return sorted(cards, key=lambda c: (c.order, c.key))


# -- templates -------------------------------------------------------------------------------


def add_template_global(name: str, value: object, *, owner: str | None = None) -> None:
    """Make ``value`` (a function or a constant) available to every template as ``name``."""
    _tables.globals[name] = (value, owner or _caller())


def template_globals() -> dict[str, object]:
    """The names registered for templates, plus the registry's own helpers."""
    values = {name: v for name, (v, owner) in _tables.globals.items() if _active(owner)}
    values.update(links=links, front_blocks=front_blocks, home_cards_for=home_cards_for)
    return values


# -- init ------------------------------------------------------------------------------------


def add_seeder(
    name: str, func: Callable[[Any], str | None], *, order: int = 100, owner: str | None = None
) -> None:
    """Register reference data for ``flask init``: ``func(session)`` flushes and returns a
    line to print (or ``None``); it must be safe to run again at every upgrade."""
    _tables.seeders[name] = Seeder(name, func, order, owner or _caller())


def seeders() -> list[Seeder]:
    """The seeders of the loaded features, in order."""
    return sorted(
        (s for s in _tables.seeders.values() if _active(s.owner)), key=lambda s: (s.order, s.name)
    )


def run_seeders(session) -> list[str]:
    """Run every seeder (``init`` does, after migrating); the lines they returned."""
    return [line for s in seeders() if (line := s.func(session))]


# -- server workers --------------------------------------------------------------------------


def add_worker_start(
    name: str, func: Callable[[Flask], Callable[[], None] | None], *, owner: str | None = None
) -> None:
    """Register what each gunicorn worker starts once it has loaded the app (campaign/
    gunicorn_conf.py ``post_worker_init``; never ``create_app``, so tests and commands start
    nothing): ``func(app)`` starts it and returns a callable that stops it (or ``None``), which
    the worker calls when it exits. E.g. the petitions' confirmation-link sender thread."""
    _tables.worker_starts[name] = (func, owner or _caller())


def worker_starts() -> list[Callable[[Flask], Callable[[], None] | None]]:
    """What the loaded features start in each server worker."""
    return [f for f, owner in _tables.worker_starts.values() if _active(owner)]


# -- CLI -------------------------------------------------------------------------------------


def add_command(command, *, owner: str | None = None) -> None:
    """Add a top-level click command or group (beyond a feature's ``commands.cli``)."""
    _tables.commands[command.name] = (command, owner or _caller())


def commands() -> list:
    """The registered commands of the loaded features."""
    return [c for c, owner in _tables.commands.values() if _active(owner)]


# -- public front page -----------------------------------------------------------------------


def add_front_block(
    key: str,
    template: str,
    *,
    order: int = 100,
    context: Callable[[], dict | None] | None = None,
    owner: str | None = None,
) -> None:
    """Register a block of the public front page (see the module docstring)."""
    _tables.blocks[key] = FrontBlock(key, template, order, context, owner or _caller())


def front_blocks() -> list[Markup]:
    """The front page's blocks, rendered, in order, leaving out those with nothing to show."""
    blocks = sorted(
        (b for b in _tables.blocks.values() if _active(b.owner)), key=lambda b: (b.order, b.key)
    )
    return [html for b in blocks if (html := b.render()) is not None]


# -- links on other features' pages ----------------------------------------------------------


def add_link_provider(
    slot: str,
    func: Callable[[Any, Any], Iterable[Link]],
    *,
    order: int = 100,
    owner: str | None = None,
) -> None:
    """Register ``func(obj, user) -> Iterable[Link]`` for a slot such as
    ``CASE_DETAIL_LINKS``."""
    owner = owner or _caller()
    _tables.links[(slot, owner)] = LinkProvider(slot, func, order, owner)


def links(slot: str, obj: object, user: StaffUser | None = None) -> list[Link]:
    """The links for ``obj`` in ``slot``, from every feature that provides some."""
    if user is None and has_app_context():
        from flask import g

        user = g.get("user")
    providers = sorted(
        (p for p in _tables.links.values() if p.slot == slot and _active(p.owner)),
        key=lambda p: (p.order, p.owner),
    )
    return [link for p in providers for link in p.func(obj, user)]


# -- what an account holds -------------------------------------------------------------------


def add_reset_guard(func: Callable[[Any, Any], object], *, owner: str | None = None) -> None:
    """Register ``func(session, user) -> message or None``: why this account's password and
    authenticator may not be reset now (it holds something only its owner may receive, which a
    reset would hand to whoever sets the account up again)."""
    owner = owner or _caller()
    _tables.reset_guards[owner] = func


def reset_refusals(session, user) -> list[object]:
    """The messages of every feature that refuses a reset of ``user`` now."""
    found = (f(session, user) for o, f in sorted(_tables.reset_guards.items()) if _active(o))
    return [message for message in found if message]


# -- who is asking ----------------------------------------------------------------------------


def set_user_loader(func: Callable[[], None], *, owner: str | None = None) -> None:
    """The auth feature's ``func()``, run before every request (after the control-character
    check, before the login check): it resumes the staff session and sets ``g.user``."""
    _tables.user_loader = (func, owner or _caller())


def user_loader() -> Callable[[], None] | None:
    """The registered user loader of a loaded feature, if any."""
    entry = _tables.user_loader
    return entry[0] if entry is not None and _active(entry[1]) else None


# -- the app ---------------------------------------------------------------------------------


def init_app(app: Flask, packages: Iterable[str]) -> None:
    """Record which feature packages this app loaded; give templates the registered names
    (resolved per request, so a feature imported later still counts)."""
    app.extensions["naishin.features"] = tuple(packages)
    app.context_processor(template_globals)
