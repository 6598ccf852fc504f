"""``flask --app wsgi surveys tally SURVEY_ID --key-file FILE``: count offline.

Prints the same aggregates as the results page, with the same suppression, from whatever
database ``NAISHIN_DATABASE_URL`` names (a copy on a machine that is not the server, say).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from campaign import db
from campaign.cli import ID

cli = AppGroup("surveys", help="Anonymous surveys.")


@cli.command("tally")
@click.argument("survey_id", type=ID)
@click.option(
    "--key-file",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The survey's key file, downloaded by headquarters.",
)
@click.option(
    "--share",
    "shares",
    multiple=True,
    help="A custodian's share (its words, quoted); give it once per custodian.",
)
@click.option("--locale", default="ja", type=click.Choice(["ja", "en"]), show_default=True)
@with_appcontext
def tally_command(survey_id: int, key_path: Path | None, shares: tuple[str, ...], locale: str):
    """Open and count a survey's answers; print the aggregates that may be shown."""
    from flask_babel import force_locale

    from surveys import counting, gate, services, storage
    from surveys.models import Survey

    session = db.session()
    survey = session.get(Survey, survey_id)
    if survey is None or survey.public_key is None:
        raise click.ClickException(f"no opened survey {survey_id}")
    if key_path is None and not shares:
        raise click.ClickException("give --key-file FILE or the custodians' --share words")
    total = storage.filled_count(session, survey_id)
    with force_locale(locale):
        try:
            with click.progressbar(
                length=total, label=f"counting on {counting.processes()} cores", file=sys.stderr
            ) as bar:
                report = gate.open_results(
                    session,
                    survey,
                    purpose="results_tallied_offline",
                    locale=locale,
                    key_file=key_path.read_bytes() if key_path else b"",
                    shares=list(shares),
                    workers=counting.processes(),
                    progress=bar.update,
                )
        except gate.NotClosed as error:
            session.commit()
            raise click.ClickException(
                f"survey {survey_id} is still open: it can be counted once it is closed"
            ) from error
        except services.SurveyError as error:
            session.commit()  # the refusal is audited
            raise click.ClickException(
                "the key file does not open this survey"
                if key_path
                else "these shares do not open this survey"
            ) from error
        session.commit()  # the audit entry
        for line in render_text(report):
            click.echo(line)


@cli.command("close-due")
@with_appcontext
def close_due_command() -> None:
    """Close every open survey whose closing date has passed (for cron; audited as the system).

    Closing is one short transaction per survey; moving its answers to fresh random slots then
    runs in batches of short transactions (linear in the answers, never holding the write lock
    for long, so answers to other surveys go on), with a progress bar. Every run also scrubs
    custodians' shares shown since (surveys/handover.py) and, on PostgreSQL, gives every answer
    of each open survey one transaction id (``storage.mix_transaction_ids``)."""
    from flask import current_app
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from surveys import closing, handover, storage
    from surveys.models import State, Survey

    session = db.session()
    closed = closing.close_due(session, shuffle=False)
    due = [(s.id, s.sealed_size) for s in closed]
    session.commit()
    bind = session.get_bind()
    for survey_id, sealed_size in due:
        total = storage.capacity(session, survey_id)
        session.commit()
        with click.progressbar(length=total, label=f"survey {survey_id}: shuffling slots") as bar:
            storage.shuffle(
                lambda: Session(bind, expire_on_commit=False),
                survey_id,
                sealed_size,
                progress=bar.update,
            )
        storage.tidy_now(bind, vacuum=True)
    for survey_id in session.scalars(select(Survey.id).where(Survey.state == State.OPEN)):
        storage.mix_transaction_ids(bind, survey_id)
    session.commit()
    try:
        handover.scrub(current_app.extensions["naishin.engine"], patience=1.0)
    except Exception:  # the next run scrubs again
        click.echo("custodian shares not scrubbed this time", err=True)
    click.echo(f"closed: {len(due)}")


def render_text(report) -> list[str]:
    """The report as plain text lines (the figures of ``rows_for_export``)."""
    lines = [f"# {report.survey.title('ja')}"]
    if not report.enough:
        lines.append(f"fewer than {report.k} answers: nothing is shown")
        return lines
    lines.append(f"answers: {report.n}  unreadable: {report.invalid}  k: {report.k}")
    if report.group_question:
        lines.append(f"groups shown: {len(report.groups)}  hidden: {report.hidden_groups}")
    for row in _rows(report):
        lines.append("\t".join(str(v) for v in row))
    for qr in report.questions:
        for text in qr.texts:
            lines.append(f"text\t{qr.text}\t{text}")
    return lines


def _rows(report):
    from surveys.results import rows_for_export

    return rows_for_export(report)


@cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create and open the sample survey of the demo data (after ``flask demo``)."""
    import os

    from surveys import demo, services

    session = db.session()
    try:
        survey, passphrase = demo.load(session)
    except services.SurveyError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    address = (
        f"http://{os.environ.get('NAISHIN_BIND', '127.0.0.1:8000')}/surveys/answer/{survey.id}"
    )
    click.echo(f"Sample survey, open to answers: {address}")
    if passphrase:
        click.echo(f"  its results passphrase (shown this once): {passphrase}")
    else:
        click.echo("  (made on an earlier run; its passphrase was printed then)")
