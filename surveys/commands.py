"""``flask --app wsgi surveys tally SURVEY_ID --key-file FILE``: count offline.

Prints the same aggregates as the results page, with the same suppression, from whatever
database ``NAISHIN_DATABASE_URL`` names (a copy on a machine that is not the server, say).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from campaign import db

cli = AppGroup("surveys", help="Anonymous surveys.")


@cli.command("tally")
@click.argument("survey_id", type=int)
@click.option(
    "--key-file",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The survey's key file, downloaded by headquarters.",
)
@click.option("--locale", default="ja", type=click.Choice(["ja", "en"]), show_default=True)
@with_appcontext
def tally_command(survey_id: int, key_path: Path, locale: str) -> None:
    """Open and count a survey's answers; print the aggregates that may be shown."""
    from flask_babel import force_locale

    from surveys import results, sealing, services
    from surveys.models import State, Survey

    session = db.session()
    survey = session.get(Survey, survey_id)
    if survey is None or survey.public_key is None:
        raise click.ClickException(f"no opened survey {survey_id}")
    if survey.state != State.CLOSED:
        raise click.ClickException(
            f"survey {survey_id} is still open: it can be counted once it is closed"
        )
    try:
        private = services.unlock(
            session, survey, key_file=key_path.read_bytes(), purpose="results_tallied_offline"
        )
    except services.SurveyError as error:
        raise click.ClickException("the key file does not open this survey") from error
    tally = results.Tally(list(survey.questions)).count_all(
        services.iter_sealed(session, survey.id), sealing.opener(private)
    )
    del private
    session.commit()  # the audit entry
    with force_locale(locale):
        report = results.report(survey, tally, locale)
        for line in render_text(report):
            click.echo(line)


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
