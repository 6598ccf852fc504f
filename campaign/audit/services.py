"""Writing to and checking the audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields, so
changing or removing any past entry breaks every link after it. Writers are serialised so
that two requests never chain onto the same predecessor: on PostgreSQL by a transaction-level
advisory lock, on SQLite by the write lock every transaction takes (``BEGIN IMMEDIATE``). The
unique ``prev_hash`` column turns any fork that slipped through into an error, not a silent
branch.

What a person typed (``note=``: the reason for a change, for closing a survey early) never goes
into an entry: the log cannot be changed, and a name typed there could never be removed. It is
an ``AuditNote`` beside the entry, shown with it, and deleted by ``purge_notes`` after its
retention period (or by ``forget_notes`` when the record it is about is purged). The chain covers
a digest of the note keyed by a random key kept in the note, so the chain verifies with or
without it, and what is left after the purge says nothing about the text. ``reason=`` is for
what the platform itself writes (``draft->approved``, ``revision 3``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from flask import g, has_request_context
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit.models import AuditEntry, AuditNote
from campaign.db import vacuum_sqlite

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
    if entry.note_digest is not None:  # entries without a note hash as they always did
        fields["note"] = entry.note_digest
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
    note: str | None = None,
    actor_id: int | None = None,
    system: bool = False,
) -> AuditEntry:
    """Append one entry. The actor defaults to the logged-in staff member; ``system=True``
    records the platform itself (no actor), e.g. a survey closed because its date passed,
    whoever's request happened to trigger it. ``reason`` is the platform's own short code;
    anything a person typed goes in ``note`` (kept apart, deleted after its period)."""
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
    kept = None
    if note and note.strip():
        kept = AuditNote(seq=entry.seq, text=note.strip()[:1000], key=secrets.token_bytes(32))
        entry.note_digest = _note_digest(kept)
    entry.hash = _digest(entry)
    db.add(entry)
    db.flush()
    if kept is not None:
        db.add(kept)
        db.flush()
    return entry


def note_of(db: Session, entry: AuditEntry) -> str | None:
    """What the person typed for the entry, while it is kept (``None`` when there was none, or
    once it has been deleted)."""
    note = db.get(AuditNote, entry.seq)
    return note.text if note is not None else None


def _note_digest(note: AuditNote) -> str:
    return hmac.new(note.key, note.text.encode(), hashlib.sha256).hexdigest()


def purge_notes(db: Session, *, older_than: timedelta) -> int:
    """Delete the notes of entries older than ``older_than``; the entries stay, and verify."""
    cutoff = clock.now() - older_than
    old = select(AuditEntry.seq).where(AuditEntry.at < cutoff, AuditEntry.note_digest.is_not(None))
    count = _delete_notes(db, old)
    if count:
        record(db, "audit.notes_purged", reason=f"{count} notes", system=True)
    return count


def forget_notes(db: Session, object_kind: str, object_ids: Iterable[object]) -> int:
    """Delete the notes of every entry about these records (when the records are purged)."""
    ids = [str(i) for i in object_ids]
    count = 0
    for start in range(0, len(ids), 500):
        about = select(AuditEntry.seq).where(
            AuditEntry.object_kind == object_kind,
            AuditEntry.object_id.in_(ids[start : start + 500]),
            AuditEntry.note_digest.is_not(None),
        )
        count += _delete_notes(db, about)
    if count:
        record(db, "audit.notes_forgotten", object_kind=object_kind, reason=f"{count} notes")
    return count


def _delete_notes(db: Session, entries) -> int:
    deleted = db.execute(delete(AuditNote).where(AuditNote.seq.in_(entries))).rowcount or 0
    db.flush()
    return deleted


def scrub_notes(engine: Engine) -> None:
    """Make deleted notes leave the database files: on SQLite ``VACUUM`` and an emptied WAL
    (``secure_delete`` zeroes the freed cells); on PostgreSQL ``VACUUM FULL`` of the notes table,
    which rewrites it into new files (a plain VACUUM marks the space free but leaves the bytes;
    the table is small, so the lock it takes is brief)."""
    if engine.dialect.name == "sqlite":
        vacuum_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM FULL audit_notes"))


@dataclass(frozen=True)
class Break:
    """Where the chain is broken and why."""

    seq: int
    problem: str


def verify(db: Session) -> tuple[int, str, list[Break]]:
    """Walk the whole chain; return the number of entries, the head hash and every break."""
    previous_hash, expected_seq, count = GENESIS, 1, 0
    breaks: list[Break] = []
    for entry, note in _in_order(db):
        count += 1
        if entry.seq != expected_seq:
            breaks.append(Break(entry.seq, f"entries {expected_seq}..{entry.seq - 1} missing"))
        if entry.prev_hash != previous_hash:
            breaks.append(Break(entry.seq, "does not follow the entry before it"))
        if _digest(entry) != entry.hash:
            breaks.append(Break(entry.seq, "content changed after it was written"))
        if note is not None and (
            entry.note_digest is None
            or not hmac.compare_digest(_note_digest(note), entry.note_digest)
        ):
            breaks.append(Break(entry.seq, "its note changed after it was written"))
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


def _in_order(db: Session) -> Iterator[tuple[AuditEntry, AuditNote | None]]:
    stmt = (
        select(AuditEntry, AuditNote)
        .outerjoin(AuditNote, AuditNote.seq == AuditEntry.seq)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    yield from db.execute(stmt)  # type: ignore[misc]  (rows unpack as (entry, note))
