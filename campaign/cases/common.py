"""What the case pages share: the ``cases`` blueprint, its menu entries and home cards, the
template helpers, the attachment limit and the list's filters.

``views.py`` (the case pages) and ``picture.py`` (the national picture, the exports, the
categories) both add routes to ``bp``; neither imports the other's internals.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, literal, select, union_all
from wtforms.fields.choices import SelectChoice

from campaign import db, params, registry
from campaign.audit import services as audit
from campaign.cases import queries, vocab
from campaign.cases.forms import FilterForm, PreparedChoices
from campaign.cases.models import CaseCategory
from campaign.dates import current_locale
from campaign.org.models import Prefecture

bp = Blueprint("cases", __name__, url_prefix="/cases")
# Both entries share the blueprint: each marks only its own page as current.
registry.add_menu(_l("Cases"), "cases.index", order=25, section=None)
registry.add_menu(_l("National picture"), "cases.dashboard", order=26, section=None)
registry.add_home_card(
    _l("Cases"),
    "cases.index",
    order=25,
    description=_l("Report what happened at a workplace and follow each case to its end."),
)
registry.add_home_card(
    _l("National picture"),
    "cases.dashboard",
    order=26,
    description=_l("Reported cases counted by category, issuer, month and prefecture."),
)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PER_PAGE = 30
# The list's own query arguments: only these travel on in the pager's links.
FILTER_ARGS = ("state", "category", "prefecture", "issuer", "month_from", "month_to")
DEFAULT_MAX_ATTACHMENT = 10 * 1024 * 1024


def max_bytes() -> int:
    """The per-file limit (``NAISHIN_CASES_MAX_ATTACHMENT_MB``, read at start-up into
    ``app.config["CASES_MAX_ATTACHMENT_BYTES"]``; 10 MB)."""
    return int(current_app.config.get("CASES_MAX_ATTACHMENT_BYTES") or DEFAULT_MAX_ATTACHMENT)


@bp.app_context_processor
def _helpers() -> dict:
    def guidance_url():
        """The rights page on being pressed at work, if that feature is installed."""
        if "pages.pressed" in current_app.view_functions:
            return url_for("pages.pressed")
        return None

    return {
        "case_states": vocab.STATES,
        "issuer_kinds": vocab.ISSUER_KINDS,
        "case_channels": vocab.CHANNELS,
        "action_kinds": vocab.ACTION_KINDS,
        "case_guidance_url": guidance_url,
        "case_max_megabytes": lambda: max_bytes() // (1024 * 1024),
    }


# --- filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A prefecture as the national picture needs it (``code``, ``name(locale)``), named in the
    language it was read for."""

    code: str
    label: str

    def name(self, _locale: str) -> str:
        """The prefecture's name (in the reference's language)."""
        return self.label


@dataclass(frozen=True)
class Reference:
    """The categories and prefectures in one language, as the case pages show them, with the
    filter form's choices (their options rendered once, ``forms.PreparedChoices``)."""

    categories: dict[int, str]  # id: name, in display order
    order: dict[int, int]  # id: place in that order
    prefectures: dict[str, str]  # code: name, in JIS order
    states: dict[str, str]
    separator: str  # between the categories of a case
    choices: dict[str, PreparedChoices]  # the filter form's, by field
    places: tuple[Place, ...]  # the prefectures, in JIS order


REFERENCE_SIZE = 8
_cache_lock = threading.Lock()


def _reference_statement():
    """The categories and prefectures in one statement (a round trip, not two)."""
    categories = select(
        literal("c").label("kind"),
        cast(CaseCategory.id, String).label("key"),
        CaseCategory.name_ja,
        CaseCategory.name_en,
        CaseCategory.position.label("position"),
        CaseCategory.id.label("number"),
    )
    places = select(
        literal("p"),
        Prefecture.code,
        Prefecture.name_ja,
        Prefecture.name_en,
        literal(0),
        literal(0),
    )
    return union_all(categories, places).order_by("kind", "position", "number", "key")


REFERENCE_ROWS = _reference_statement()  # built once; compiled once per engine (its cache)


def _reference_rows(session) -> tuple:
    """(kind, key, name_ja, name_en, position, number) of every category and prefecture."""
    return tuple(session.execute(REFERENCE_ROWS))  # rows hash and compare as tuples


