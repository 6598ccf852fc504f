"""After anonymisation the signers' data must be gone from the files, not only the tables.

First, it was never there in the clear: names, addresses and emails are sealed under the
petition's own key, itself stored only wrapped by the data key, which lives outside the database
(sealing.py). Anonymisation deletes the rows and the petition's key (crypto-shredding); then
``scrub_files`` removes the ciphertext and the wrapped key from the database files as well:

* SQLite: ``secure_delete=ON`` (campaign/db.py) zeroes the cells a DELETE frees; ``scrub_files``
  then runs ``VACUUM`` (rebuilds the file from live rows only) and checkpoints the write-ahead
  log with ``wal_checkpoint(TRUNCATE)``, so no page of a deleted row survives in the WAL either.
* PostgreSQL: deleted rows stay in the table files as dead tuples until vacuumed, and a plain
  ``VACUUM`` only marks their space free for reuse: the bytes stay until overwritten. So
  ``scrub_files`` runs ``VACUUM FULL`` on the petition tables, which writes the tables and
  their indexes into new files and unlinks the old ones (it locks the tables while it runs:
  well under a second for 100,000 signatures), then ``CHECKPOINT``. Row versions that a
  transaction open at that moment may still see (a ``pg_dump`` under way, a session left
  idle in a transaction) are copied into the new files too, and so are those deleted after
  the oldest transaction id still running anywhere on the server (snapshots are server-wide:
  a long transaction in another database holds the horizon back here too). So
  ``scrub_files`` first waits up to ten seconds for those transactions to end (a request, an
  autovacuum's ANALYZE: milliseconds); if one stays open, it logs a warning and the next
  nightly run, which scrubs again, removes what is left (ciphertext whose key is gone).

What is left, and what it means. PostgreSQL's WAL segments (and segment files recycled but not
yet overwritten), WAL archives and base backups or dumps made before the anonymisation still
hold the sealed rows and the wrapped petition key, until they are overwritten or expire. They
never hold a name, an address or an email in the clear: reading them needs the data key too,
which is kept apart from the database and its backups. Whoever has such an old copy *and* the
data key can read that petition's signers, so keep backup and archive retention shorter than a
petition's ``keep_days``, and keep the data key out of those backups. On SQLite the WAL is
truncated; a file copy made before (a backup) is in the same position as PostgreSQL's.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, Engine, text

from campaign.db import vacuum_sqlite

TABLES = ("petition_signatures", "petitions")
WAIT_SECONDS = 10.0
log = logging.getLogger(__name__)

# What keeps VACUUM FULL from dropping the rows deleted before ``horizon``: a session of this
# database with an older snapshot (it may still see them), or a transaction anywhere on the
# server holding an older transaction id (every new snapshot, VACUUM FULL's own included,
# then starts below it, so the deleted rows count as "recently dead" and are copied).
OLDER_TRANSACTIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ("
    "(backend_xid IS NOT NULL AND age(backend_xid) > age(CAST(CAST(:horizon AS text) AS xid))) "
    "OR (datname = current_database() AND backend_xmin IS NOT NULL "
    "AND age(backend_xmin) > age(CAST(CAST(:horizon AS text) AS xid))))"
)


def _wait_for_older_transactions(connection: Connection, seconds: float) -> bool:
    """Wait (a little) until nothing keeps the rows deleted before now (``OLDER_TRANSACTIONS``):
    a request or an autovacuum's ANALYZE ends in milliseconds. False if one stays open (a
    ``pg_dump`` under way, a session left idle in a transaction)."""
    horizon = connection.execute(text("SELECT pg_snapshot_xmax(pg_current_snapshot())")).scalar()
    deadline = time.monotonic() + seconds
    while connection.execute(OLDER_TRANSACTIONS, {"horizon": horizon}).scalar():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def scrub_files(engine: Engine, *, wait: float = WAIT_SECONDS) -> None:
    """Make sure deleted signatures leave the database files (see the module docstring)."""
    if engine.dialect.name == "sqlite":
        vacuum_sqlite(engine)
        return
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if not _wait_for_older_transactions(connection, wait):
                log.warning(
                    "petitions: a transaction older than the deletion is still open; the next "
                    "run of `petitions anonymise` scrubs what it still sees"
                )
            for table in TABLES:
                connection.execute(text(f"VACUUM FULL {table}"))
            connection.execute(text("CHECKPOINT"))
