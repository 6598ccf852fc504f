"""Retention: the content of closed cases is erased after the retention period, for real.

What is purged must be gone from the files, not only hidden:

* SQLite: ``secure_delete=ON`` (campaign/db.py) zeroes freed pages and overwritten cells;
  ``scrub_files`` then runs ``VACUUM`` and checkpoints the write-ahead log with
  ``wal_checkpoint(TRUNCATE)``, so no old page survives in the WAL either.
* PostgreSQL: an UPDATE or DELETE leaves the old row versions (dead tuples) in the table and
  its TOAST table until VACUUM reclaims them, and reclaimed space is reused, not wiped.
  ``scrub_files`` runs ``VACUUM`` on the case tables; ``full=True`` runs ``VACUUM FULL``,
  which rewrites the tables into new files (and locks them while it runs). WAL archives and
  base backups still hold the data until they expire: keep their retention shorter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.cases.models import Attachment, Case, CaseAction, CaseComment
from campaign.db import vacuum_full, vacuum_sqlite

TABLES = ("cases", "case_actions", "case_comments", "case_attachments")


def purge_closed(
    db: Session, *, older_than: timedelta, progress: Callable[[int, int], None] | None = None
) -> int:
    """Erase the titles, workplaces, issuer names, descriptions, timeline notes, comments and
    attachments of cases closed before ``now - older_than``. The case rows stay (with their
    categories, issuer kind, prefecture, branch and dates), so every count keeps adding up.
    ``progress(done, total)`` is called after each batch of 500 cases."""
    cutoff = clock.now() - older_than
    ids = list(
        db.scalars(
            select(Case.id).where(
                Case.closed_at.is_not(None), Case.closed_at < cutoff, Case.purged_at.is_(None)
            )
        )
    )
    now = clock.now()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.execute(Attachment.__table__.delete().where(Attachment.case_id.in_(chunk)))
        db.execute(update(CaseAction).where(CaseAction.case_id.in_(chunk)).values(note=""))
        db.execute(update(CaseComment).where(CaseComment.case_id.in_(chunk)).values(body=""))
        # Title, workplace and issuer name are free text and may hold a person's name despite
        # the form's reminder; the counts need none of them.
        db.execute(
            update(Case)
            .where(Case.id.in_(chunk))
            .values(title="", workplace="", issuer_name="", description="", purged_at=now)
        )
        if progress is not None:
            progress(start + len(chunk), len(ids))
    db.flush()
    if ids:
        audit.record(db, "cases.purged", object_kind="case", reason=f"{len(ids)} cases")
    return len(ids)


def scrub_files(engine: Engine, *, full: bool = False) -> bool:
    """Make sure deleted content leaves the database files (see the module docstring). False
    when, on PostgreSQL with ``full``, a transaction older than the purge kept the deleted rows
    in the new files (campaign/db.py ``vacuum_full``)."""
    if engine.dialect.name == "sqlite":
        vacuum_sqlite(engine)
        return True
    if engine.dialect.name == "postgresql":
        if full:
            return vacuum_full(engine, TABLES)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in TABLES:
                connection.execute(text(f"VACUUM {table}"))
    return True
