"""The dated facts of the shipped pages (``content/facts.toml``): their sources and re-check dates.

Each fact names the pages that state it, the words those pages must carry, its sources, the date
it was true and the date after which someone must check it again. ``due`` lists the facts whose
re-check date has passed, so that stale content fails a test and ``flask pages facts`` instead of
lingering on the public site.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FACTS_FILE = Path(__file__).resolve().parent / "content" / "facts.toml"


@dataclass(frozen=True)
class Source:
    """Where a fact was checked: a title, an address if the page was read, and how."""

    key: str
    title: str
    url: str
    reached: str
    cite_ja: str
    cite_en: str


@dataclass(frozen=True)
class Fact:
    """One dated statement of the shipped pages."""

    id: str
    about: str
    as_of: date
    recheck_by: date
    sources: tuple[Source, ...]
    pages: tuple[str, ...]
    words_ja: tuple[str, ...]
    words_en: tuple[str, ...]

    def words(self, lang: str) -> tuple[str, ...]:
        """The wording each page stating this fact must contain, in one language."""
        return self.words_en if lang == "en" else self.words_ja


@dataclass(frozen=True)
class Facts:
    """The whole file: when the pages were last checked, the sources and the facts."""

    checked: date
    sources: dict[str, Source]
    facts: tuple[Fact, ...]

    def due(self, today: date) -> list[Fact]:
        """The facts whose re-check date is before ``today`` (a fact is good on its date)."""
        return [fact for fact in self.facts if fact.recheck_by < today]


class FactsError(ValueError):
    """The facts file is malformed: a fact names an unknown source, or a date is missing."""


def load(path: Path = FACTS_FILE) -> Facts:
    """Read and check the facts file."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    sources = {
        key: Source(
            key,
            entry["title"],
            entry.get("url", ""),
            entry.get("reached", ""),
            entry["cite_ja"],
            entry["cite_en"],
        )
        for key, entry in data["source"].items()
    }
    facts = []
    for entry in data["fact"]:
        unknown = [key for key in entry["sources"] if key not in sources]
        if unknown or not entry["sources"]:
            raise FactsError(f"{entry['id']}: unknown or missing sources {unknown}")
        for name in ("as_of", "recheck_by"):
            if not isinstance(entry.get(name), date):
                raise FactsError(f"{entry['id']}: {name} must be a date")
        facts.append(
            Fact(
                entry["id"],
                entry["about"],
                entry["as_of"],
                entry["recheck_by"],
                tuple(sources[key] for key in entry["sources"]),
                tuple(entry["pages"]),
                tuple(entry["ja"]),
                tuple(entry["en"]),
            )
        )
    ids = [fact.id for fact in facts]
    if len(ids) != len(set(ids)):
        raise FactsError("two facts share an id")
    return Facts(data["checked"], sources, tuple(facts))
