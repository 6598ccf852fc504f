"""The main menu, assembled from what each feature registers.

A feature adds its entry next to its views (``navigation.add(...)``), so that the base
template never needs to change when a feature arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaign.auth.models import User

AUDIENCES = ("public", "anonymous", "staff", "hq")


@dataclass(frozen=True)
class Item:
    """One menu entry: its label (lazy gettext), endpoint, position and who sees it."""

    label: object
    endpoint: str
    order: int
    audience: str
    section: str | None = None

    def visible_to(self, user: User | None) -> bool:
        """``public``: everyone; ``anonymous``: only visitors not logged in; ``staff``: any
        logged-in staff member; ``hq``: headquarters and admins."""
        if self.audience == "public":
            return True
        if self.audience == "anonymous":
            return user is None
        if user is None:
            return False
        return self.audience == "staff" or user.is_hq

    def is_current(self, endpoint: str | None) -> bool:
        """Whether the page being shown belongs to this entry: its own endpoint, or any
        endpoint starting with its section (by default, its blueprint's name and a dot)."""
        if not endpoint:
            return False
        return endpoint == self.endpoint or bool(self.section and endpoint.startswith(self.section))


_items: dict[str, Item] = {}


def add(
    label, endpoint: str, *, order: int, audience: str = "staff", section: str | None = ""
) -> None:
    """Register a menu entry (idempotent: registering the same endpoint again replaces it).

    ``section`` is the endpoint prefix of the pages that mark the entry current; by default the
    entry's blueprint (``"org."`` for ``org.index``); ``None`` for its own page only, as when
    several entries share a blueprint.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    if section == "":
        section = endpoint.split(".", 1)[0] + "."
    _items[endpoint] = Item(label, endpoint, order, audience, section)


def items_for(user: User | None) -> list[Item]:
    """The entries this visitor sees, in menu order."""
    return sorted((i for i in _items.values() if i.visible_to(user)), key=lambda i: i.order)
