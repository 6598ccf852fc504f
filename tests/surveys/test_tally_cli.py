"""Offline counting: ``flask surveys tally`` prints the page's aggregates, same suppression."""

from __future__ import annotations

from sqlalchemy import select

from campaign.audit.models import AuditEntry
from surveys import sealing, services
from tests.surveys.conftest import PASSPHRASE, answer_token, plain_form


def _key_file(survey, tmp_path):
    private = sealing.unwrap(services.wrapped_key(survey), PASSPHRASE)
    path = tmp_path / "key.json"
    path.write_bytes(sealing.key_file(survey.id, private))
    return path


def test_tally_prints_suppressed_aggregates(client, surveys, runner, session, tmp_path):
    survey = surveys.opened()
    path = _key_file(survey, tmp_path)
    for n in range(4):
        data = {
            **plain_form(survey, group=0, yes=n % 2 == 0),
            "token": answer_token(client, survey.id),
        }
        client.post(f"/surveys/answer/{survey.id}", data=data)
    few = runner.invoke(args=["surveys", "tally", str(survey.id), "--key-file", str(path)])
    assert few.exit_code == 0, few.output
    assert "fewer than 5 answers" in few.output and "はい" not in few.output
    for n in range(8):
        data = {
            **plain_form(survey, group=n % 2, yes=True),
            "token": answer_token(client, survey.id),
        }
        client.post(f"/surveys/answer/{survey.id}", data=data)
    result = runner.invoke(
        args=["surveys", "tally", str(survey.id), "--key-file", str(path), "--locale", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "answers: 12" in result.output
    # group 0 has 8 answers, group 1 has 4 (< k): hiding group 1 alone would let it be worked
    # out as the total minus group 0, so group 0 is hidden too.
    assert "groups shown: 0  hidden: 4" in result.output
    assert "Were you pressed to get the card?\tAll\tYes\t10\t83.3" in result.output
    session.expire_all()
    actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("survey.results_tallied_offline") == 2


def test_tally_refuses_a_wrong_key_file(surveys, runner, tmp_path):
    first, second = surveys.opened(), surveys.opened()
    path = _key_file(first, tmp_path)
    result = runner.invoke(args=["surveys", "tally", str(second.id), "--key-file", str(path)])
    assert result.exit_code != 0 and "does not open" in result.output
