"""Review R4-15: no public request closes a survey (the closing's audit entry would carry a
member's time); it refuses by the date, and ``surveys close-due`` or staff close it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from surveys.models import State, Survey
from tests.surveys.helpers import answer_token, plain_form


def _entries(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_public_request_after_the_closing_moment_refuses_and_closes_nothing(
    app, surveys, session, clock, runner
):
    survey = surveys.opened()
    survey.closes_at = (clock.now() + timedelta(minutes=5)).replace(microsecond=0)
    session.commit()
    member = app.test_client()
    token = answer_token(member, survey.id)  # the page loaded before the closing moment
    clock.advance(minutes=6, seconds=17)
    before = _entries(session)
    late = member.post(f"/surveys/answer/{survey.id}", data={**plain_form(survey), "token": token})
    assert late.status_code == 410
    assert member.get(f"/surveys/answer/{survey.id}").status_code == 410
    assert member.get(f"/surveys/answer/{survey.id}?lang=en").status_code == 410
    assert member.get("/surveys/answer/99999").status_code == 404  # nor a mistyped address
    assert member.get("/surveys/answer/x").status_code == 404
    assert member.post("/petitions/99999", data={}).status_code in (400, 403, 404)
    assert _entries(session) == before  # no audit entry: no member's time anywhere
    assert session.get(Survey, survey.id).state == State.OPEN
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "survey.closed")
        )
        == 0
    )

    result = runner.invoke(args=["surveys", "close-due"])
    assert result.exit_code == 0 and "closed: 1" in result.output, result.output
    session.expire_all()
    assert session.get(Survey, survey.id).state == State.CLOSED
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "survey.closed"))
    assert entry.actor_id is None and entry.reason == "closing date passed"
