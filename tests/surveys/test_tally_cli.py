"""Offline counting: ``flask surveys tally`` prints the page's aggregates, same suppression."""

from __future__ import annotations

from sqlalchemy import select

from campaign.audit.models import AuditEntry
from surveys import sealing, services
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form


def _key_file(survey, tmp_path):
    private = sealing.unwrap(services.wrapped_key(survey), PASSPHRASE)
    path = tmp_path / "key.json"
    path.write_bytes(sealing.key_file(survey.id, private))
    return path


def _answer(client, survey, *, group: int, yes: bool) -> None:
    data = {**plain_form(survey, group=group, yes=yes), "token": answer_token(client, survey.id)}
    assert client.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200


def test_tally_waits_for_the_survey_to_close(client, surveys, runner, tmp_path):
    survey = surveys.opened()
    path = _key_file(survey, tmp_path)
    for _ in range(6):
        _answer(client, survey, group=0, yes=True)
    early = runner.invoke(args=["surveys", "tally", str(survey.id), "--key-file", str(path)])
    assert early.exit_code != 0 and "still open" in early.output


def test_tally_prints_nothing_below_k(client, surveys, runner, tmp_path):
    survey = surveys.opened()
    path = _key_file(survey, tmp_path)
    for n in range(4):
        _answer(client, survey, group=0, yes=n % 2 == 0)
    surveys.close(survey)
    few = runner.invoke(args=["surveys", "tally", str(survey.id), "--key-file", str(path)])
    assert few.exit_code == 0, few.output
    assert "fewer than 5 answers" in few.output and "はい" not in few.output


def test_tally_prints_suppressed_aggregates(client, surveys, runner, session, tmp_path):
    survey = surveys.opened()
    path = _key_file(survey, tmp_path)
    for n in range(12):
        # group 0: 8 answers (2 "no"), group 1: 4 answers
        _answer(client, survey, group=0 if n < 8 else 1, yes=n not in (1, 3))
    surveys.close(survey)
    result = runner.invoke(
        args=["surveys", "tally", str(survey.id), "--key-file", str(path), "--locale", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "answers: 12" in result.output
    # group 0 has 8 answers, group 1 has 4 (< k): hiding group 1 alone would let it be worked
    # out as the total minus group 0, so group 0 is hidden too.
    assert "groups shown: 0  hidden: 4" in result.output
    # "No" 2 is below k and "Yes" 10 would give it back as 12 − 10 (review R6-3).
    assert "Were you pressed to get the card?\tAll\tYes\tnot shown\t\t" in result.output
    assert "Were you pressed to get the card?\tAll\tNo\tnot shown\t\t" in result.output
    assert "\t10\t83.3" not in result.output and "\t2\t16.7" not in result.output
    session.expire_all()
    actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("survey.results_tallied_offline") == 1


def test_tally_refuses_a_wrong_key_file(surveys, runner, tmp_path):
    first, second = surveys.opened(), surveys.close(surveys.opened())
    path = _key_file(first, tmp_path)
    result = runner.invoke(args=["surveys", "tally", str(second.id), "--key-file", str(path)])
    assert result.exit_code != 0 and "does not open" in result.output


def test_the_sample_survey_opens_once_and_counts(runner, session, client, tmp_path):
    runner.invoke(args=["demo"])
    first = runner.invoke(args=["surveys", "demo"])
    assert first.exit_code == 0, first.output
    assert "/surveys/answer/" in first.output and "shown this once" in first.output
    again = runner.invoke(args=["surveys", "demo"])
    assert "earlier run" in again.output
    from surveys.models import State, Survey

    survey = session.scalar(select(Survey))
    assert survey.state == State.OPEN
    assert client.get(f"/surveys/answer/{survey.id}").status_code == 200
