"""Writing to and checking the audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields, so
changing or removing any past entry breaks every link after it. Writers are serialised so
that two requests never chain onto the same predecessor: on PostgreSQL by a transaction-level
advisory lock, on SQLite by the write lock every transaction takes (``BEGIN IMMEDIATE``). The
unique ``prev_hash`` column turns any fork that slipped through into an error, not a silent
branch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit.models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x6E616973  # "nais": the advisory lock that orders audit writers on PostgreSQL


def _digest(entry: AuditEntry) -> str:
    fields = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_kind": entry.object_kind,
        "object_id": entry.object_id,
        "branch_id": entry.branch_id,
        "reason": entry.reason,
    }
    payload = entry.prev_hash + json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    db: Session,
    action: str,
    *,
    object_kind: str | None = None,
    object_id: object = None,
    branch_id: int | None = None,
    reason: str | None = None,
    actor_id: int | None = None,
    system: bool = False,
) -> AuditEntry:
    """Append one entry. The actor defaults to the logged-in staff member; ``system=True``
    records the platform itself (no actor), e.g. a survey closed because its date passed,
    whoever's request happened to trigger it."""
    if not system and actor_id is None and has_request_context() and g.get("user") is not None:
        actor_id = g.user.id
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=clock.now(),
        actor_id=actor_id,
        action=action,
        object_kind=object_kind,
        object_id=None if object_id is None else str(object_id),
        branch_id=branch_id,
        reason=reason or None,
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = _digest(entry)
    db.add(entry)
    db.flush()
    return entry


@dataclass(frozen=True)
class Break:
    """Where the chain is broken and why."""

    seq: int
    problem: str


def verify(db: Session) -> tuple[int, str, list[Break]]:
    """Walk the whole chain; return the number of entries, the head hash and every break."""
    previous_hash, expected_seq, count = GENESIS, 1, 0
    breaks: list[Break] = []
    for entry in _in_order(db):
        count += 1
        if entry.seq != expected_seq:
            breaks.append(Break(entry.seq, f"entries {expected_seq}..{entry.seq - 1} missing"))
        if entry.prev_hash != previous_hash:
            breaks.append(Break(entry.seq, "does not follow the entry before it"))
        if _digest(entry) != entry.hash:
            breaks.append(Break(entry.seq, "content changed after it was written"))
        previous_hash, expected_seq = entry.hash, entry.seq + 1
    return count, previous_hash, breaks


def check_anchor(db: Session, seq: int, digest: str) -> Break | None:
    """Compare the log with a head recorded earlier outside the database.

    The chain alone cannot tell that its newest entries were deleted; an anchor kept elsewhere
    (the last verified ``seq`` and hash) can: that entry must still be there, unchanged.
    """
    entry = db.get(AuditEntry, seq)
    if entry is None:
        return Break(seq, "entries up to the recorded head were removed")
    if entry.hash != digest:
        return Break(seq, "differs from the recorded head")
    return None


def _in_order(db: Session) -> Iterator[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    yield from db.scalars(stmt)
