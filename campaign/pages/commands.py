"""``flask --app wsgi pages load`` and ``pages facts``: the shipped pages and their dated facts."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup, with_appcontext

from campaign import db
from campaign.dates import local_today
from campaign.pages import facts, services

cli = AppGroup("pages", help="Information pages (Q&A, rights, figures).")


@cli.command("load")
@with_appcontext
def load_command() -> None:
    """Create and publish each shipped page that does not exist yet; keep the others."""
    session = db.session()
    message = services.load_message(session)
    session.commit()
    click.echo(message)


@cli.command("facts")
@click.option("--within", default=60, show_default=True, help="Also list facts due within N days.")
def facts_command(within: int) -> None:
    """List the shipped pages' dated facts that must be checked again; exit 1 if any is overdue."""
    data = facts.load()
    today = local_today()
    overdue = data.due(today)
    soon = [f for f in data.due(today + timedelta(days=within)) if f not in overdue]
    for label, group in (("OVERDUE", overdue), ("due soon", soon)):
        for fact in group:
            names = "; ".join(s.title for s in fact.sources)
            click.echo(
                f"{label}: {fact.id} (re-check by {fact.recheck_by}; pages: "
                f"{', '.join(fact.pages)}; sources: {names})"
            )
    click.echo(
        f"{len(data.facts)} dated facts, last checked {data.checked}: "
        f"{len(overdue)} overdue, {len(soon)} due within {within} days."
    )
    if overdue:
        raise SystemExit(1)
