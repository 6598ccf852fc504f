"""The card issuance figures of 15 May 2017: read from the shipped CSV, rates computed here.

The CSV holds counts only (population and cards issued). Rates are never copied from the
source: they are computed from the counts, and the totals are checked against the national
row when the file is read, so a typing error in the data stops the page instead of
misinforming a reader.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from campaign.charts import Chart, bar_chart

DATA = Path(__file__).resolve().parent / "content" / "figures"
CSV_FILE = DATA / "card-issuance-2017-05-15.csv"
SOURCE_FILE = DATA / "card-issuance-2017-05-15.toml"

KIND_LABELS = {
    "special_wards": _l("Tokyo's special wards"),
    "designated_cities": _l("Designated cities"),
    "other_cities": _l("Other cities"),
    "towns_villages": _l("Towns and villages"),
}
SORT_KEYS = ("code", "name", "population", "cards", "rate")


class DataError(ValueError):
    """The shipped figures do not add up."""


@dataclass(frozen=True)
class Row:
    """One line of the table: a prefecture, a kind of municipality, or the whole country."""

    level: str
    key: str
    label_ja: str
    population: int
    cards: int

    @property
    def rate(self) -> Decimal:
        """Cards per 100 residents, unrounded (for sorting and the chart)."""
        return Decimal(self.cards) * 100 / Decimal(self.population)

    @property
    def rate_text(self) -> str:
        """The rate rounded half-up to one decimal, as the source prints it."""
        return f"{self.rate.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Table:
    """The national row, the kinds of municipality and the prefectures."""

    national: Row
    kinds: tuple[Row, ...]
    prefectures: tuple[Row, ...]


def check(table: Table) -> None:
    """Raise DataError unless the parts add up to the national row."""
    for name, parts in (("prefectures", table.prefectures), ("kinds", table.kinds)):
        population = sum(r.population for r in parts)
        cards = sum(r.cards for r in parts)
        if (population, cards) != (table.national.population, table.national.cards):
            raise DataError(f"the {name} add up to {population}/{cards}, not the national row")
    if len(table.prefectures) != 47 or len({r.key for r in table.prefectures}) != 47:
        raise DataError("expected each of the 47 prefectures once")
    for row in (table.national, *table.kinds, *table.prefectures):
        if not 0 <= row.cards <= row.population:
            raise DataError(f"{row.key}: more cards than people")


@lru_cache(maxsize=1)
def load() -> Table:
    """Read and check the shipped CSV (once per process)."""
    with CSV_FILE.open(encoding="utf-8", newline="") as handle:
        rows = [
            Row(r["level"], r["key"], r["label_ja"], int(r["population"]), int(r["cards"]))
            for r in csv.DictReader(handle)
        ]
    national = [r for r in rows if r.level == "national"]
    if len(national) != 1:
        raise DataError("expected exactly one national row")
    table = Table(
        national[0],
        tuple(r for r in rows if r.level == "kind"),
        tuple(r for r in rows if r.level == "prefecture"),
    )
    check(table)
    return table


def csv_rows() -> tuple[list[str], list[list]]:
    """The shipped counts as they are in the data file (header and rows), for the download."""
    with CSV_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        counts = {header.index("population"), header.index("cards")}
        # Counts stay numbers; codes (01 for Hokkaido) stay text.
        rows = [[int(v) if i in counts else v for i, v in enumerate(row)] for row in reader]
    return header, rows


@lru_cache(maxsize=1)
def source() -> dict:
    """Where the numbers come from (title, source, dates, notes) in both languages."""
    with SOURCE_FILE.open("rb") as handle:
        return tomllib.load(handle)


def sort_rows(rows: tuple[Row, ...], key: str, descending: bool, names: dict[str, str]):
    """Rows sorted by a column; unknown keys fall back to JIS code order."""
    getters = {
        "code": lambda r: r.key,
        "name": lambda r: names.get(r.key, r.label_ja),
        "population": lambda r: r.population,
        "cards": lambda r: r.cards,
        "rate": lambda r: r.rate,
    }
    getter = getters.get(key, getters["code"])
    return sorted(rows, key=lambda r: (getter(r), r.key), reverse=descending)


def chart(rows, names: dict[str, str], average: Row, scale_max: float = 12.0) -> Chart:
    """The rates of the given rows, in their order, as the one bar chart
    (``campaign.charts``), with the national rate as a dashed reference line."""
    return bar_chart(
        [(names.get(r.key, r.label_ja), float(r.rate)) for r in rows],
        texts=[r.rate_text for r in rows],
        keys=[r.key for r in rows],
        max_value=scale_max,
        marker=float(average.rate),
    )
