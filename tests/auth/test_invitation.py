"""From an invitation to the first login: the setup link, password rules, TOTP enrolment."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import RecoveryCode, Role, User
from tests.helpers import Auth, csrf_token

LINK_RE = re.compile(r'value="https?://[^/"]+(/setup/[^"]+)"')
SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')


def _invite(client, branch_id, email="new.officer@example.org") -> str:
    response = client.post(
        "/accounts/new",
        data={
            "display_name": "新任 役員",
            "email": email,
            "role": "officer",
            "branch_id": str(branch_id),
            "csrf_token": csrf_token(client, "/accounts/new"),
        },
    )
    assert response.status_code == 200
    return LINK_RE.search(response.get_data(as_text=True)).group(1)


def _setup(client, link, clock, password="a long and private passphrase", code=None):
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html  # the QR code, drawn on the server
    secret = SECRET_RE.search(html).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        link,
        data={
            "password": password,
            "confirm": password,
            "code": code or pyotp.TOTP(secret).at(clock.now()),
            "csrf_token": token,
        },
    )
    return response, secret


def test_invitation_to_first_login(app, auth, make, clock, session):
    hq = make.user(role=Role.HQ)
    branch = make.branch(name="大津市職員支部")
    auth.login(hq)
    link = _invite(auth.client, branch.id)
    auth.logout()

    newcomer = app.test_client()
    response, secret = _setup(newcomer, link, clock)
    assert response.status_code == 200
    codes = re.findall(
        r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>",
        response.get_data(as_text=True),
    )
    assert len(codes) == 10
    # Stored hashed: no code appears in the table.
    stored = set(session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & set(codes)

    # The link is spent.
    assert newcomer.get(link).status_code == 404

    user = session.scalar(select(User).where(User.email == "new.officer@example.org"))
    assert user.branch_id == branch.id and user.enrolled
    login = Auth(newcomer, clock).login_with(
        "New.Officer@example.org ", "a long and private passphrase", secret
    )
    assert login.status_code == 302
    assert "大津市職員支部" in newcomer.get("/").get_data(as_text=True)
    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[-3:] == ["logout", "account.setup", "login"]
    assert "account.invited" in actions


def test_setup_refuses_a_short_password_and_keeps_the_link(app, auth, make, clock, session):
    auth.login(make.user(role=Role.HQ))
    link = _invite(auth.client, make.branch().id)
    newcomer = app.test_client()
    response, _ = _setup(newcomer, link, clock, password="too short")
    assert response.status_code == 400
    assert "New password must be between 12 and 128 characters long." in response.get_data(
        as_text=True
    )
    assert newcomer.get(link).status_code == 200  # still usable


def test_setup_refuses_a_wrong_code(app, auth, make, clock):
    auth.login(make.user(role=Role.HQ))
    link = _invite(auth.client, make.branch().id)
    response, _ = _setup(app.test_client(), link, clock, code="999999")
    assert response.status_code == 400
    assert "The code did not match" in response.get_data(as_text=True)


def test_an_invitation_expires_after_72_hours(app, auth, make, clock):
    auth.login(make.user(role=Role.HQ))
    link = _invite(auth.client, make.branch().id)
    clock.advance(hours=72, seconds=1)
    response = app.test_client().get(link)
    assert response.status_code == 404
    assert "72 hours" in response.get_data(as_text=True)


def test_an_unknown_setup_link_is_404(client):
    assert client.get("/setup/not-a-real-token").status_code == 404


def test_setup_refuses_common_and_personal_passwords(app, auth, make, clock, session):
    """Review R2-9: any twelve characters made a password, ``password1234`` or one's own
    address included. The page says why, naming the field, and the link stays usable."""
    auth.login(make.user(role=Role.HQ))
    link = _invite(auth.client, make.branch().id)
    newcomer = app.test_client()
    personal = "The new password must not contain your name or your email"
    for password, says in [
        ("Password1234", "The new password is on the list of the most common passwords"),
        ("new.officer-2026!", personal),
        ("ＯＦＦＩＣＥＲ rules all", personal),  # typed with the input method on
        ("いつも新任役員として頑張っています", personal),
    ]:
        response, _ = _setup(newcomer, link, clock, password=password)
        assert response.status_code == 400, password
        assert says in response.get_data(as_text=True), password
    assert newcomer.get(link).status_code == 200
    assert (
        session.scalar(select(User).where(User.email == "new.officer@example.org")).password_hash
        is None
    )


def test_setup_after_a_reset_applies_the_policy(app, auth, make, clock):
    """A reset leads to the setup page again: the same rules hold there."""
    auth.login(make.user(role=Role.HQ))
    target = make.user()
    response = auth.client.post(
        f"/accounts/{target.id}/reset",
        data={
            "reset-reason": "lost phone",
            "reset-csrf_token": csrf_token(auth.client, f"/accounts/{target.id}"),
        },
    )
    link = LINK_RE.search(response.get_data(as_text=True)).group(1)
    refused, _ = _setup(app.test_client(), link, clock, password="qwertyuiop123")
    assert refused.status_code == 400
    assert "most common passwords" in refused.get_data(as_text=True)
    accepted, _ = _setup(app.test_client(), link, clock)
    assert accepted.status_code == 200


def test_the_policy_speaks_japanese(app, auth, make, clock):
    auth.login(make.user(role=Role.HQ))
    link = _invite(auth.client, make.branch().id)
    japanese = app.test_client()
    japanese.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    response, _ = _setup(japanese, link, clock, password="password1234")
    page = response.get_data(as_text=True)
    assert "新しいパスワードは、よく使われるパスワードの一覧に含まれています" in page
