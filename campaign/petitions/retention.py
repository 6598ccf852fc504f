"""After anonymisation the signers' data must be gone from the files, not only the tables.

First, it was never there in the clear: names, addresses and emails are sealed under the
petition's own key, itself stored only wrapped by the data key, which lives outside the database
(sealing.py). Anonymisation deletes the rows and the petition's key (crypto-shredding), blanks
the paper batches' notes and deletes the reasons typed for their corrections (free text, in the
clear, where an officer may have named who collected the sheets: review R7b-5); then
``scrub_files`` removes the ciphertext, the wrapped key and those texts from the database files
as well (``TABLES``: the signatures, the set-aside groups, the petitions, the paper batches and
the audit notes):

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

from sqlalchemy import Engine

from campaign.db import vacuum_full, vacuum_sqlite

TABLES = (
    "petition_signatures",
    "petition_set_asides",
    "petition_link_queue",
    "petitions",
    "petition_paper_batches",
    "audit_notes",
)
WAIT_SECONDS = 10.0
log = logging.getLogger(__name__)


def scrub_files(engine: Engine, *, wait: float = WAIT_SECONDS) -> None:
    """Make sure deleted signatures leave the database files (see the module docstring)."""
    if engine.dialect.name == "sqlite":
        vacuum_sqlite(engine)
        return
    if engine.dialect.name == "postgresql" and not vacuum_full(
        engine, TABLES, wait=wait, checkpoint=True
    ):
        log.warning(
            "petitions: a transaction older than the deletion is still open; the next "
            "run of `petitions anonymise` scrubs what it still sees"
        )
