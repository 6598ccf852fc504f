"""Feature packages are found, not listed: every sub-package of ``campaign`` and the top-level
``surveys`` package may bring ``models`` (tables), ``views`` (a blueprint named ``bp``) and
``commands`` (a click group named ``cli``). Adding a feature touches no shared file.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def packages(extra: Iterable[str] = ()) -> Iterator[str]:
    """Dotted names of the feature packages, in a stable order; ``extra`` adds packages from
    elsewhere (the app's ``EXTRA_FEATURES`` setting: a plug-in, or a test's fixture feature)."""
    for info in sorted(pkgutil.iter_modules([str(ROOT / "campaign")]), key=lambda i: i.name):
        if info.ispkg:
            yield f"campaign.{info.name}"
    if (ROOT / "surveys" / "__init__.py").exists():
        yield "surveys"
    yield from extra


def modules(name: str, names: Iterable[str] | None = None) -> Iterator[ModuleType]:
    """Import ``<package>.<name>`` of every feature package (or of ``names``) that has one."""
    for package in packages() if names is None else names:
        dotted = f"{package}.{name}"
        if importlib.util.find_spec(dotted) is not None:
            yield importlib.import_module(dotted)
