"""Finding cases: the filters shared by the list, the dashboard and the exports, and the
paginated list itself (scoped to what the person may see)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from campaign.access import scope_to_branch
from campaign.auth.models import User
from campaign.cases.models import Case, CaseCount, case_category_links


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
    """How many cases (drafts included) match, from the counts the database keeps
    (``case_counts``), when the filters name a state and at most one other dimension; else
    None (then the cases are counted)."""
    named = {
        "prefecture": filters.prefecture_code,
        "issuer": filters.issuer_kind,
        "category": str(filters.category_id) if filters.category_id else None,
    }
    months = filters.month_from or filters.month_to
    chosen = [d for d, value in named.items() if value] + (["month"] if months else [])
    if filters.branch_id or len(chosen) > 1:
        return None
    dimension = chosen[0] if chosen else "total"
    stmt = select(func.sum(CaseCount.n)).where(CaseCount.dimension == dimension)
    if dimension == "month":
        if filters.month_from:
            stmt = stmt.where(CaseCount.key >= filters.month_from)
        if filters.month_to:
            stmt = stmt.where(CaseCount.key <= filters.month_to)
    elif dimension != "total":
        stmt = stmt.where(CaseCount.key == named[dimension])
    if filters.state:
        stmt = stmt.where(CaseCount.state == filters.state)
    return int(db.scalar(stmt) or 0)


def list_cases(
    db: Session, user: User, filters: Filters, *, page: int = 1, per_page: int = 30
) -> tuple[list[Case], int]:
    """One page of the cases this person may see, newest first, and the total count."""
    base = filters.apply(scope_to_branch(select(Case.id), Case.branch_id, user))
    total = kept_total(db, filters) if user.is_hq else None
    if total is None:
        total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    ids = list(
        db.scalars(base.order_by(Case.id.desc()).limit(per_page).offset((page - 1) * per_page))
    )
    if not ids:
        return [], total
    cases = db.scalars(
        select(Case)
        .where(Case.id.in_(ids))
        .options(selectinload(Case.categories))
        .order_by(Case.id.desc())
    )
    return list(cases), total
