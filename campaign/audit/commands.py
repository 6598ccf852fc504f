"""``flask --app wsgi audit verify``: check the audit log's hash chain (from cron); and
``audit purge-notes``: delete what staff typed as reasons once past its retention period
(``--days``, else ``NAISHIN_AUDIT_NOTE_DAYS``, else one year), from cron (e.g. nightly)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from campaign import db, params
from campaign.audit import services as audit
from campaign.cli import DAYS, exit_if_not_scrubbed, progress_bar

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
        seq, digest = _read_anchor(anchor)
        problem = audit.check_anchor(session, seq, digest)
        breaks += [problem] if problem else []
    for problem in breaks:
        click.echo(f"entry {problem.seq}: {problem.problem}", err=True)
    if breaks:
        click.echo(f"Audit log BROKEN: {len(breaks)} problem(s) in {count} entries.", err=True)
        sys.exit(1)
    if anchor is not None and count:
        anchor.write_text(f"{count} {head}\n")
    click.echo(f"Audit log intact: {count} entries, head {head}.")


def _read_anchor(anchor: Path) -> tuple[int, str]:
    """The head recorded in the anchor file (``seq digest``); a clear error if it holds
    anything else (a damaged or foreign file must not pass, nor end in a traceback)."""
    try:
        seq, digest = anchor.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError, ValueError):
        raise click.ClickException(f"{anchor} is not an audit anchor file") from None
    number = params.parse_int(seq, minimum=1)
    if number is None:
        raise click.ClickException(f"{anchor} is not an audit anchor file")
    return number, digest


@cli.command("purge-notes")
@click.option("--days", type=DAYS, default=None, help="Retention period of notes (default 1 year).")
def purge_notes(days: int | None) -> None:
    """Delete the reasons staff typed for entries older than the period; the entries stay."""
    if days is None:
        days = current_app.config["AUDIT_NOTE_DAYS"]
    session = db.session()
    count = audit.purge_notes(session, older_than=timedelta(days=days))
    session.commit()
    session.close()
    with progress_bar("Scrubbing the database files") as step:
        clean = audit.scrub_notes(db.engine())
        step(1, 1)
    click.echo(f"Deleted {count} notes older than {days} days.")
    exit_if_not_scrubbed(clean, "the deleted notes")
