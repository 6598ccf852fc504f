"""Finding cases: the filters shared by the list, the dashboard and the exports, and the
paginated list itself (scoped to what the person may see)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from campaign.access import scope_to_branch
from campaign.auth.models import User
from campaign.cases.models import (
    Case,
    CaseCount,
    CasePairCount,
    case_category_links,
    heading,
)
from campaign.org.models import Branch


@dataclass(frozen=True)
class Filters:
    """What lists, the dashboard and exports can be narrowed by."""

    state: str | None = None
    category_id: int | None = None
    prefecture_code: str | None = None
    issuer_kind: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    branch_id: int | None = None

    def described(self) -> dict[str, str]:
        """The filters applied, by the query names of the list's form (for the audit log)."""
        named = {
            "state": self.state,
            "category": self.category_id,
            "prefecture": self.prefecture_code,
            "issuer": self.issuer_kind,
            "month_from": self.month_from,
            "month_to": self.month_to,
        }
        return {name: str(value) for name, value in named.items() if value is not None}

    def apply(self, stmt: Select) -> Select:
        """Add the WHERE clauses to a statement over ``cases``."""
        if self.state:
            stmt = stmt.where(Case.state == self.state)
        if self.prefecture_code:
            stmt = stmt.where(Case.prefecture_code == self.prefecture_code)
        if self.issuer_kind:
            stmt = stmt.where(Case.issuer_kind == self.issuer_kind)
        if self.month_from:
            stmt = stmt.where(Case.occurred_month >= self.month_from)
        if self.month_to:
            stmt = stmt.where(Case.occurred_month <= self.month_to)
        if self.branch_id:
            stmt = stmt.where(Case.branch_id == self.branch_id)
        if self.category_id:
            linked = select(case_category_links.c.case_id).where(
                case_category_links.c.category_id == self.category_id
            )
            stmt = stmt.where(Case.id.in_(linked))
        return stmt


def kept_total(db: Session, filters: Filters) -> int | None:
    """How many cases (drafts included) match, from the counts the database keeps, when the
    filters name a state and at most two of category, issuer kind, prefecture and months
    (``case_counts`` for one, ``case_pair_counts`` for two); else None (then the cases are
    counted)."""
    named = {
        "category": str(filters.category_id) if filters.category_id else None,
        "issuer": filters.issuer_kind,
        "prefecture": filters.prefecture_code,
    }
    months = bool(filters.month_from or filters.month_to)
    chosen = [d for d, value in named.items() if value]
    if filters.branch_id or len(chosen) + months > 2:
        return None
    if len(chosen) + months == 2:
        return _kept_pair(db, filters, chosen, named, months)
    dimension = chosen[0] if chosen else ("month" if months else "total")
    stmt = select(func.sum(CaseCount.n)).where(CaseCount.dimension == dimension)
    if dimension == "month":
        stmt = _months(stmt, CaseCount.key, filters)
    elif dimension != "total":
        stmt = stmt.where(CaseCount.key == named[dimension])
    if filters.state:
        stmt = stmt.where(CaseCount.state == filters.state)
    return int(db.scalar(stmt) or 0)


def _months(stmt: Select, column, filters: Filters) -> Select:
    """The months' range of the filters, on ``column`` (YYYY-MM)."""
    if filters.month_from:
        stmt = stmt.where(column >= filters.month_from)
    if filters.month_to:
        stmt = stmt.where(column <= filters.month_to)
    return stmt


def _kept_pair(db: Session, filters: Filters, chosen: list[str], named: dict, months: bool):
    """The total of two filters from ``case_pair_counts`` (see counts.PAIRS)."""
    if months:
        dimension, key = f"{chosen[0]}|month", named[chosen[0]]
    else:
        dimension, key = "|".join(chosen), "|".join(named[d] for d in chosen)
    pairs = CasePairCount
    stmt = select(func.sum(pairs.n)).where(pairs.dimension == dimension, pairs.key == key)
    stmt = _months(stmt, pairs.month, filters)
    if filters.state:
        stmt = stmt.where(pairs.state == filters.state)
    return int(db.scalar(stmt) or 0)


@dataclass(frozen=True)
class Listed:
    """A case as the list shows it (the columns it needs, not the whole row)."""

    id: int
    title: str
    state: str
    occurred_on: date
    branch_name: str
    category_ids: tuple[int, ...]

    @property
    def heading(self) -> str:
        """The title, or what stands for it once the retention purge has erased it."""
        return heading(self.id, self.title)


def _page_ids(user: User, filters: Filters, page: int, per_page: int) -> Select:
    """The ids of one page, newest first. With a category, read from the links' index in
    case order (newest links first, each checked against the other filters), so that a page
    is found without collecting every case of the category first."""
    if not filters.category_id:
        stmt = filters.apply(scope_to_branch(select(Case.id), Case.branch_id, user))
        newest = Case.id.desc()
    else:
        link = case_category_links
        stmt = (
            select(link.c.case_id)
            .join(Case, Case.id == link.c.case_id)
            .where(link.c.category_id == filters.category_id)
        )
        stmt = replace(filters, category_id=None).apply(scope_to_branch(stmt, Case.branch_id, user))
        newest = link.c.case_id.desc()
    return stmt.order_by(newest).limit(per_page).offset((page - 1) * per_page)


def list_cases(
    db: Session, user: User, filters: Filters, *, page: int = 1, per_page: int = 30
) -> tuple[list[Listed], int]:
    """One page of the cases this person may see, newest first, and the total count (kept by
    the database where it can be, ``kept_total``). A listed case's ``category_ids`` are in no
    particular order."""
    total = kept_total(db, filters) if user.is_hq else None
    if total is None:
        base = filters.apply(scope_to_branch(select(Case.id), Case.branch_id, user))
        total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    link = case_category_links
    listed: dict[int, tuple] = {}
    categories: dict[int, list[int]] = {}
    # One statement: the page's cases, a row per category of each.
    for id_, title, state, occurred, branch, category_id in db.execute(
        select(Case.id, Case.title, Case.state, Case.occurred_on, Branch.name, link.c.category_id)
        .join(Branch, Branch.id == Case.branch_id)
        .outerjoin(link, link.c.case_id == Case.id)
        .where(Case.id.in_(_page_ids(user, filters, page, per_page)))
        .order_by(Case.id.desc())
    ):
        listed.setdefault(id_, (title, state, occurred, branch))
        if category_id is not None:
            categories.setdefault(id_, []).append(category_id)
    return [Listed(id_, *row, tuple(categories.get(id_, ()))) for id_, row in listed.items()], total
