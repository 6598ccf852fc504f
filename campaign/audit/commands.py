"""``flask --app wsgi audit verify``: check the audit log's hash chain (from cron); and
``audit purge-notes``: delete what staff typed as reasons once past its retention period
(``--days``, else ``NAISHIN_AUDIT_NOTE_DAYS``, else one year), from cron (e.g. nightly)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from campaign import db
from campaign.audit import services as audit
from campaign.cli import exit_if_not_scrubbed, progress_bar

DEFAULT_NOTE_DAYS = 365

cli = AppGroup("audit", help="Check the audit log.")


@cli.command("verify")
@click.option(
    "--anchor",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file outside the database holding the last verified head; checked, then updated.",
)
def verify_audit(anchor: Path | None) -> None:
    """Check the hash chain; exit 1 if any entry was changed or removed."""
    session = db.session()
    count, head, breaks = audit.verify(session)
    if anchor is not None and anchor.exists():
        seq, digest = anchor.read_text().split()
        problem = audit.check_anchor(session, int(seq), digest)
        breaks += [problem] if problem else []
    for problem in breaks:
        click.echo(f"entry {problem.seq}: {problem.problem}", err=True)
    if breaks:
        click.echo(f"Audit log BROKEN: {len(breaks)} problem(s) in {count} entries.", err=True)
        sys.exit(1)
    if anchor is not None and count:
        anchor.write_text(f"{count} {head}\n")
    click.echo(f"Audit log intact: {count} entries, head {head}.")


@cli.command("purge-notes")
@click.option("--days", type=int, default=None, help="Retention period of notes (default 1 year).")
def purge_notes(days: int | None) -> None:
    """Delete the reasons staff typed for entries older than the period; the entries stay."""
    if days is None:
        days = int(os.environ.get("NAISHIN_AUDIT_NOTE_DAYS", DEFAULT_NOTE_DAYS))
    session = db.session()
    count = audit.purge_notes(session, older_than=timedelta(days=max(days, 0)))
    session.commit()
    session.close()
    with progress_bar("Scrubbing the database files") as step:
        clean = audit.scrub_notes(db.engine())
        step(1, 1)
    click.echo(f"Deleted {count} notes older than {days} days.")
    exit_if_not_scrubbed(clean, "the deleted notes")
