"""``flask --app wsgi backup DEST`` and ``flask --app wsgi restore SRC`` (see services.py).

The feature's ``cli`` is the ``backup`` command itself; ``restore`` is added as a top-level
command through the registry.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign import db, registry
from campaign.backup import checks, services
from campaign.cli import progress_bar


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def cli(dest: Path) -> None:
    """Back up the database into the new folder DEST (never the data key: keep it apart)."""
    url = current_app.config["DATABASE_URL"]
    try:
        with progress_bar("Backing up") as step:
            manifest = services.backup(db.engine(), url, dest, services.Progress(step))
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(manifest["counts"].values())
    click.echo(
        f"Backup written to {dest}: {len(manifest['counts'])} tables, {rows} rows "
        f"({manifest['database']}, revision {manifest['revision']}). "
        "The data key is not in it: keep a copy of the key apart from the backups."
    )


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(src: Path) -> None:
    """Restore the backup folder SRC onto this instance's empty database, then check it."""
    url = current_app.config["DATABASE_URL"]
    engine = db.engine()
    try:
        with progress_bar("Restoring") as step:
            manifest = services.restore(engine, url, src, services.Progress(step))
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    session = db.session()
    result = services.check(session, manifest, checks.ALL)
    session.rollback()
    for line in result.lines:
        click.echo(line)
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    if result.problems:
        click.echo(f"Restore of {src} FAILED its checks.", err=True)
        sys.exit(1)
    click.echo(f"Restored {src} (taken {manifest['taken_at']}); every check passed.")


registry.add_command(restore_command)
