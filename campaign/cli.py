"""The platform's own commands: ``flask --app wsgi init`` and ``translations``; and
``progress_bar``, the bar every long command draws (click's, on standard error)::

    with progress_bar("Purging") as step:
        retention.purge_closed(session, older_than=period, progress=step)   # step(done, total)

Features bring theirs (``users create`` in accounts, ``audit verify`` in audit, ``demo``...):
a feature's ``commands.py`` group ``cli`` is found by itself, and ``registry.add_command``
adds any other; what ``init`` loads after migrating comes from ``registry.add_seeder``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from campaign import db, migrate, params, registry
from campaign.config import DAYS_MAX


class WholeNumber(click.ParamType):
    """A whole number in [minimum, maximum], written in ASCII digits (``params.parse_int``, as
    the routes read theirs: click's ``int`` takes ``１２`` and ``١٢`` too)."""

    name = "integer"

    def __init__(self, minimum: int, maximum: int) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        number = params.parse_int(str(value).strip(), minimum=self.minimum, maximum=self.maximum)
        if number is None:
            self.fail(f"{value!r} is not a whole number from {self.minimum} to {self.maximum}")
        return number


# What a command's arguments may be: an id no larger than a column holds (as the routes'
# converter), a period of at least a day (``--days -1`` purged every closed case at once).
ID = WholeNumber(0, params.MAX_ID)
DAYS = WholeNumber(1, DAYS_MAX)


class WritableFile(click.Path):
    """A file to write whose folder exists (``click.Path`` checks only the file itself: a
    missing folder gave a traceback at the end of a long export)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, writable=True, path_type=Path)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        if not Path(path).resolve().parent.is_dir():
            self.fail(f"the folder of {value!r} does not exist", param, ctx)
        return path


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Apply the database migrations, then load each feature's reference data (the seeders of
    ``campaign.registry``: prefectures, the shipped information pages...)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    differences = migrate.schema_differences(current_app.config["DATABASE_URL"])
    if differences:
        shown = "\n".join(f"  {d}" for d in differences[:10])
        raise click.ClickException(
            "the database does not match this version of Naishin after migrating (was a "
            f"migration changed after this database applied it?):\n{shown}"
        )
    session = db.session()
    lines = registry.run_seeders(session)
    session.commit()
    for line in lines:
        click.echo(line)
    from campaign import staticfiles

    source = Path(current_app.static_folder)
    count = staticfiles.build(source, Path(current_app.instance_path) / staticfiles.BUILD)
    click.echo(f"{count} static files precompressed (Brotli, gzip); restart to serve them.")


def exit_if_not_scrubbed(clean: bool, what: str) -> None:
    """After a purge: exit 2 saying so when the scrub could not yet remove ``what`` from the
    database files (a transaction older than the deletion was still open: campaign/db.py
    ``vacuum_full``), so that cron reports it and the next run finishes the job."""
    if clean:
        return
    click.echo(
        f"A transaction older than the deletion is still open on the database server, so {what} "
        "may remain in its files: run this command again later.",
        err=True,
    )
    sys.exit(2)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """Draw a click progress bar while the block runs; yields ``step(done, total)``, which the
    long operation calls as it goes (the total may change, e.g. once it is known)."""
    bar = click.progressbar(length=1, label=label, file=sys.stderr)

    def step(done: int, total: int) -> None:
        bar.length = max(total, 1)
        bar.update(max(0, min(done, bar.length) - bar.pos))

    with bar:
        yield step


def init_app(app: Flask) -> None:
    """Register the commands."""
    from campaign.translate import translations_cli

    app.cli.add_command(init_command)
    app.cli.add_command(translations_cli)
