"""The national picture: counts kept or computed by the database, shaped for charts.

Unfiltered (or filtered by state only), headquarters' picture is read from ``case_counts``, the
counts database triggers keep as cases change (migration 0018): a few hundred rows, however
many cases there are. Any other filter groups the matching cases (GROUP BY).

Drafts are not counted: they are not reports yet. Purged cases still count: only their
content is gone.

A filtered picture groups the matching cases twice (by issuer kind, prefecture and month
together, and by category): about 70 ms on SQLite for 12,342 of 100,000 cases. Each worker
keeps the last pictures it computed, keyed by the filters, the viewer's branch, the language and
``services.stats_version``: a counter every change to a counted field raises in the same
transaction. A cached picture is therefore never older than the last committed change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask_babel import get_translations, gettext
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.cases import vocab
from campaign.cases.common import per_worker
from campaign.cases.models import Case, CaseCategory, CaseCount, case_category_links
from campaign.cases.queries import Filters
from campaign.cases.services import stats_version
from campaign.charts import INK

CACHE_SIZE = 256
# The fewest cases a set of national figures filtered by an officer may describe.
MIN_CASES = 5

# The 47 prefectures as tiles on a 12 × 11 grid: (column, row), roughly where they lie.
TILES: dict[str, tuple[int, int]] = {
    "01": (11, 0), "02": (11, 1), "05": (10, 2), "03": (11, 2),
    "17": (7, 3), "15": (9, 3), "06": (10, 3), "04": (11, 3),
    "18": (6, 4), "16": (7, 4), "20": (8, 4), "10": (9, 4), "07": (10, 4),
    "32": (2, 5), "31": (3, 5), "28": (4, 5), "26": (5, 5), "25": (6, 5), "21": (7, 5),
    "19": (8, 5), "11": (9, 5), "09": (10, 5), "08": (11, 5),
    "40": (0, 6), "35": (1, 6), "34": (2, 6), "33": (3, 6), "27": (4, 6), "29": (5, 6),
    "24": (6, 6), "23": (7, 6), "22": (8, 6), "14": (9, 6), "13": (10, 6), "12": (11, 6),
    "41": (0, 7), "43": (1, 7), "44": (2, 7), "38": (3, 7), "37": (4, 7), "30": (5, 7),
    "42": (0, 8), "46": (1, 8), "45": (2, 8), "39": (3, 8), "36": (4, 8),
    "47": (0, 10),
}  # fmt: skip
# Lightest (none) to darkest. Labels are dark ink on the first four and white on the last two:
# every pair has a contrast of at least 4.5:1 (tests/cases/test_dashboard_screens.py measures it).
SHADES = ("#f1efe9", "#d5e4f0", "#a9c7e0", "#6f9fc9", "#2f6d9f", "#14324d")
FIRST_WHITE_LEVEL = 4
# A withheld prefecture (an officer's picture): white, with a dashed edge and "＊".
WITHHELD_SHADE = "#ffffff"


@dataclass(frozen=True)
class Row:
    """One bar: a key, its label and its count (None when withheld)."""

    key: str
    label: str
    count: int | None


def month_label(key: str, locale: str) -> str:
    """A month as its readers write it: 2019年11月, Nov 2019."""
    year, month = (int(part) for part in key.split("-"))
    if locale == "ja":
        return f"{year}年{month}月"
    return format_date(date(year, month, 1), "MMM y", locale=locale)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), both included."""
    year, month = (int(part) for part in first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _step(top: int) -> int:
    """How many counts share one shade: 1 while every count up to ``top`` has a shade of its own."""
    shades = len(SHADES) - 1
    return max(1, -(-top // shades))


def level(count: int, top: int) -> int:
    """The shade of a count: 0 for none, then one shade per equal range of counts."""
    if count <= 0 or top <= 0:
        return 0
    return min(len(SHADES) - 1, 1 + (count - 1) // _step(top))


def tiles(rows: list[Row]) -> list[dict]:
    """The tile map: position, shade, label and title of each prefecture (the title and the
    short label as text: 47 translations and filters in the template were a fifth of the
    picture's page)."""
    top = max((r.count for r in rows if r.count is not None), default=0)
    translations = get_translations()  # once: flask_babel finds them anew on every call
    result = []
    for row in rows:
        if row.count is None:
            title = translations.ugettext("%(prefecture)s: withheld") % {"prefecture": row.label}
        else:
            title = translations.ungettext(
                "%(prefecture)s: %(num)d case", "%(prefecture)s: %(num)d cases", row.count
            ) % {"prefecture": row.label, "num": row.count}
        col, line = TILES[row.key]
        shade = level(row.count, top) if row.count is not None else 0
        result.append(
            {
                "row": row,
                "x": col * 44,
                "y": line * 44,
                "fill": SHADES[shade] if row.count is not None else WITHHELD_SHADE,
                "dark": shade >= FIRST_WHITE_LEVEL,
                "withheld": row.count is None,
                "title": title,
                # What the template's truncate(4, True, "") gave: names up to 9 letters whole.
                "short": row.label if len(row.label) <= 9 else row.label[:4],
            }
        )
    return result


def tile_marks(tiles: list[dict]) -> Markup:
    """The tiles of the map's drawing, each with its title, short name and figure (written
    here, not in the macro: 47 tiles of ten escaped values each were a sixth of the page)."""
    out = []
    for tile in tiles:
        ink = "#ffffff" if tile["dark"] else INK
        if tile["withheld"]:
            edge = 'stroke-width="1" stroke-dasharray="3 2"'
        else:
            edge = 'stroke-width="0.5"'
        figure = "＊" if tile["withheld"] else tile["row"].count
        out.append(
            f'<g transform="translate({tile["x"]} {tile["y"]})"><title>{escape(tile["title"])}'
            f'</title><rect width="42" height="42" rx="4" fill="{tile["fill"]}" '
            f'stroke="#8b8f98" {edge}></rect><text x="21" y="18" font-size="10" '
            f'text-anchor="middle" fill="{ink}">{escape(tile["short"])}</text><text x="21" '
            f'y="33" font-size="11" font-weight="bold" text-anchor="middle" fill="{ink}">'
            f"{escape(figure)}</text></g>"
        )
    return Markup("\n".join(out))  # noqa: S704 - every text escaped above


def tile_rows(rows, *, own: bool) -> Markup:
    """The body rows of the map's table: (key, label, figure or None when withheld[, the
    branch's own]), with the branch's own column when ``own``."""
    withheld = escape(gettext("withheld"))
    return Markup(  # noqa: S704 - every value escaped
        "\n".join(
            f'<tr><th scope="row">{escape(row[1])}</th><td class="num">'
            f"{withheld if row[2] is None else escape(row[2])}</td>"
            + (f'<td class="num">{escape(row[3])}</td>' if own else "")
            + "</tr>"
            for row in rows
        )
    )


def legend(rows: list[Row]) -> list[tuple[str, str]]:
    """The shades the map uses and the counts each stands for, as ranges that do not overlap:
    0, 1, 2, 3 (one shade per count) or 0, 1～4, 5～8, … (one shade per range), and the
    withheld tiles' own entry when there are any."""
    top = max((r.count for r in rows if r.count is not None), default=0)
    out = [(SHADES[0], "0")]
    step = _step(top)
    low = 1
    while low <= top:
        high = min(low + step - 1, top)
        label = str(low) if low == high else gettext("%(low)d–%(high)d", low=low, high=high)
        out.append((SHADES[level(low, top)], label))
        low = high + 1
    if any(r.count is None for r in rows):
        out.append((WITHHELD_SHADE, gettext("withheld")))
    return out


def cached(db: Session, key: tuple, compute):
    """``compute()``, or what it returned for the same key since the last counted change."""
    return per_worker("naishin.cases.pictures", (stats_version(db), *key), compute, size=CACHE_SIZE)


def picture(
    db: Session, filters: Filters, locale: str, prefectures, categories: dict | None = None
) -> dict:
    """Everything headquarters' dashboard shows (every case, any filter), from the cache when
    nothing changed since. ``categories`` ({id: name} in display order) saves a query when the
    caller has read them."""
    return cached(
        db,
        ("hq", filters, locale),
        lambda: _picture(db, filters, locale, prefectures, categories),
    )


def _kept_counts(db: Session, filters: Filters) -> dict[str, dict[str, int]] | None:
    """The counts the database keeps (``case_counts``), per dimension and key, when the
    filters are ones it can answer (none, or a state); else None."""
    if filters != Filters(state=filters.state):
        return None
    stmt = select(CaseCount.dimension, CaseCount.key, func.sum(CaseCount.n)).where(
        CaseCount.state != vocab.DRAFT
    )
    if filters.state:
        stmt = stmt.where(CaseCount.state == filters.state)
    out: dict[str, dict[str, int]] = {}
    for dimension, key, n in db.execute(stmt.group_by(CaseCount.dimension, CaseCount.key)):
        if n:
            out.setdefault(dimension, {})[key] = int(n)
    return out


def _from_kept(
    kept: dict, locale: str, prefectures, db: Session, categories: dict | None = None
) -> dict:
    if categories is None:
        cats = db.scalars(select(CaseCategory).order_by(CaseCategory.position, CaseCategory.id))
        categories = {c.id: c.name(locale) for c in cats}
    category = kept.get("category", {})
    issuer = kept.get("issuer", {})
    months = kept.get("month", {})
    pref = kept.get("prefecture", {})
    keys = months_between(min(months), max(months)) if months else []
    by_pref = [Row(p.code, p.name(locale), pref.get(p.code, 0)) for p in prefectures]
    return {
        "total": kept.get("total", {}).get("", 0),
        "by_category": [
            Row(str(c), name, category.get(str(c), 0)) for c, name in categories.items()
        ],
        "by_issuer": [
            Row(k, str(label), issuer.get(k, 0)) for k, label in vocab.ISSUER_KINDS.items()
        ],
        "by_month": [Row(k, month_label(k, locale), months.get(k, 0)) for k in keys],
        "by_prefecture": by_pref,
        "tiles": tiles(by_pref),
        "legend": legend(by_pref),
    }


def _picture(db: Session, filters: Filters, locale: str, prefectures, categories=None) -> dict:
    kept = _kept_counts(db, filters)
    if kept is not None:
        return _from_kept(kept, locale, prefectures, db, categories)
    return _grouped_picture(db, filters, locale, prefectures, categories)


def _grouped_picture(
    db: Session, filters: Filters, locale: str, prefectures, categories: dict | None = None
) -> dict:
    """The picture of any other filter: the matching cases grouped once by issuer kind,
    prefecture and month (the total and those three tables are sums of its rows) and once by
    category. A GROUP BY per table read the matching cases five times, and SQLite read two of
    them in the order of the grouped column's index, row by row: 272 ms at 100,000 cases for
    headquarters' picture of one issuer kind since a month, against 68 this way."""
    stmt = filters.apply(
        select(Case.issuer_kind, Case.prefecture_code, Case.occurred_month, func.count()).where(
            Case.state != vocab.DRAFT
        )
    ).group_by(Case.issuer_kind, Case.prefecture_code, Case.occurred_month)
    kept: dict[str, dict[str, int]] = {
        "total": {"": 0},
        "issuer": {},
        "prefecture": {},
        "month": {},
    }
    for issuer, prefecture, month, n in db.execute(stmt):
        kept["total"][""] += n
        for dimension, key in (("issuer", issuer), ("prefecture", prefecture), ("month", month)):
            kept[dimension][key] = kept[dimension].get(key, 0) + n
    link = case_category_links
    counted = filters.apply(select(Case.id).where(Case.state != vocab.DRAFT))
    kept["category"] = {
        str(category): n
        for category, n in db.execute(
            select(link.c.category_id, func.count())
            .where(link.c.case_id.in_(counted))
            .group_by(link.c.category_id)
        )
    }
    return _from_kept(kept, locale, prefectures, db, categories)
