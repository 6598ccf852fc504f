"""``flask --app wsgi cases purge``: the retention rule, to run from cron (e.g. nightly).

Closed cases (resolved or withdrawn) lose their description, timeline notes, comments and
attachments once closed for longer than the retention period (``--days``, else
``NAISHIN_CASES_RETENTION_DAYS``, else three years). The rows stay, so the counts do too.

What is purged must be gone from the files, not only hidden:

* SQLite: ``secure_delete=ON`` (campaign/db.py) zeroes freed pages and overwritten cells;
  the command then runs ``VACUUM`` and checkpoints the write-ahead log with
  ``wal_checkpoint(TRUNCATE)``, so no old page survives in the WAL either.
* PostgreSQL: an UPDATE or DELETE leaves the old row versions (dead tuples) in the table and
  its TOAST table until VACUUM reclaims them, and reclaimed space is reused, not wiped. The
  command runs ``VACUUM`` on the case tables after the purge; ``--full`` runs ``VACUUM FULL``,
  which rewrites the tables into new files (it locks them while it runs). Old WAL segments and
  base backups still hold the data until they expire: keep their retention shorter than the
  case retention.
"""

from __future__ import annotations

import os
from datetime import timedelta

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import text

from campaign import db
from campaign.cases import services

cli = AppGroup("cases", help="Case reports: retention and reference data.")

TABLES = ("cases", "case_actions", "case_comments", "case_attachments")


def default_days() -> int:
    """The retention period in days from the environment (three years if unset)."""
    return int(os.environ.get("NAISHIN_CASES_RETENTION_DAYS", 3 * 365))


def scrub_files(engine, *, full: bool = False) -> None:
    """Make sure deleted content leaves the database files (see the module docstring)."""
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
        verb = "VACUUM FULL" if full else "VACUUM"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in TABLES:
                connection.execute(text(f"{verb} {table}"))


@cli.command("purge")
@click.option("--days", type=int, default=None, help="Retention period (default 3 years).")
@click.option("--full", is_flag=True, help="PostgreSQL: VACUUM FULL instead of VACUUM.")
@with_appcontext
def purge(days: int | None, full: bool) -> None:
    """Erase the content of cases closed longer than the retention period."""
    period = timedelta(days=days if days is not None else default_days())
    session = db.session()
    count = services.purge_closed(session, older_than=period)
    session.commit()
    session.close()
    scrub_files(db.engine(), full=full)
    click.echo(f"Purged the content of {count} closed cases.")


@cli.command("seed")
@with_appcontext
def seed() -> None:
    """Add the standard categories that are missing (the migration adds them too)."""
    session = db.session()
    count = services.seed_categories(session)
    session.commit()
    click.echo(f"Added {count} categories.")
