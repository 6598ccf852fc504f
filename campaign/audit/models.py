"""The audit log: append-only, each entry chained to the one before by its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.db import Base, UTCDateTime


class AuditEntry(Base):
    """One thing someone did. It names the record, never its content.

    ``seq`` is assigned by the application (previous + 1) rather than by a database sequence,
    so that a gap always means a removed entry: PostgreSQL sequences skip values on rollback.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_kind: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    branch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    # What a person typed (a reason for a change, for closing early) is not in the entry: it
    # is an AuditNote, which the retention purge deletes. The chain covers only this keyed
    # digest of it, whose key goes with the note, so deleting the note breaks nothing.
    note_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of ``hash`` under a key derived from the data key, which never enters the
    # database: whoever can write the database but not read the key cannot re-hash a rewritten
    # history so that it verifies (services.SEAL_CONTEXT).
    seal: Mapped[str | None] = mapped_column(String(64))


class AuditNote(Base):
    """Free text a person gave for an entry (a name typed in it must be deletable), kept
    apart from the chained entry and deleted after its retention period.

    ``key`` is random per note: the entry's ``note_digest`` is HMAC-SHA256 of the text under it,
    so that a changed note is detected while it exists, and once note and key are deleted the
    digest left in the chain cannot be matched against guessed names.
    """

    __tablename__ = "audit_notes"

    seq: Mapped[int] = mapped_column(
        ForeignKey("audit_entries.seq"), primary_key=True, autoincrement=False
    )
    text: Mapped[str] = mapped_column(String(1000))
    key: Mapped[bytes] = mapped_column(LargeBinary(32))
