"""Review R3-14: only headquarters makes invitation codes, and every making is shown.

Whoever makes codes can keep k−1 and answer with them, so that a shown group of k holds one real
member; the branch officer of a branch survey (the person the smallest group protects members
from) therefore cannot make them, and the survey's page and its results say how many codes were
made, by headquarters, on which day, beside the answers counted.
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select

from campaign import clock
from campaign.auth.models import Role
from campaign.org.models import Branch
from surveys import codes
from surveys.models import CodeBatch
from tests.helpers import csrf_token
from tests.surveys.helpers import answer_token, plain_form
from tests.surveys.screens import results, text


def _coded_draft(surveys, session, **kwargs):
    survey = surveys.draft(**kwargs)
    survey.needs_code = True
    session.commit()
    return surveys.opened_draft(survey)


def _make(client, survey, count: int):
    token = csrf_token(client, f"/surveys/{survey.id}")
    return client.post(
        f"/surveys/{survey.id}/codes",
        data={"csrf_token": token, "count": str(count), "format": "csv"},
    )


def test_the_branch_officer_cannot_make_codes_for_the_branch_survey(
    client, auth, make, surveys, session
):
    officer = make.user()
    survey = _coded_draft(surveys, session, branch=session.get(Branch, officer.branch_id))
    auth.login(officer)
    page = text(client.get(f"/surveys/{survey.id}"))
    assert "Only headquarters makes invitation codes" in page
    assert f'action="/surveys/{survey.id}/codes"' not in page  # no form to make them
    token = csrf_token(client, f"/surveys/{survey.id}/preview")
    refused = client.post(
        f"/surveys/{survey.id}/codes", data={"csrf_token": token, "count": "4", "format": "csv"}
    )
    assert refused.status_code == 403 and "Invitation code" not in text(refused)
    assert codes.counts(session, survey.id) == (0, 0)
    assert session.scalars(select(CodeBatch).where(CodeBatch.survey_id == survey.id)).all() == []


def test_each_making_is_recorded_with_its_count_maker_and_date_only(
    app, client, auth, make, surveys, session
):
    survey = _coded_draft(surveys, session)
    auth.login(make.user(role=Role.HQ))
    assert _make(client, survey, 12).status_code == 200
    assert _make(client, survey, 3).status_code == 200
    session.expire_all()
    batches = session.scalars(select(CodeBatch).where(CodeBatch.survey_id == survey.id)).all()
    today = clock.now().astimezone(ZoneInfo("Asia/Tokyo")).date()  # Japan's date
    assert sorted(b.count for b in batches) == [3, 12]
    assert {(b.maker, b.made_on) for b in batches} == {("headquarters", today)}
    engine = app.extensions["naishin.engine"]
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("survey_code_batches")}
    assert set(columns) == {"id", "survey_id", "count", "maker", "made_on"}
    assert isinstance(batches[0].made_on, date) and "TIME" not in str(columns["made_on"]).upper()
    page = text(client.get(f"/surveys/{survey.id}"))
    shown = re.search(r'id="codes-made">(.*?)</div>', page, re.S).group(1)
    assert "Invitation codes made: 15." in shown
    assert shown.count("made by headquarters") == 2
    assert "Answers counted" not in shown  # never the running count while it is open


def test_the_results_show_the_codes_made_beside_the_answers_counted(
    app, client, auth, make, surveys, session
):
    survey = _coded_draft(surveys, session)
    auth.login(make.user(role=Role.HQ))
    made = _make(client, survey, 8).data.decode("utf-8-sig").strip().split("\r\n")[1:]
    anonymous = client.application.test_client()
    for line in made[:6]:
        data = {
            **plain_form(survey),
            "token": answer_token(anonymous, survey.id),
            "code": line.rsplit(",", 1)[1],
        }
        assert anonymous.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
    with app.app_context():
        surveys.close(survey)
    page = text(results(client, survey))
    shown = re.search(r'id="codes-made">(.*?)</div>', page, re.S).group(1)
    assert "Invitation codes made: 8." in shown and "Answers counted: 6." in shown
    assert "made by headquarters" in shown
    closed_page = text(client.get(f"/surveys/{survey.id}"))
    assert "Answers counted: 6." in closed_page


def test_the_codes_line_reads_naturally_in_japanese(client, auth, make, surveys, session, japanese):
    survey = _coded_draft(surveys, session)
    auth.login(make.user(role=Role.HQ))
    assert _make(client, survey, 60).status_code == 200
    page = text(client.get(f"/surveys/{survey.id}"))
    shown = re.sub(r"\s+", " ", re.search(r'id="codes-made">(.*?)</div>', page, re.S).group(1))
    today = clock.now().astimezone(ZoneInfo("Asia/Tokyo")).date()
    assert "作成された招待コード：60件。" in shown
    assert f"{today.year}年{today.month}月{today.day}日：本部が60件作成" in shown
    assert "招待コードを作成できるのは本部だけです。" in shown
