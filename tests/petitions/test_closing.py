"""After a petition's last day: no public page closes it (review R4-16: a public GET wrote the
close and answered 500; R4-15: the closing's audit entry carried a member's request time).
They refuse by the date and show it closed; ``petitions close-due`` (cron) and staff pages
close it, audited as the system."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.petitions import services
from campaign.petitions.models import Petition, Signature, State

ADDRESS = "東京都千代田区霞が関2-1-2"


def _audit_entries(session) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(AuditEntry))


def _state(session, petition_id: int) -> State:
    session.commit()
    return session.scalar(select(Petition.state).where(Petition.id == petition_id))


def test_every_public_page_a_day_after_the_close_answers_and_writes_nothing(
    app, client, petitions, session, clock
):
    from campaign import publicforms

    petition = petitions.opened(closes_on=services.today())
    waiting = petitions.sign(petition, "山田太郎", ADDRESS, email="taro@example.org")
    petitions.sign(petition, "鈴木花子", "東京都港区芝公園4-2-8")
    clock.advance(days=1)
    entries = _audit_entries(session)
    pages = (f"/petitions/{petition.id}", f"/petitions/{petition.id}?lang=en")
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "This petition is closed." in text and 'name="token"' not in text
    assert f"/petitions/{petition.id}" not in client.get("/petitions/").get_data(as_text=True)
    assert client.get("/").status_code == 200
    link = client.get(f"/petitions/signature?token={waiting.token}")
    assert link.status_code == 200
    assert "Confirm my signature" not in link.get_data(as_text=True)
    with app.test_request_context():
        token = publicforms.issue_token("petition-sign", petition.id)
        form_token = publicforms.issue_token("petition-link", "link")
    sign = {"name": "佐藤一郎", "address": ADDRESS, "token": token}
    assert client.post(f"/petitions/{petition.id}", data=sign).status_code == 410
    confirm = {"token": waiting.token, "form_token": form_token, "action": "confirm"}
    response = client.post("/petitions/signature", data=confirm)
    assert response.status_code == 410
    assert "can no longer be confirmed" in response.get_data(as_text=True)
    # Nothing closed it, nothing was audited, nothing was signed.
    assert _state(session, petition.id) == State.OPEN
    assert _audit_entries(session) == entries
    assert session.scalar(select(func.count()).select_from(Signature)) == 2
    # Withdrawing stays possible (the signer's own row goes), and closes nothing either.
    withdraw = {"token": waiting.token, "form_token": form_token, "action": "withdraw"}
    assert client.post("/petitions/signature", data=withdraw).status_code == 200
    assert _state(session, petition.id) == State.OPEN
    assert _audit_entries(session) == entries


def test_close_due_closes_as_the_system_at_the_commands_time(runner, petitions, session, clock):
    due = petitions.opened(closes_on=services.today()).id
    later = petitions.opened(closes_on=services.today() + timedelta(days=5)).id
    clock.advance(days=1, hours=3)
    session.close()
    result = runner.invoke(args=["petitions", "close-due"])
    assert result.exit_code == 0, result.output
    assert f"Petition {due}: closed." in result.output and "closed: 1" in result.output
    closed = session.get(Petition, due)
    assert closed.state == State.CLOSED and closed.closed_on == closed.closes_on
    assert session.get(Petition, later).state == State.OPEN
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "petition.closed")).one()
    assert entry.actor_id is None and entry.reason == "closing date passed"
    assert entry.at == clock.now()  # the command's run, no member's request
    again = runner.invoke(args=["petitions", "close-due"])
    assert again.exit_code == 0 and "closed: 0" in again.output


def test_a_staff_page_closes_a_due_petition_as_the_system(auth, make, petitions, session, clock):
    petition = petitions.opened(closes_on=services.today())
    clock.advance(days=1)
    auth.login(make.user(role=Role.OFFICER, branch=make.branch()))
    assert auth.client.get("/petitions/manage/").status_code == 200
    assert _state(session, petition.id) == State.CLOSED
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "petition.closed")).one()
    assert entry.actor_id is None  # the system, not the officer who happened to look


def test_headquarters_closing_early_is_theirs(auth, make, petitions, session):
    from tests.helpers import csrf_token

    petition = petitions.opened()
    hq = make.user(role=Role.HQ)
    auth.login(hq)
    url = f"/petitions/manage/{petition.id}"
    data = {"csrf_token": csrf_token(auth.client, url)}
    assert auth.client.post(f"{url}/close", data=data).status_code == 302
    assert _state(session, petition.id) == State.CLOSED
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "petition.closed")).one()
    assert entry.actor_id == hq.id and entry.reason is None
