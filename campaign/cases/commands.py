"""``flask --app wsgi cases purge``: the retention rule, to run from cron (e.g. nightly).

Closed cases (resolved or withdrawn) lose their description, timeline notes, comments and
attachments once closed for longer than the retention period (``--days``, else
``NAISHIN_CASES_RETENTION_DAYS``, else three years). The rows stay, so the counts do too.
See ``retention.py`` for what happens in the database files on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from campaign import db
from campaign.cases import demo, retention, services

cli = AppGroup("cases", help="Case reports: retention and reference data.")


def default_days() -> int:
    """The retention period in days (``NAISHIN_CASES_RETENTION_DAYS``, read at start-up into
    ``app.config["CASES_RETENTION_DAYS"]``; three years if unset)."""
    return int(current_app.config.get("CASES_RETENTION_DAYS", 3 * 365))


@cli.command("purge")
@click.option("--days", type=int, default=None, help="Retention period (default 3 years).")
@click.option("--full", is_flag=True, help="PostgreSQL: VACUUM FULL instead of VACUUM.")
@with_appcontext
def purge(days: int | None, full: bool) -> None:
    """Erase the content of cases closed longer than the retention period."""
    period = timedelta(days=days if days is not None else default_days())
    session = db.session()
    count = retention.purge_closed(session, older_than=period)
    session.commit()
    session.close()
    retention.scrub_files(db.engine(), full=full)
    click.echo(f"Purged the content of {count} closed cases.")


@cli.command("seed")
@with_appcontext
def seed() -> None:
    """Add the standard categories that are missing (the migration adds them too)."""
    session = db.session()
    count = services.seed_categories(session)
    session.commit()
    click.echo(f"Added {count} categories.")


@cli.command("demo")
@with_appcontext
def demo_cases() -> None:
    """Add a few example cases to the demo branches (after ``flask demo``)."""
    session = db.session()
    count = demo.load(session)
    session.commit()
    click.echo(f"Added {count} example cases.")
