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

    @property
    def section(self) -> str:
        """The blueprint whose pages mark this entry as the current one."""
        return self.endpoint.split(".", 1)[0]


_items: dict[str, Item] = {}


def add(label, endpoint: str, *, order: int, audience: str = "staff") -> None:
    """Register a menu entry (idempotent: registering the same endpoint again replaces it)."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    _items[endpoint] = Item(label, endpoint, order, audience)


def items_for(user: User | None) -> list[Item]:
    """The entries this visitor sees, in menu order."""
    return sorted((i for i in _items.values() if i.visible_to(user)), key=lambda i: i.order)
