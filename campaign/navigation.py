"""The main menu: kept for the features that still call ``navigation.add``.

The menu lives in ``campaign.registry`` (``registry.add_menu``, ``registry.menu_for``) with the
other things features add to shared places; this module only forwards to it.
"""

from __future__ import annotations

import sys

from campaign import registry
from campaign.registry import AUDIENCES, MenuEntry

Item = MenuEntry
__all__ = ["AUDIENCES", "Item", "add", "items_for"]


def add(label, endpoint: str, **options) -> None:
    """``registry.add_menu``, recorded as added by the caller's feature."""
    options.setdefault("owner", sys._getframe(1).f_globals.get("__name__", ""))
    registry.add_menu(label, endpoint, **options)


def items_for(user) -> list[MenuEntry]:
    """``registry.menu_for``."""
    return registry.menu_for(user)
