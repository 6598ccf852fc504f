"""What ``restore`` checks once the rows are back: the audit chain is whole, and everything
sealed with the data key (case attachments, staff TOTP secrets) opens with this instance's key.

Each check takes the session and returns (a line to print, the problems found).
"""

from __future__ import annotations

from nacl.exceptions import CryptoError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign import datakey
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.cases.models import Attachment

BATCH = 200


def audit_chain(db: Session) -> tuple[str, list[str]]:
    """The audit log's hash chain, as ``audit verify`` walks it."""
    count, head, breaks = audit.verify(db)
    problems = [f"audit entry {b.seq}: {b.problem}" for b in breaks]
    return f"Audit log: {count} entries, head {head}{'' if not breaks else ', BROKEN'}.", problems


def attachments(db: Session) -> tuple[str, list[str]]:
    """Every case attachment opens with the data key."""
    problems, count, last = [], 0, 0
    while True:
        batch = db.execute(
            select(Attachment.id, Attachment.sealed)
            .where(Attachment.id > last)
            .order_by(Attachment.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for attachment_id, sealed in batch:
            count += 1
            try:
                datakey.unseal(bytes(sealed))
            except CryptoError:
                problems.append(f"attachment {attachment_id} does not open with the data key")
        last = batch[-1][0]
    return f"Attachments: {count - len(problems)} of {count} open with the data key.", problems


def totp_secrets(db: Session) -> tuple[str, list[str]]:
    """Every staff TOTP secret opens with the data key."""
    problems, count = [], 0
    for user_id in db.scalars(select(User.id).order_by(User.id)):
        count += 1
        try:
            db.scalar(select(User.totp_secret).where(User.id == user_id))
        except CryptoError:
            problems.append(f"the TOTP secret of account {user_id} does not open")
    return f"TOTP secrets: {count - len(problems)} of {count} open with the data key.", problems


ALL = [audit_chain, attachments, totp_secrets]
