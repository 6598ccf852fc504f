"""``flask --app wsgi pages load``: load the shipped pages without touching edited ones."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from campaign import db
from campaign.pages import services

cli = AppGroup("pages", help="Information pages (Q&A, rights, figures).")


@cli.command("load")
@with_appcontext
def load_command() -> None:
    """Create and publish each shipped page that does not exist yet; keep the others."""
    session = db.session()
    message = services.load_message(session)
    session.commit()
    click.echo(message)
