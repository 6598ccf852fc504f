"""Managing staff accounts: who may invite whom, role changes, resets."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaign.audit import services as audit
from campaign.audit.models import AuditEntry
from campaign.auth.models import Role, StaffSession, User
from tests.helpers import csrf_token


def _post(client, url, **data):
    data["csrf_token"] = csrf_token(client, url if not url.endswith("/reset") else url[:-6])
    return client.post(url, data=data)


def test_officer_may_not_manage_accounts(client, auth, make):
    officer = make.user()
    auth.login(officer)
    assert client.get("/accounts/").status_code == 403
    assert client.get("/accounts/new").status_code == 403


def test_hq_lists_accounts(client, auth, make):
    officer = make.user()
    auth.login(make.user(role=Role.HQ))
    page = client.get("/accounts/").get_data(as_text=True)
    assert officer.email in page


def test_an_officer_needs_a_branch(client, auth, make, session):
    auth.login(make.user(role=Role.HQ))
    response = _post(
        client,
        "/accounts/new",
        display_name="X",
        email="x@example.org",
        role="officer",
        branch_id="",
    )
    assert response.status_code == 400
    assert "A branch officer must belong to a branch." in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_hq_cannot_create_an_admin(client, auth, make, session):
    auth.login(make.user(role=Role.HQ))
    response = _post(
        client, "/accounts/new", display_name="X", email="x@example.org", role="admin", branch_id=""
    )
    assert response.status_code == 400
    assert "Only an administrator" in response.get_data(as_text=True)


def test_a_duplicate_email_is_refused(client, auth, make):
    existing = make.user()
    auth.login(make.user(role=Role.ADMIN))
    response = _post(
        client,
        "/accounts/new",
        display_name="X",
        email=existing.email.upper(),
        role="hq",
        branch_id="",
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_a_bad_email_is_a_clear_4xx(client, auth, make):
    auth.login(make.user(role=Role.ADMIN))
    response = _post(
        client, "/accounts/new", display_name="X", email="not an address", role="hq", branch_id=""
    )
    assert response.status_code == 400
    assert "Enter an email address in “Email address”." in response.get_data(as_text=True)


def test_role_change_is_audited_with_its_reason_and_logs_the_person_out(
    app, client, auth, make, session
):
    officer = make.user()
    other = app.test_client()
    from tests.helpers import Auth

    Auth(other, auth.clock).login(officer)
    assert other.get("/account").status_code == 200

    auth.login(make.user(role=Role.ADMIN))
    response = _post(
        client,
        f"/accounts/{officer.id}",
        role="hq",
        branch_id="",
        active="y",
        reason="本部書記長に就任",
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, officer.id).role == Role.HQ
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "account.role_changed"))
    assert audit.note_of(session, entry) == "本部書記長に就任" and entry.object_id == str(
        officer.id
    )
    assert session.scalar(select(StaffSession).where(StaffSession.user_id == officer.id)) is None
    assert other.get("/account").status_code == 302


def test_a_change_needs_a_reason(client, auth, make):
    officer = make.user()
    auth.login(make.user(role=Role.ADMIN))
    response = _post(
        client, f"/accounts/{officer.id}", role="hq", branch_id="", active="y", reason=""
    )
    assert response.status_code == 400


def test_hq_cannot_open_an_admin_account(client, auth, make):
    admin = make.user(role=Role.ADMIN)
    auth.login(make.user(role=Role.HQ))
    assert client.get(f"/accounts/{admin.id}").status_code == 404


def test_nobody_demotes_themselves(client, auth, make):
    admin = make.user(role=Role.ADMIN)
    auth.login(admin)
    response = _post(
        client, f"/accounts/{admin.id}", role="hq", branch_id="", active="y", reason="test"
    )
    assert response.status_code == 400
    assert "cannot change your own role" in response.get_data(as_text=True)


def test_reset_clears_the_second_factor_and_issues_a_new_link(client, auth, make, session):
    officer = make.user()
    auth.login(make.user(role=Role.ADMIN))
    token = csrf_token(client, f"/accounts/{officer.id}")
    response = client.post(
        f"/accounts/{officer.id}/reset",
        data={"reset-reason": "端末紛失", "reset-csrf_token": token},
    )
    assert response.status_code == 200
    assert "/setup/" in response.get_data(as_text=True)
    session.expire_all()
    user = session.get(User, officer.id)
    assert user.totp_secret is None and user.password_hash is None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "account.reset"))
    assert audit.note_of(session, entry) == "端末紛失"


def test_a_reset_ends_the_persons_open_sessions(app, client, auth, make, clock):
    """SECURITY.md promise 6: after a reset nobody is still logged in as that person."""
    from tests.helpers import Auth

    officer = make.user()
    theirs = app.test_client()
    Auth(theirs, clock).login(officer)
    assert theirs.get("/account").status_code == 200
    auth.login(make.user(role=Role.ADMIN))
    token = csrf_token(client, f"/accounts/{officer.id}")
    client.post(
        f"/accounts/{officer.id}/reset",
        data={"reset-reason": "端末紛失", "reset-csrf_token": token},
    )
    assert theirs.get("/account").status_code in (302, 401)


def test_two_invitations_of_one_address_at_once_make_one_account(app, make, session):
    """Review R2-18: the second is told the address exists (on PostgreSQL it was a 500 that
    logged the address and name)."""
    import threading
    from datetime import timedelta

    from sqlalchemy import func
    from sqlalchemy.orm import Session

    from campaign.accounts import services

    actor_id = make.user(role=Role.ADMIN).id  # only an administrator gives the HQ role
    engine = app.extensions["naishin.engine"]
    gate = threading.Barrier(4, timeout=60)
    outcomes: list[str] = []

    def one() -> None:
        try:
            attempt()
        except Exception as error:  # reported in the assertion below
            outcomes.append(repr(error))

    def attempt() -> None:
        with app.test_request_context(method="POST"), Session(engine) as db:
            actor = db.get(User, actor_id)
            db.commit()  # no transaction (on SQLite, no write lock) held while waiting
            gate.wait()
            try:
                services.invite(
                    db,
                    actor,
                    email="hanako.yamada@example.jp",
                    display_name="山田花子",
                    role=Role.HQ,
                    branch_id=None,
                    lifetime=timedelta(hours=72),
                )
                db.commit()
                outcomes.append("made")
            except services.AccountError:
                db.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made"] + ["refused"] * 3, outcomes
    count = select(func.count()).select_from(User).where(User.email == "hanako.yamada@example.jp")
    assert session.scalar(count) == 1


def test_the_account_page_labels_each_forms_reason_field_as_its_own(client, auth, make, session):
    """The change form and the reset form each have a reason: distinct ids, so each label, hint
    and required message belongs to its own field (review R4-9)."""
    from tests.screens.pagetext import markup_problems

    officer = make.user()
    auth.login(make.user(role=Role.ADMIN))
    html = client.get(f"/accounts/{officer.id}").get_data(as_text=True)
    assert not markup_problems(html)
    reset = html.split('id="reset-title"')[1]
    assert '<label for="reset-reason">' in reset and 'id="reset-reason"' in reset
    assert 'aria-describedby="reset-reason-hint"' in reset and 'id="reset-reason-hint"' in reset
    assert 'id="reason"' not in reset and 'id="reason"' in html.split('id="reset-title"')[0]
    token = re.search(r'name="reset-csrf_token"[^>]*value="([^"]+)"', reset).group(1)
    response = client.post(
        f"/accounts/{officer.id}/reset", data={"reset-csrf_token": token, "reset-reason": "紛失"}
    )
    assert response.status_code == 200 and "/setup/" in response.get_data(as_text=True)