def reference(session, locale: str) -> Reference:
    """The categories and prefectures as they are now, in ``locale``. Read on every view (one
    small statement), so a category added by headquarters shows at once in every worker; what
    is made of them (labels, rendered options) is kept per worker, keyed by what was read."""
    rows = _reference_rows(session)
    return per_worker(
        "naishin.cases.reference",
        (locale, rows),
        lambda: _make_reference(rows, locale),
        size=REFERENCE_SIZE,
    )


def per_worker(name: str, key: tuple, compute, *, size: int):
    """``compute()``, or what it returned for the same key in this worker (the last ``size``
    keys of the cache ``name``, in ``app.extensions``)."""
    cache = current_app.extensions.setdefault(name, OrderedDict())
    with _cache_lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    result = compute()
    with _cache_lock:
        cache[key] = result
        while len(cache) > size:
            cache.popitem(last=False)
    return result


def _make_reference(rows: tuple, locale: str) -> Reference:
    english = locale == "en"
    names = {(kind, key): en if english else ja for kind, key, ja, en, _p, _n in rows}
    categories = {int(key): name for (kind, key), name in names.items() if kind == "c"}
    places = {key: name for (kind, key), name in names.items() if kind == "p"}
    states = {k: str(v) for k, v in vocab.STATES.items()}
    # Labels as plain strings, translated once: a lazy label is translated again each time an
    # option is drawn.
    anything = [SelectChoice("", _("Any"))]

    def choices(pairs) -> PreparedChoices:
        return PreparedChoices(anything + [SelectChoice(str(k), v) for k, v in pairs])

    return Reference(
        categories=categories,
        order={c: n for n, c in enumerate(categories)},
        prefectures=places,
        places=tuple(Place(code, name) for code, name in places.items()),
        states=states,
        separator=_(", "),
        choices={
            "state": choices(states.items()),
            "category": choices(categories.items()),
            "prefecture": choices(places.items()),
            "issuer": choices((k, str(v)) for k, v in vocab.ISSUER_KINDS.items()),
        },
    )


def read_filters(user) -> tuple[FilterForm, queries.Filters, Reference]:
    """The filter form (from the query string), the filters it stands for, and the reference
    data it was built from."""
    form = FilterForm(request.args)
    ref = reference(db.session(), current_locale())
    for name, choices in ref.choices.items():
        form[name].choices = choices
    args = request.args

    def pick(name, allowed):
        value = args.get(name, "")
        return value if value in allowed else None

    form.validate()  # a month like 2019-13 gets its message beside the field (and a 400)
    month_from, month_to = args.get("month_from", ""), args.get("month_to", "")
    filters = queries.Filters(
        state=pick("state", vocab.STATES),
        category_id=params.int_arg("category", minimum=1),
        prefecture_code=pick("prefecture", ref.prefectures),
        issuer_kind=pick("issuer", vocab.ISSUER_KINDS),
        month_from=month_from if MONTH.match(month_from) else None,
        month_to=month_to if MONTH.match(month_to) else None,
    )
    return form, filters, ref


def audit_read(
    user, action: str, *, filters: queries.Filters | None = None, flush_later: bool = True, **extra
) -> None:
    """One audit entry per view of the list or the national picture, naming the filter applied
    (``filters``, as read_filters validated it: never a value as typed, which could be any text
    and the chained log keeps it for good), never the rows it showed.

    On PostgreSQL the view's commit then does not wait for the log to reach the disk
    (``synchronous_commit`` off for this transaction only, set in the statement that takes the
    audit chain's lock: ``audit.record(commit_without_waiting=True)``): the wait was most of the
    list's time on a busy disk (a commit took 0.5-2.8 ms, the bare page 1.9 ms), and the entry
    is what the view writes. What that gives up is what SQLite's ``synchronous=NORMAL`` gives up
    for every commit: should the database server itself crash within a fraction of a second
    (at most three ``wal_writer_delay``, 0.6 s by default), the newest such entries are lost.
    The chain stays whole (the log is written in order, so a later commit that waits takes
    these with it, and none is lost alone). A view that writes anything else passes
    ``flush_later=False``."""
    given = filters.described() if filters is not None else {}
    given.update({k: str(v) for k, v in extra.items() if v not in (None, 1)})
    audit.record(
        db.session(),
        action,
        object_kind="case",
        branch_id=None if user.is_hq else user.branch_id,
        reason=" ".join(f"{k}={v}" for k, v in sorted(given.items()))[:500] or None,
        commit_without_waiting=flush_later,
    )
