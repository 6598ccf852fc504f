"""What the exports hold: the non-personal fields only (written by ``campaign.exports``).

No title, workplace, description, issuer name, attachment or person appears here: only what
the national picture is made of.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.access import scope_to_branch
from campaign.auth.models import User
from campaign.cases import vocab
from campaign.cases.models import Case, CaseCategory, case_category_links
from campaign.cases.queries import Filters
from campaign.org.models import Branch, Prefecture


def header() -> list[str]:
    """The column headings, in the request's language."""
    return [
        _("Case number"),
        _("Prefecture"),
        _("Branch"),
        _("Month"),
        _("State"),
        _("Categories"),
        _("Issued by"),
        _("How it was communicated"),
        _("Staff affected"),
        _("Non-regular staff targeted"),
        _("New hires targeted"),
        _("Dependents targeted"),
    ]


def count(db: Session, filters: Filters) -> int:
    """How many rows a headquarters export with these filters holds."""
    stmt = filters.apply(select(func.count(Case.id)).where(Case.state != vocab.DRAFT))
    return db.scalar(stmt) or 0


def rows(db: Session, user: User | None, filters: Filters, locale: str) -> Iterator[list]:
    """The export's rows (after ``header()``), in case number order, for the cases one may
    see (``user`` None: every case, as headquarters and the command line see them)."""
    prefectures = {p.code: p.name(locale) for p in db.scalars(select(Prefecture))}
    names = {c.id: c.name(locale) for c in db.scalars(select(CaseCategory))}
    branches = dict(db.execute(select(Branch.id, Branch.name)).all())
    yes, no = _("yes"), _("no")
    columns = select(
        Case.id,
        Case.prefecture_code,
        Case.branch_id,
        Case.occurred_month,
        Case.state,
        Case.issuer_kind,
        Case.channel,
        Case.staff_affected,
        Case.non_regular,
        Case.new_hires,
        Case.dependents,
    ).where(Case.state != vocab.DRAFT)
    scoped = columns if user is None else scope_to_branch(columns, Case.branch_id, user)
    stmt = filters.apply(scoped).order_by(Case.id)
    for chunk in db.execute(stmt).partitions(2000):
        ids = [r.id for r in chunk]
        links: dict[int, list[str]] = {}
        for case_id, category_id in db.execute(
            select(case_category_links.c.case_id, case_category_links.c.category_id).where(
                case_category_links.c.case_id.in_(ids)
            )
        ):
            links.setdefault(case_id, []).append(names.get(category_id, ""))
        for r in chunk:
            yield [
                r.id,
                prefectures.get(r.prefecture_code, r.prefecture_code),
                branches.get(r.branch_id, ""),
                r.occurred_month,
                str(vocab.STATES.get(r.state, r.state)),
                " / ".join(sorted(links.get(r.id, []))),
                str(vocab.ISSUER_KINDS.get(r.issuer_kind, r.issuer_kind)),
                str(vocab.CHANNELS.get(r.channel, r.channel)),
                r.staff_affected if r.staff_affected is not None else "",
                yes if r.non_regular else no,
                yes if r.new_hires else no,
                yes if r.dependents else no,
            ]
