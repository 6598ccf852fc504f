"""Review R2-9: staff change their own password (the current one first), under the same
policy as at setup; new recovery codes need the current password too."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.auth.models import RecoveryCode, StaffSession
from tests.auth.helpers import change_password, renew_recovery_codes
from tests.factories import PASSWORD
from tests.helpers import Auth, current_code

NEW = "a brand new sentence for the union"
CODE_RE = re.compile(r"<code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code>")


def test_changing_the_password_logs_out_elsewhere_and_renews_this_session(
    app, client, auth, make, clock, session
):
    user = make.user()
    elsewhere = Auth(app.test_client(), clock)
    assert elsewhere.login(user).status_code == 302
    assert auth.login(user).status_code == 302
    before = set(session.scalars(select(StaffSession.token_hash)))
    with client.session_transaction() as cookie:
        old_sid = cookie["sid"]

    response = change_password(client, PASSWORD, NEW)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your password was changed. You were logged out everywhere else." in page
    session.commit()
    after = set(session.scalars(select(StaffSession.token_hash)))
    assert len(after) == 1 and not after & before  # the other browser's session is gone
    with client.session_transaction() as cookie:
        assert cookie["sid"] != old_sid
    assert elsewhere.client.get("/account").status_code == 302  # sent to the login page
    actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("password.changed") == 1

    auth.logout()
    assert auth.login(user).status_code == 401  # the old password is over
    assert auth.login(user, password=NEW).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, auth, make, session):
    user = make.user()
    auth.login(user)
    response = change_password(client, "not my password at all", NEW)
    assert response.status_code == 400
    assert "The current password is not right." in response.get_data(as_text=True)
    auth.logout()
    assert auth.login(user, password=NEW).status_code == 401
    assert auth.login(user).status_code == 302


def test_the_new_password_follows_the_policy(client, auth, make):
    user = make.user(email="hanako.yamada@example.org")
    auth.login(user)
    for new, says in [
        ("short", "New password must be between 12 and 128 characters long."),
        ("password1234", "The new password is on the list of the most common passwords"),
        ("Yamada-for-the-union", "The new password must not contain your name or your email"),
        ("私は職員です、今年も元気", "The new password must not contain your name or your email"),
        (PASSWORD, "The new password must differ from the current one."),
    ]:
        response = change_password(client, PASSWORD, new)
        assert response.status_code == 400, new
        assert says in response.get_data(as_text=True), new
    mismatch = change_password(client, PASSWORD, NEW, confirm=NEW + "!")
    assert "The passwords differ." in mismatch.get_data(as_text=True)


def test_the_form_needs_its_csrf_token(client, auth, make):
    auth.login(make.user())
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW, "confirm": NEW},
    )
    assert response.status_code == 400
    auth.logout()
    # Not changed: the old password still works.


def test_guesses_of_the_current_password_are_throttled_like_logins(client, auth, make, app):
    user = make.user()
    auth.login(user)
    for _ in range(5):
        assert change_password(client, "a guess at the password", NEW).status_code == 400
    # The sixth is refused before any check, even with the right password...
    assert change_password(client, PASSWORD, NEW).status_code == 429
    # ...and it is the account's one count: the login page refuses too.
    auth.logout()
    assert auth.login(user).status_code == 429


def test_new_recovery_codes_need_the_current_password_and_authenticator(
    client, auth, make, session, clock
):
    """Review R2-9 and R3-9: a session left open, or stolen with the password, is not enough
    to take ten lasting second factors."""
    user = make.user()
    auth.login(user)
    clock.advance(seconds=30)  # the login spent the current step
    code = current_code(user.totp_secret, clock)
    count = select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    before = session.scalar(count)
    for current, given in (
        (None, code),
        ("not my password at all", code),
        (PASSWORD, None),
        (PASSWORD, "000000" if code != "000000" else "111111"),
    ):
        response = renew_recovery_codes(client, current, given)
        assert response.status_code == 400, (current, given)
        assert not CODE_RE.search(response.get_data(as_text=True))
    session.commit()
    assert session.scalar(count) == before
    response = renew_recovery_codes(client, PASSWORD, code)
    assert response.status_code == 200
    assert len(CODE_RE.findall(response.get_data(as_text=True))) == 10
    # The code is spent: the same code cannot renew them again.
    again = renew_recovery_codes(client, PASSWORD, code)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_the_account_page_links_to_the_change(client, auth, make):
    auth.login(make.user())
    assert 'href="/account/password"' in client.get("/account").get_data(as_text=True)
