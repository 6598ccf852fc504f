"""The national picture as a branch officer sees it: no figure that singles out another
branch's case, whatever he subtracts from what.

Headquarters sees every case and filters the picture freely (``stats.picture``). An officer
could otherwise rebuild one case of another branch by subtracting two pictures (a month range
and the same range one month longer, one prefecture against all, the day before and after a
case was reported). So the officer's national figures are:

- computed from the *other* branches' cases only; his own branch is shown beside them in full,
  so subtracting what he knows gains him nothing;
- by fiscal-year quarter (April to March) of the day a case was reported (in the platform's
  time zone), one quarter at a time, and only quarters that have ended: a new report lands in
  the running quarter, which is not shown, so no figure moves from one day to the next;
- never filtered further (no prefecture × month × category): within a quarter, one table per
  dimension (category, issuer kind, prefecture), withheld by ``suppression`` so that no cell
  and no total minus shown cells describes 1 to k−1 cases;
- with a table of the quarters (each quarter's total, small ones withheld) and no all-time
  national total, which would grow by a withheld quarter when it arrives.

A quarter's national figures are frozen once it has ended (``freeze``): the first time an
officer's picture is computed after the end (or ``flask cases freeze-quarters``, from cron), its
counts per branch are written to ``case_frozen_counts`` once, and the officer's national figures
are read from there only. An edit of a case after its quarter ended (another category, another
issuer) or a case entered late would otherwise move an ended quarter's cell by one, and an
officer comparing the page before and after would learn of that one case (review R2-19). The
officer's own branch is shown live beside them; headquarters' picture is always live.

The figures are frozen by GROUP BY over one quarter's cases, read from the covering index
``ix_cases_reported``; pictures are cached per worker like the headquarters picture
(``stats.cached``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import String, bindparam, cast, func, insert, null, select, text, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.cases import stats, suppression, vocab
from campaign.cases.models import (
    Case,
    CaseCategory,
    FrozenCount,
    FrozenQuarter,
    case_category_links,
)
from campaign.dates import timezone
from campaign.db import UTCDateTime


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a fiscal year (April to March): 1 is April–June, 4 is January–March."""

    year: int
    number: int

    @property
    def key(self) -> str:
        """As the page's query string names it: 2024-1."""
        return f"{self.year}-{self.number}"

    @classmethod
    def parse(cls, key: str) -> Quarter | None:
        """The quarter a key names, or None for anything else."""
        year, _, number = (key or "").partition("-")
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            return None
        if number not in ("1", "2", "3", "4"):
            return None
        return cls(int(year), int(number))

    @classmethod
    def of(cls, moment: datetime) -> Quarter:
        """The quarter a moment falls in, in the platform's time zone."""
        local = moment.astimezone(timezone())
        year = local.year if local.month >= 4 else local.year - 1
        return cls(year, (local.month - 4) % 12 // 3 + 1)

    def first_month(self) -> tuple[int, int]:
        """(calendar year, month) of the quarter's first month."""
        month = 4 + 3 * (self.number - 1)
        return (self.year, month) if month <= 12 else (self.year + 1, month - 12)

    def start(self) -> datetime:
        """The quarter's first moment, as an aware UTC datetime."""
        year, month = self.first_month()
        return datetime(year, month, 1, tzinfo=timezone()).astimezone(UTC)

    def next(self) -> Quarter:
        """The quarter after this one."""
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def label(self, locale: str) -> str:
        """2024年度第1四半期（2024年4月～6月）, FY2024 Q1 (April–June 2024)."""
        year, month = self.first_month()
        if locale == "ja":
            return f"{self.year}年度第{self.number}四半期（{year}年{month}月～{month + 2}月）"
        names = ("April–June", "July–September", "October–December", "January–March")
        return f"FY{self.year} Q{self.number} ({names[self.number - 1]} {year})"


def completed_quarters(db: Session, now: datetime) -> list[Quarter]:
    """Every quarter from the first in which any case was reported to the last that has
    ended, oldest first (the same list for every officer)."""
    first = db.scalar(select(func.min(Case.reported_at)))
    if first is None:
        return []
    quarter, running = Quarter.of(first), Quarter.of(now)
    out = []
    while quarter < running:
        out.append(quarter)
        quarter = quarter.next()
    return out


def _in(quarter: Quarter, branch_id: int):
    """The conditions that pick one quarter's reported cases of the branch. A case has a
    ``reported_at`` once it left the draft state, which it never goes back to, so the range
    alone picks reported cases, from ``ix_cases_reported`` without reading the rows (the index
    holds the branch, issuer kind and prefecture too)."""
    return (
        Case.reported_at >= quarter.start(),
        Case.reported_at < quarter.next().start(),
        Case.branch_id == branch_id,
    )


def _own(db: Session, quarter: Quarter, branch_id: int) -> dict:
    """The branch's own counts of one quarter, as they are now: total, per category, issuer
    kind and prefecture (the last three from one grouping by issuer kind and prefecture), in
    one statement (two cost a round trip more to PostgreSQL on every officer's view)."""
    where = _in(quarter, branch_id)
    link = case_category_links
    by_category = (
        select(cast(link.c.category_id, String), null(), func.count())
        .join(Case, Case.id == link.c.case_id)
        .where(*where)
        .group_by(link.c.category_id)
    )
    by_place = (
        select(Case.issuer_kind, Case.prefecture_code, func.count())
        .where(*where)
        .group_by(Case.issuer_kind, Case.prefecture_code)
    )
    total, category, issuer, prefecture = 0, {}, {}, {}
    for first, code, n in db.execute(union_all(by_category, by_place)):
        if code is None:  # a category's row (every case has a prefecture)
            category[int(first)] = n
            continue
        total += n
        issuer[first] = issuer.get(first, 0) + n
        prefecture[code] = prefecture.get(code, 0) + n
    return {"total": total, "category": category, "issuer": issuer, "prefecture": prefecture}


# --- freezing ---------------------------------------------------------------------------

EVERY_BRANCH = 0  # the branch_id of a frozen figure of all branches together
FROZE = "cases.froze"  # in ``Session.info``: this transaction froze a quarter's figures


def _by_branch(db: Session, quarter: Quarter) -> list[tuple[int, str, str, int]]:
    """(branch, dimension, key, count) of one quarter's reported cases, as they are now."""
    where = (Case.reported_at >= quarter.start(), Case.reported_at < quarter.next().start())
    link = case_category_links
    rows = [
        (branch, "total", "", n)
        for branch, n in db.execute(
            select(Case.branch_id, func.count()).where(*where).group_by(Case.branch_id)
        )
    ]
    rows += [
        (branch, "category", str(key), n)
        for branch, key, n in db.execute(
            select(Case.branch_id, link.c.category_id, func.count())
            .join(Case, Case.id == link.c.case_id)
            .where(*where)
            .group_by(Case.branch_id, link.c.category_id)
        )
    ]
    rows += _combinations(db, where)
    for dimension, column in (("issuer", Case.issuer_kind), ("prefecture", Case.prefecture_code)):
        rows += [
            (branch, dimension, key, n)
            for branch, key, n in db.execute(
                select(Case.branch_id, column, func.count())
                .where(*where)
                .group_by(Case.branch_id, column)
            )
        ]
    return rows


COMBINATION = "combination"  # the dimension of the cases per exact combination of categories


def _combination_key(categories) -> str:
    """「3.7.12」: the ids of a case's categories (the empty string for none)."""
    return ".".join(str(c) for c in sorted(categories))


def _combinations(db: Session, where) -> list[tuple[int, str, str, int]]:
    """(branch, "combination", key, count): how many cases have exactly each combination of
    categories, the atoms from which ``suppression.multilabel`` decides the category table. A
    combination whose key would not fit the column is not written; the quarter's category
    table then falls back to ``suppression.multilabel_counts`` (see ``_category_table``)."""
    of_case: dict[int, tuple[int, set[int]]] = {
        case_id: (branch, set())
        for case_id, branch in db.execute(select(Case.id, Case.branch_id).where(*where))
    }
    link = case_category_links
    for case_id, category in db.execute(
        select(link.c.case_id, link.c.category_id)
        .join(Case, Case.id == link.c.case_id)
        .where(*where)
    ):
        of_case[case_id][1].add(category)
    counts: dict[tuple[int, str], int] = {}
    for branch, categories in of_case.values():
        key = _combination_key(categories)
        counts[(branch, key)] = counts.get((branch, key), 0) + 1
    width = FrozenCount.__table__.c.key.type.length
    return [(b, COMBINATION, key, n) for (b, key), n in counts.items() if len(key) <= width]


def freeze(db: Session, now: datetime, quarters: list[Quarter] | None = None) -> list[Quarter]:
    """Freeze the figures of every completed quarter that is not frozen yet (each branch's
    counts and all branches' together); return the quarters frozen now. Two requests freezing
    at once: the one that writes the quarter's row first wins, the other keeps its figures.
    A freeze marks the session (``FROZE``), so that the view's commit waits for the disk."""
    quarters = completed_quarters(db, now) if quarters is None else quarters
    frozen = set(db.scalars(select(FrozenQuarter.quarter)))
    done = []
    for quarter in quarters:
        if quarter.key in frozen:
            continue
        rows = _by_branch(db, quarter)
        together: dict[tuple[str, str], int] = {}
        for _branch, dimension, key, n in rows:
            together[(dimension, key)] = together.get((dimension, key), 0) + n
        cells = [
            {"quarter": quarter.key, "branch_id": b, "dimension": d, "key": k, "n": n}
            for b, d, k, n in rows
        ] + [
            {"quarter": quarter.key, "branch_id": EVERY_BRANCH, "dimension": d, "key": k, "n": n}
            for (d, k), n in together.items()
        ]
        try:
            with db.begin_nested():
                db.add(FrozenQuarter(quarter=quarter.key, frozen_at=now))
                db.flush()
                if cells:
                    db.execute(insert(FrozenCount), cells)
        except IntegrityError:
            continue  # frozen by another request meanwhile: its figures stand
        done.append(quarter)
        db.info[FROZE] = True
    return done


def _frozen(db: Session, quarters: list[Quarter], branch_id: int, chosen: Quarter | None):
    """The other branches' frozen figures, in one statement: every quarter's total and every
    figure of the ``chosen`` quarter, as {(quarter key, dimension, key): count}, all branches'
    less the branch's own (both frozen together).

    Two lookups by the table's key, joined: the totals, then the chosen quarter (without its
    total, which the first holds). One condition with an ``OR`` (a total, or the chosen
    quarter) made the database read every figure of every quarter, about ten times the rows
    it returned (a millisecond of an officer's view at 100,000 cases)."""
    columns = (FrozenCount.quarter, FrozenCount.branch_id, FrozenCount.dimension, FrozenCount.key)
    branches = FrozenCount.branch_id.in_([EVERY_BRANCH, branch_id])
    stmt = select(*columns, FrozenCount.n).where(
        FrozenCount.quarter.in_([q.key for q in quarters]),
        branches,
        FrozenCount.dimension == "total",
    )
    if chosen is not None:
        stmt = union_all(
            stmt,
            select(*columns, FrozenCount.n).where(
                FrozenCount.quarter == chosen.key, branches, FrozenCount.dimension != "total"
            ),
        )
    others: dict[tuple[str, str, str], int] = {}
    for quarter, branch, dim, key, n in db.execute(stmt):
        sign = 1 if branch == EVERY_BRANCH else -1
        others[(quarter, dim, key)] = others.get((quarter, dim, key), 0) + sign * n
    return others


@functools.cache
def _own_per_quarter(quarters: int):
    """The branch's reports counted per quarter by the database: a ``CASE`` puts each in the
    first of the ``quarters`` that ends after it (``:end0``…; none: the running quarter's).
    Built once per number of quarters: building it as an expression on every view, or reading
    the branch's report times and sorting them into quarters here, cost more than the page's
    other figures together. No range of report times in the WHERE clause: PostgreSQL's generic
    plan for a prepared statement then took the range for a narrow one and scanned every
    branch's reports in ``ix_cases_reported`` (2.2 ms at 100,000 cases, against 0.4 by the
    branch's index)."""
    arms = " ".join(f"WHEN reported_at < :end{n} THEN {n}" for n in range(quarters))
    return text(
        f"SELECT CASE {arms} END, count(*) FROM cases "  # noqa: S608
        "WHERE branch_id = :branch AND reported_at IS NOT NULL GROUP BY 1"
    ).bindparams(*(bindparam(f"end{n}", type_=UTCDateTime()) for n in range(quarters)))


def _per_quarter(
    db: Session, quarters: list[Quarter], branch_id: int, others: dict
) -> tuple[list, list, int]:
    """Each quarter's total of reported cases: (the other branches', frozen (``others``, from
    ``_frozen``); the branch's own, as it is now), and every case the branch has reported,
    the running quarter's included (the same count's rest). The quarters run from the first
    report on, so none is before the first."""
    if not quarters:  # a case has a report time once it left the draft state, for good
        reported = select(func.count()).select_from(Case)
        reported = reported.where(Case.branch_id == branch_id, Case.reported_at.is_not(None))
        return [], [], db.scalar(reported) or 0
    ends = {f"end{n}": quarter.next().start() for n, quarter in enumerate(quarters)}
    own = dict(db.execute(_own_per_quarter(len(quarters)), {"branch": branch_id, **ends}).all())
    return (
        [others.get((q.key, "total", ""), 0) for q in quarters],
        [own.get(n, 0) for n in range(len(quarters))],
        sum(own.values()),
    )


def _others(frozen: dict, quarter: Quarter) -> dict:
    """The other branches' frozen figures of one quarter (from ``_frozen``), shaped as ``_own``
    gives its own."""
    out: dict = {"total": 0, "category": {}, "issuer": {}, "prefecture": {}, COMBINATION: {}}
    for (q, dimension, key), n in frozen.items():
        if q != quarter.key:
            continue
        if dimension == "total":
            out["total"] = n
        elif dimension == COMBINATION:
            if n:
                out[COMBINATION][frozenset(int(c) for c in key.split(".") if c)] = n
        else:
            out[dimension][int(key) if dimension == "category" else key] = n
    return out


@dataclass(frozen=True)
class Table:
    """One table of the officer's picture: rows of (key, label, national figure or None when
    withheld, the branch's own count)."""

    rows: tuple[tuple[str, str, int | None, int], ...]

    @property
    def withheld(self) -> bool:
        """Whether any national figure of the table is withheld."""
        return any(national is None for _k, _l, national, _o in self.rows)


def _table(keys, labels, national: list[int | None], own: dict) -> Table:
    return Table(
        tuple((k, lab, n, own.get(k, 0)) for k, lab, n in zip(keys, labels, national, strict=True))
    )


def picture(
    db: Session,
    branch_id: int,
    quarter: Quarter | None,
    *,
    locale: str,
    prefectures,
    now: datetime,
    k: int = stats.MIN_CASES,
    categories: dict[int, str] | None = None,
) -> dict:
    """Everything an officer's dashboard shows: the quarters, and for the chosen quarter (the
    last completed one by default) the other branches' figures, frozen when the quarter ended
    (``freeze``, done here for the quarters not frozen yet) and withheld where small, beside
    the branch's own as it is now. ``quarter`` outside the completed quarters raises
    LookupError. ``categories`` ({id: name} in display order) saves a query when the caller
    has read them."""
    quarters = completed_quarters(db, now)
    if quarter is None and quarters:
        quarter = quarters[-1]
    if quarter is not None and quarter not in quarters:
        raise LookupError(quarter)
    freeze(db, now, quarters)
    frozen = _frozen(db, quarters, branch_id, quarter) if quarters else {}
    per_quarter, own_per_quarter, own_total = _per_quarter(db, quarters, branch_id, frozen)
    result = {
        "k": k,
        "quarters": quarters,
        "quarter": quarter,
        "by_quarter": Table(
            tuple(
                (q.key, q.label(locale), shown, own)
                for q, shown, own in zip(
                    quarters, suppression.primary(per_quarter, k), own_per_quarter, strict=True
                )
            )
        ),
        "own_total": own_total,
        "total": None,
        "tables": None,
    }
    if quarter is None:
        return result
    others = _others(frozen, quarter)
    own = _own(db, quarter, branch_id)
    total = others["total"]
    result["own_quarter_total"] = own["total"]
    if suppression.small(total, k):
        return result  # the whole quarter is withheld, its zeros included
    result["total"] = total
    if categories is None:
        cats = db.scalars(select(CaseCategory).order_by(CaseCategory.position, CaseCategory.id))
        categories = {c.id: c.name(locale) for c in cats}
    cat_keys = list(categories)
    issuer_keys = list(vocab.ISSUER_KINDS)
    pref_keys = [p.code for p in prefectures]
    result["tables"] = {
        "category": _table(
            [str(c) for c in cat_keys],
            list(categories.values()),
            _category_table(total, others, cat_keys, k),
            {str(c): n for c, n in own["category"].items()},
        ),
        "issuer": _table(
            issuer_keys,
            [str(vocab.ISSUER_KINDS[i]) for i in issuer_keys],
            suppression.partition(total, [others["issuer"].get(i, 0) for i in issuer_keys], k),
            own["issuer"],
        ),
        "prefecture": _table(
            pref_keys,
            [p.name(locale) for p in prefectures],
            suppression.partition(total, [others["prefecture"].get(p, 0) for p in pref_keys], k),
            own["prefecture"],
        ),
    }
    return result


def _category_table(total: int, others: dict, cat_keys: list[int], k: int) -> list[int | None]:
    """The other branches' count per category, withheld on the atoms (``suppression.multilabel``:
    the cases grouped by which of the shown categories they have, each 0 or at least k, so that
    no A + B − total gives the few cases with both, review R6-2). A quarter frozen before the
    atoms were (or with a combination too long to keep) has its counts only:
    ``suppression.multilabel_counts``."""
    combinations = others[COMBINATION]
    counts = [others["category"].get(c, 0) for c in cat_keys]
    if sum(combinations.values()) != total:
        return suppression.multilabel_counts(total, counts, k)
    index = {c: i for i, c in enumerate(cat_keys)}
    if any(c not in index for combo in combinations for c in combo):
        return suppression.multilabel_counts(total, counts, k)  # a category deleted since
    atoms = {frozenset(index[c] for c in combo): n for combo, n in combinations.items()}
    return suppression.multilabel(atoms, len(cat_keys), k)


def withheld_text() -> str:
    """What stands in a withheld cell."""
    return gettext("withheld")
