"""Shared helpers of the case tests: filling the case form, counting audit entries, the pair
counts the database keeps and what grouping the cases gives them."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.cases.models import Case, CasePairCount, case_category_links
from tests.cases.factories import CaseFactory


def form_data(session, token: str, **overrides) -> dict:
    """A valid case form, with the first category ticked."""
    first = CaseFactory(session).categories()[0]
    data = {
        "csrf_token": token,
        "title": "申請書の一括配布",
        "workplace": "市役所人事課",
        "occurred_on": "2019-08-20",
        "occurred_until": "",
        "category_ids": [str(first.id)],
        "issuer_kind": "municipality",
        "issuer_name": "○○市人事課",
        "channel": "written",
        "staff_affected": "40",
        "non_regular": "y",
        "description": "氏名・住所が印字済みの申請書が職場で配られた。",
        "save_draft": "1",
    }
    data.update(overrides)
    return data


def upload(name: str, data: bytes):
    """A file part for the test client."""
    return (io.BytesIO(data), name)


def audit_count(session, action: str, object_id=None) -> int:
    """How many audit entries of this kind (for this object) exist."""
    session.expire_all()
    stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(object_id))
    return session.scalar(stmt)


def kept_pairs(session) -> dict:
    """The pair counts the database keeps (``case_pair_counts``), the zeros left out."""
    pairs = CasePairCount
    rows = session.execute(select(pairs.dimension, pairs.key, pairs.month, pairs.state, pairs.n))
    return {(d, k, m, s): n for d, k, m, s, n in rows if n}


def grouped_pairs(session) -> dict:
    """What the pairs must be, by grouping the cases."""
    out: dict = {}
    link = case_category_links
    cats_of: dict[int, list[int]] = {}
    for case_id, category_id in session.execute(select(link.c.case_id, link.c.category_id)):
        cats_of.setdefault(case_id, []).append(category_id)

    def add(key):
        out[key] = out.get(key, 0) + 1

    for case in session.scalars(select(Case)):
        s, i, p, m = case.state, case.issuer_kind, case.prefecture_code, case.occurred_month
        add(("issuer|prefecture", f"{i}|{p}", "", s))
        add(("issuer|month", i, m, s))
        add(("prefecture|month", p, m, s))
        for c in cats_of.get(case.id, []):
            add(("category|issuer", f"{c}|{i}", "", s))
            add(("category|prefecture", f"{c}|{p}", "", s))
            add(("category|month", str(c), m, s))
    return out
