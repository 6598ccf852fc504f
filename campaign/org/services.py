"""The organisation's rules: reference data and branches."""

from __future__ import annotations

import csv
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.access import scope_to_branch
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.org.models import Branch, Prefecture

PREFECTURES_CSV = Path(__file__).resolve().parent.parent / "data" / "prefectures.csv"


class BranchError(Exception):
    """A branch could not be created as asked; the message is shown to the person."""


def load_prefectures(db: Session) -> int:
    """Insert or refresh the 47 prefectures from the shipped JIS X 0401 table."""
    with PREFECTURES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        db.merge(Prefecture(code=row["code"], name_ja=row["name_ja"], name_en=row["name_en"]))
    db.flush()
    return len(rows)


def init_prefectures(db: Session) -> str:
    """``flask init``'s seeder: load the prefectures, say how many."""
    return f"Database ready; {load_prefectures(db)} prefectures loaded."


def prefectures(db: Session) -> list[Prefecture]:
    """All prefectures in JIS order."""
    return list(db.scalars(select(Prefecture).order_by(Prefecture.code)))


def create_branch(
    db: Session, *, code: str, name: str, prefecture_code: str, contact: str = ""
) -> Branch:
    """Add a branch under a prefecture; codes are unique."""
    code = code.strip()
    if db.scalar(select(Branch.id).where(Branch.code == code)) is not None:
        raise BranchError(_l("A branch with this code already exists."))
    if db.get(Prefecture, prefecture_code) is None:
        raise BranchError(_l("Choose a prefecture from the list."))
    branch = Branch(code=code, name=name.strip(), prefecture_code=prefecture_code, contact=contact)
    db.add(branch)
    db.flush()
    audit.record(
        db, "branch.created", object_kind="branch", object_id=branch.id, branch_id=branch.id
    )
    return branch


def branch_list(
    db: Session, user: User | None = None, *, with_contact: bool = False
) -> list[Branch]:
    """The one branch-list query, in one order (prefecture in JIS order, then branch code).

    How a feature uses it: ``branch_list(db, user)`` for the branches a person may see (all
    for headquarters, their own for an officer), e.g. a branch picker; ``branch_list(db)``
    for every branch (a public page; an account form); ``with_contact=True`` keeps only the
    branches that gave contact details (the public "whom to tell" list).
    """
    stmt = select(Branch).order_by(Branch.prefecture_code, Branch.code)
    if with_contact:
        stmt = stmt.where(Branch.contact != "")
    if user is not None:
        stmt = scope_to_branch(stmt, Branch.id, user)
    return list(db.scalars(stmt))


def visible_branches(db: Session, user: User) -> list[Branch]:
    """The branches a person may see (``branch_list(db, user)``)."""
    return branch_list(db, user)


def officers_of(db: Session, branch: Branch) -> list[User]:
    """The officer accounts bound to a branch."""
    return list(
        db.scalars(select(User).where(User.branch_id == branch.id).order_by(User.display_name))
    )
