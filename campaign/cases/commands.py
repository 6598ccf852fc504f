"""``flask --app wsgi cases purge``: the retention rule, to run from cron (e.g. nightly); and
``cases export PATH``: every reported case's non-personal fields as CSV or XLSX; ``cases
freeze-quarters``: an officer's national figures of the quarters that ended, fixed (daily).

Closed cases (resolved or withdrawn) lose their description, timeline notes, comments and
attachments once closed for longer than the retention period (``--days``, else
``NAISHIN_CASES_RETENTION_DAYS``, else three years). The rows stay, so the counts do too.
See ``retention.py`` for what happens in the database files on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from campaign import clock, db
from campaign.audit import services as audit
from campaign.cases import demo, export, national, queries, retention, services
from campaign.cli import DAYS, WritableFile, exit_if_not_scrubbed, progress_bar
from campaign.exports import csv_bytes, xlsx_bytes

cli = AppGroup("cases", help="Case reports: retention and reference data.")


def default_days() -> int:
    """The retention period in days (``NAISHIN_CASES_RETENTION_DAYS``, read at start-up into
    ``app.config["CASES_RETENTION_DAYS"]``; three years if unset)."""
    return int(current_app.config.get("CASES_RETENTION_DAYS", 3 * 365))


@cli.command("purge")
@click.option("--days", type=DAYS, default=None, help="Retention period (default 3 years).")
@click.option("--full", is_flag=True, help="PostgreSQL: VACUUM FULL instead of VACUUM.")
@with_appcontext
def purge(days: int | None, full: bool) -> None:
    """Erase the content of cases closed longer than the retention period."""
    period = timedelta(days=days if days is not None else default_days())
    session = db.session()
    with progress_bar("Purging closed cases") as step:
        count = retention.purge_closed(session, older_than=period, progress=step)
        session.commit()
    session.close()
    with progress_bar("Scrubbing the database files") as step:
        clean = retention.scrub_files(db.engine(), full=full)
        step(1, 1)
    click.echo(f"Purged the content of {count} closed cases.")
    exit_if_not_scrubbed(clean, "the purged content")


@cli.command("export")
@click.argument("path", type=WritableFile())
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@with_appcontext
def export_command(path: Path, lang: str) -> None:
    """Write every reported case's non-personal fields to PATH (.csv or .xlsx), as
    headquarters' export from the web does (audited as the system)."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("name a .csv or .xlsx file", param_hint="PATH")
    session = db.session()
    # The headings and vocabularies are translated per request: read as one in that language.
    with current_app.test_request_context(headers={"Accept-Language": lang}):
        total = export.count(session, queries.Filters())
        with progress_bar("Exporting cases") as step:

            def counted():
                for n, row in enumerate(export.rows(session, None, queries.Filters(), lang), 1):
                    if n % 500 == 0 or n == total:
                        step(n, total)
                    yield row

            if path.suffix.lower() == ".csv":
                body = csv_bytes(export.header(), counted())
            else:
                body = xlsx_bytes(_("Cases"), export.header(), counted())
    path.write_bytes(body)
    session.rollback()  # the read ran as a request's (read-only); the audit entry is written apart
    audit.record(
        session, "cases.exported", object_kind="case", reason=f"cli {path.suffix[1:]}", system=True
    )
    session.commit()
    click.echo(f"Exported {total} cases to {path}.")


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


@cli.command("freeze-quarters")
@with_appcontext
def freeze_quarters() -> None:
    """Freeze the national figures of every fiscal quarter that has ended (an officer's
    picture shows them from then on). Run it from cron daily, so that a quarter is frozen on
    the first day after it ended; the first officer's picture after the end does it otherwise."""
    session = db.session()
    frozen = national.freeze(session, clock.now())
    session.commit()
    click.echo(f"Froze {len(frozen)} quarters: {', '.join(q.key for q in frozen) or 'none'}.")
