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

The chain alone needs no secret: whoever can write the database (and drop its append-only
triggers) could rewrite an entry and re-hash every entry after it. So each entry also carries a
*seal*, HMAC-SHA256 of its hash under a key derived from the data key, which never enters the
database: a history rewritten without the key does not verify. And a note may be missing only
where a sealed entry says it was deleted: ``audit.notes_purged`` names the cutoff of a purge by
age, ``audit.note_forgotten`` the entry whose note went with a purged record; a note deleted
any other way is reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from campaign import clock, datakey
from campaign.audit.models import AuditEntry, AuditNote
from campaign.db import vacuum_full, vacuum_sqlite

GENESIS = "0" * 64
_LOCK_KEY = 0x6E616973  # "nais": the advisory lock that orders audit writers on PostgreSQL
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# The same lock, and this transaction's commit not waiting for the disk (``record``).
_LOCK_NOT_WAITING = text(
    "SELECT pg_advisory_xact_lock(:key), set_config('synchronous_commit', 'off', true)"
)
SEAL_CONTEXT = "audit-chain-seal"
PURGED, FORGOTTEN = "audit.notes_purged", "audit.note_forgotten"


def seal_key(data_key: bytes | None = None) -> bytes:
    """The key of the entries' seals, derived from the data key (this instance's by default)."""
    return datakey.subkey(SEAL_CONTEXT, data_key)


def seal_of(digest: str, key: bytes) -> str:
    """An entry's seal: HMAC-SHA256 of its hash under ``seal_key()``."""
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


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
    commit_without_waiting: bool = False,
) -> AuditEntry:
    """Append one entry. The actor defaults to the logged-in staff member; ``system=True``
    records the platform itself (no actor), e.g. a survey closed because its date passed,
    whoever's request happened to trigger it. ``reason`` is the platform's own short code;
    anything a person typed goes in ``note`` (kept apart, deleted after its period).

    ``commit_without_waiting``: on PostgreSQL, this transaction's commit does not wait for the
    log to reach the disk (``synchronous_commit`` off for it only, set with the chain's lock in
    one statement), for a view whose one write is this entry (campaign/cases/common.py
    ``audit_read`` says what that gives up)."""
    if not system and actor_id is None and has_request_context() and g.get("user") is not None:
        actor_id = g.user.id
    if db.get_bind().dialect.name == "postgresql":
        db.execute(_LOCK_NOT_WAITING if commit_without_waiting else _LOCK, {"key": _LOCK_KEY})
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
    entry.seal = seal_of(entry.hash, seal_key())
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
    if count:  # the cutoff, sealed, is what lets verify tell this purge from a tampering
        record(
            db,
            PURGED,
            object_kind="audit_note",
            object_id=cutoff.isoformat(timespec="microseconds"),
            reason=f"{count} notes",
            system=True,
        )
    return count


def forget_notes(db: Session, object_kind: str, object_ids: Iterable[object]) -> int:
    """Delete the notes of every entry about these records (when the records are purged)."""
    ids = [str(i) for i in object_ids]
    seqs: list[int] = []
    for start in range(0, len(ids), 500):
        about = (
            select(AuditNote.seq)
            .join(AuditEntry, AuditEntry.seq == AuditNote.seq)
            .where(
                AuditEntry.object_kind == object_kind,
                AuditEntry.object_id.in_(ids[start : start + 500]),
            )
        )
        seqs += db.scalars(about)
    for start in range(0, len(seqs), 500):
        _delete_notes(db, seqs[start : start + 500])
    for seq in seqs:  # one sealed entry per note, naming it: verify accepts only those gone so
        record(db, FORGOTTEN, object_kind="audit_entry", object_id=seq)
    return len(seqs)


def _delete_notes(db: Session, entries) -> int:
    deleted = db.execute(delete(AuditNote).where(AuditNote.seq.in_(entries))).rowcount or 0
    db.flush()
    return deleted


def scrub_notes(engine: Engine) -> bool:
    """Make deleted notes leave the database files: on SQLite ``VACUUM`` and an emptied WAL
    (``secure_delete`` zeroes the freed cells); on PostgreSQL ``VACUUM FULL`` of the notes table,
    which rewrites it into new files (a plain VACUUM marks the space free but leaves the bytes;
    the table is small, so the lock it takes is brief). False when a transaction older than
    the deletion kept the deleted notes in the new file (campaign/db.py ``vacuum_full``)."""
    if engine.dialect.name == "sqlite":
        vacuum_sqlite(engine)
        return True
    if engine.dialect.name == "postgresql":
        return vacuum_full(engine, ["audit_notes"])
    return True


@dataclass(frozen=True)
class Break:
    """Where the chain is broken and why."""

    seq: int
    problem: str


def verify(db: Session, data_key: bytes | None = None) -> tuple[int, str, list[Break]]:
    """Walk the whole chain; return the number of entries, the head hash and every break.

    Beyond the links: every entry must bear the seal of this instance's data key (or
    ``data_key``'s), and a note may be missing only where a later sealed entry says it was
    deleted (a purge by age whose cutoff is after the entry, or the note's own forgetting)."""
    previous_hash, expected_seq, count = GENESIS, 1, 0
    breaks: list[Break] = []
    key = seal_key(data_key)
    missing: list[AuditEntry] = []  # entries whose note is gone
    cutoffs: list[tuple[int, datetime]] = []  # (seq of the purge, its cutoff)
    forgotten: set[str] = set()
    for entry, note in _in_order(db):
        count += 1
        if entry.seq != expected_seq:
            breaks.append(Break(entry.seq, f"entries {expected_seq}..{entry.seq - 1} missing"))
        if entry.prev_hash != previous_hash:
            breaks.append(Break(entry.seq, "does not follow the entry before it"))
        if _digest(entry) != entry.hash:
            breaks.append(Break(entry.seq, "content changed after it was written"))
        if entry.seal is None or not hmac.compare_digest(seal_of(entry.hash, key), entry.seal):
            breaks.append(Break(entry.seq, "not sealed with this instance's data key"))
        if note is not None and (
            entry.note_digest is None
            or not hmac.compare_digest(_note_digest(note), entry.note_digest)
        ):
            breaks.append(Break(entry.seq, "its note changed after it was written"))
        if note is None and entry.note_digest is not None:
            missing.append(entry)
        if entry.action == PURGED and entry.object_id:
            cutoffs.append((entry.seq, _moment(entry.object_id)))
        elif entry.action == FORGOTTEN and entry.object_id:
            forgotten.add(entry.object_id)
        previous_hash, expected_seq = entry.hash, entry.seq + 1
    for entry in missing:
        purged = any(seq > entry.seq and entry.at < cutoff for seq, cutoff in cutoffs)
        if not purged and str(entry.seq) not in forgotten:
            breaks.append(Break(entry.seq, "its note was deleted before its time"))
    return count, previous_hash, breaks


def _moment(text: str) -> datetime:
    """A purge's cutoff as its entry names it (an ISO time; the distant past if unreadable,
    so that an unreadable cutoff never excuses a missing note)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
