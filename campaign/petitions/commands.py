"""``flask --app wsgi petitions anonymise``: the deletion rule, to run from cron (e.g. nightly);
``petitions close-due``: closes the petitions whose closing day has ended (from cron, just
after midnight Japan time); ``petitions rehash``: every petition's duplicate hashes brought up
to the current normal form at once (``flask init`` does it at the upgrade; a public signer
of a petition not yet rehashed is asked to come back); ``petitions send-links``: the queued
confirmation emails, in a batch (links.py; from cron, every few minutes); ``petitions demo``:
the demo petition (demo.py), run by ``make run``.

Deletes the signers' names, addresses, emails, hashes and link tokens of every petition whose
deletion day has come (``keep_days`` after its submission, or ``unsubmitted_days`` after its
close when it was never submitted), keeping the counts; drops unconfirmed signatures older than
a week; then scrubs the database files (see retention.py).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from campaign import db
from campaign.cli import progress_bar
from campaign.petitions import demo, links, mail, retention, services
from campaign.petitions.models import Petition

cli = AppGroup(
    "petitions", help="Petitions: closing and deleting signers' data on schedule; demo data."
)


@cli.command("close-due")
@with_appcontext
def close_due() -> None:
    """Close every open petition whose closing day has ended (audited as the system).

    Public pages never close a petition (they refuse signatures by the date); this command and
    headquarters' and officers' petition pages do."""
    session = db.session()
    closed = [petition.id for petition in services.close_due(session)]
    session.commit()
    for petition_id in closed:
        click.echo(f"Petition {petition_id}: closed.")
    click.echo(f"closed: {len(closed)}")


@cli.command("send-links")
@with_appcontext
def send_links() -> None:
    """Send the queued confirmation emails, in a random order, in one batch (from cron every
    few minutes: the relay then sees cron's times, not the signers'; see links.py), then scrub
    the sent rows from the database files. A link that cannot be sent stays queued for the
    next run; exits 1 when the server cannot be reached, and without ``NAISHIN_BASE_URL``
    (nothing sent, every row kept)."""
    session = db.session()
    try:
        batch, clean = links.run(session)
    except links.NoBaseURL:
        session.rollback()
        raise click.ClickException(
            f"NAISHIN_BASE_URL is unset: no link can be made; {links.queued(session)} links kept"
        ) from None
    except mail.MailError as error:
        left = links.queued(session)
        session.commit()
        raise click.ClickException(
            f"the SMTP server could not be reached ({error}); {left} links kept for the next run"
        ) from None
    click.echo(
        f"sent: {batch.sent}, kept for the next run: {batch.kept}, "
        f"no longer waited for: {batch.dropped}"
    )
    if not clean:
        click.echo(
            "the sent links' sealed rows may remain in the database files (a transaction or a "
            "lock held the scrub back); the next run scrubs again"
        )


@cli.command("anonymise")
@with_appcontext
def anonymise() -> None:
    """Anonymise the petitions that are due, and scrub the database files."""
    session = db.session()
    with progress_bar("Deleting signers' data, then scrubbing the files") as step:
        done = services.anonymise_due(session)
        session.commit()
        session.close()
        step(1, 2)
        retention.scrub_files(db.engine())
        step(2, 2)
    for petition in done:
        click.echo(f"Petition {petition.id}: signers' personal data deleted.")
    click.echo(f"Anonymised {len(done)} petitions.")


@cli.command("rehash")
@with_appcontext
def rehash() -> None:
    """Bring every petition's duplicate hashes up to the current normal form (services.rehash
    for each petition hashed under an older one). ``flask init`` does it at the upgrade
    (services.up_to_date_all); this does them all now, a staff action, audited."""
    session = db.session()
    for petition in session.scalars(select(Petition).order_by(Petition.id)):
        done = services.up_to_date(session, petition)
        session.commit()
        if done and done.changed:
            click.echo(
                f"Petition {petition.id}: {done.changed} signatures rehashed, "
                f"{done.repeats} found to repeat a signature and no longer counted, "
                f"{done.counted} repeats found to be a person of their own and counted."
            )
    click.echo("Rehashed.")


@cli.command("demo")
@with_appcontext
def demo_petition() -> None:
    """Add the demo petition, open, with online and paper signatures (after ``flask demo``)."""
    session = db.session()
    count = demo.load(session)
    session.commit()
    if count:
        click.echo(f"Added the demo petition with {count} signatures (online and on paper).")
    else:
        click.echo("Petitions exist already (or the demo accounts are missing): nothing added.")
