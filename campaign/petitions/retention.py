"""After anonymisation the signers' data must be gone from the files, not only the tables.

* SQLite: ``secure_delete=ON`` (campaign/db.py) zeroes the cells a DELETE frees; ``scrub_files``
  then runs ``VACUUM`` (rebuilds the file from live rows only) and checkpoints the write-ahead
  log with ``wal_checkpoint(TRUNCATE)``, so no page holding a name survives in the WAL either.
* PostgreSQL: deleted rows stay in the table files as dead tuples until vacuumed, and a plain
  ``VACUUM`` only marks their space free for reuse: the bytes stay until overwritten. So
  ``scrub_files`` runs ``VACUUM FULL`` on the petition tables, which writes the tables and
  their indexes into new files and unlinks the old ones (it locks the tables while it runs:
  well under a second for 100,000 signatures), then ``CHECKPOINT``. Row versions that a
  transaction open at that moment may still see (a ``pg_dump`` under way, a session left
  idle in a transaction) are copied into the new files too; the command scrubs on every run,
  so the next nightly run removes them. The server's WAL segments,
  WAL archives and base backups still hold the rows until they are recycled or expire: keep
  their retention shorter than a petition's ``keep_days``.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

TABLES = ("petition_signatures", "petitions")


def scrub_files(engine: Engine) -> None:
    """Make sure deleted signatures leave the database files (see the module docstring)."""
    if engine.dialect.name == "sqlite":
        # On the driver's own connection: SQLAlchemy would wrap the statements in BEGIN.
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
        return
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in TABLES:
                connection.execute(text(f"VACUUM FULL {table}"))
            connection.execute(text("CHECKPOINT"))
