"""Closing a survey at once goes through a page that says what closing means and asks for the
reason headquarters must give (issue 10: closing earlier than announced is for headquarters,
audited with a reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign import clock
from campaign.audit import services as audit
from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from surveys.models import State, Survey
from tests.helpers import csrf_token
from tests.surveys.screens import main_text_problems, text

pytestmark = pytest.mark.usefixtures("japanese")


@pytest.fixture
def announced(surveys, session):
    survey = surveys.draft()
    survey.closes_at = clock.now() + timedelta(days=10)
    session.commit()
    return surveys.opened_draft(survey)


def _state(session, survey):
    session.expire_all()
    return session.get(Survey, survey.id).state


def _closings(session):
    return session.scalars(select(AuditEntry).where(AuditEntry.action == "survey.closed")).all()


def test_the_survey_page_leads_to_a_confirmation_that_explains_closing(client, hq, announced):
    detail = text(client.get(f"/surveys/{announced.id}"))
    assert f'href="/surveys/{announced.id}/close"' in detail
    assert 'name="reason"' not in detail  # no one-click close on the survey's page
    page = text(client.get(f"/surveys/{announced.id}/close"))
    assert "<h1>今すぐ締め切る</h1>" in page
    assert "締め切ったアンケートを再び開くことはできません。" in page
    when = (announced.closes_at + timedelta(hours=9)).date()
    assert f"{when.year}年{when.month}月{when.day}日" in page  # the announced date, in Japan time
    assert "回答はまだ5人未満です。いま締め切ると" in page
    assert "理由はあなたの名前とともに監査ログに記録され" in page
    assert 'name="reason"' in page and "締め切らずに戻る" in page
    assert main_text_problems(page) == []


def test_closing_with_a_reason_closes_and_audits_it(client, hq, announced, session):
    token = csrf_token(client, f"/surveys/{announced.id}/close")
    reason = "報告する会議が前倒しになったため"
    response = client.post(
        f"/surveys/{announced.id}/close",
        data={"csrf_token": token, "reason": reason},
        follow_redirects=True,
    )
    assert response.request.path == f"/surveys/{announced.id}"
    assert "アンケートを締め切りました。これ以降の回答は受け付けません。" in text(response)
    assert _state(session, announced) == State.CLOSED
    (entry,) = _closings(session)
    assert audit.note_of(session, entry) == reason and entry.actor_id == hq.id


def test_no_reason_or_a_short_one_keeps_it_open_and_keeps_what_was_typed(
    client, hq, announced, session
):
    token = csrf_token(client, f"/surveys/{announced.id}/close")
    for reason, message in (
        ("", "告知した日時より前に締め切る理由を入力してください。"),
        ("急ぎ", "5文字以上"),
    ):
        response = client.post(
            f"/surveys/{announced.id}/close", data={"csrf_token": token, "reason": reason}
        )
        assert response.status_code == 400
        page = text(response)
        assert message in page and "締め切ると" in page
        if reason:
            assert f"{reason}</textarea>" in page
    assert _state(session, announced) == State.OPEN and not _closings(session)


def test_only_headquarters_reaches_the_page_and_only_for_an_open_survey(
    client, auth, make, surveys, session
):
    branch = make.branch()
    officer = make.user(role=Role.OFFICER, branch=branch)
    own = surveys.opened(branch=branch)
    auth.login(officer)
    assert client.get(f"/surveys/{own.id}/close").status_code == 403
    token = csrf_token(client, f"/surveys/{own.id}")
    posted = client.post(f"/surveys/{own.id}/close", data={"csrf_token": token, "reason": "x" * 9})
    assert posted.status_code == 403
    assert "/close" not in text(client.get(f"/surveys/{own.id}"))
    assert _state(session, own) == State.OPEN
    auth.logout()
    auth.login(make.user(role=Role.HQ))
    draft = surveys.draft()
    response = client.get(f"/surveys/{draft.id}/close", follow_redirects=True)
    assert "締め切れるのは受付中のアンケートだけです。" in text(response)
    assert client.get("/surveys/99999999999999999999/close").status_code == 404
