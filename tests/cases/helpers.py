"""Shared helpers of the case tests: filling the case form and counting audit entries."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
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
