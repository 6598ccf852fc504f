"""``flask --app wsgi formal demo``: the example requests of the demo data."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from campaign import db
from campaign.formal_requests import demo

cli = AppGroup("formal", help="Formal requests (要請書): demo data.")


@cli.command("demo")
@with_appcontext
def demo_requests() -> None:
    """Add the example requests (after ``flask demo`` and ``flask cases demo``)."""
    session = db.session()
    count = demo.load(session)
    session.commit()
    if count:
        click.echo(f"Added {count} example formal requests.")
    else:
        click.echo(
            "Formal requests exist already (or the demo accounts are missing): nothing added."
        )
