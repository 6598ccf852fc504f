"""``flask --app wsgi audit verify``: check the audit log's hash chain (from cron)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from campaign import db
from campaign.audit import services as audit

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
