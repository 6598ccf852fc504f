"""Staff login: password plus TOTP, one message for every failure, throttles, sessions."""

from __future__ import annotations

from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role, StaffSession
from tests.auth.helpers import parallel_logins
from tests.factories import PASSWORD
from tests.helpers import csrf_token, current_code, served

FAILED = "The login details were not accepted"


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_password_and_totp_log_in_and_are_audited(client, auth, make, session):
    user = make.user(role=Role.HQ)
    response = auth.login(user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.display_name in home.get_data(as_text=True)
    assert _actions(session) == ["login"]


def test_wrong_password_and_wrong_totp_give_the_same_answer(client, auth, make, clock, session):
    user = make.user()
    bad_password = auth.login(user, password="not the password at all")
    clock.advance(seconds=30)
    wrong_code = "000000" if current_code(user.totp_secret, clock) != "000000" else "111111"
    bad_code = auth.login(user, code=wrong_code)
    unknown = client.post(
        "/login",
        data={
            "email": "nobody@example.org",
            "password": "whatever password",
            "code": "123456",
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    bodies = [r.get_data(as_text=True) for r in (bad_password, bad_code, unknown)]
    assert {r.status_code for r in (bad_password, bad_code, unknown)} == {401}
    assert all(FAILED in body for body in bodies)
    # Nothing in the page tells which part was wrong.
    for body in bodies:
        assert "password is wrong" not in body.lower()
        assert "no account" not in body.lower()
    assert _actions(session) == ["login.failed"] * 3
    assert client.get("/account").status_code == 302


def test_a_totp_code_is_accepted_once_only(client, auth, make, clock):
    user = make.user()
    clock.advance(seconds=30)
    code = current_code(user.totp_secret, clock)
    assert auth.login(user, code=code).status_code == 302
    auth.logout()
    replay = auth.login(user, code=code)
    assert replay.status_code == 401
    assert FAILED in replay.get_data(as_text=True)


def test_a_recovery_code_replaces_the_totp_once(client, auth, make, app, session):
    from campaign.auth.services import replace_recovery_codes

    user = make.user()
    with app.app_context():
        codes = replace_recovery_codes(session, user)
        session.commit()
    assert auth.login(user, code=codes[0].upper()).status_code == 302
    auth.logout()
    assert auth.login(user, code=codes[0]).status_code == 401
    assert auth.login(user, code=codes[1]).status_code == 302


def test_throttle_per_account_is_not_global(client, auth, make, app):
    victim, colleague = make.user(), make.user()
    for _ in range(5):
        assert auth.login(victim, password="wrong password guess").status_code == 401
    # The sixth try is refused before the password is even checked, right or wrong.
    blocked = auth.login(victim)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another account from the same client is not affected.
    assert auth.login(colleague).status_code == 302


def test_throttle_per_client_counts_across_accounts(app, make, clock):
    users = [make.user() for _ in range(8)]  # four tries each: under the account limit
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "192.0.2.66"
    statuses = []
    for attempt in range(31):
        user = users[attempt % 8]
        token = csrf_token(attacker, "/login")
        statuses.append(
            attacker.post(
                "/login",
                data={
                    "email": user.email,
                    "password": "bad guess " * 2,
                    "code": "123456",
                    "csrf_token": token,
                },
            ).status_code
        )
    assert statuses[-1] == 429
    assert statuses.count(429) >= 1
    # Someone else on another address still gets in.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    clock.advance(seconds=30)
    ok = other.post(
        "/login",
        data={
            "email": users[0].email,
            "password": "correct horse battery staple",
            "code": current_code(users[0].totp_secret, clock),
            "csrf_token": csrf_token(other, "/login"),
        },
    )
    assert ok.status_code == 302


def test_session_id_changes_at_login(client, auth, make, session):
    user = make.user()
    auth.login(user)
    first = set(session.scalars(select(StaffSession.token_hash)))
    with client.session_transaction() as cookie_session:
        first_cookie = dict(cookie_session)
    auth.logout()
    auth.login(user)
    second = set(session.scalars(select(StaffSession.token_hash)))
    with client.session_transaction() as cookie_session:
        second_cookie = dict(cookie_session)
    assert len(first) == len(second) == 1
    assert first != second
    assert first_cookie["sid"] != second_cookie["sid"]


def test_a_pre_login_session_is_not_kept(client, auth, make):
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    auth.login(make.user())
    with client.session_transaction() as after:
        assert "planted" not in after


def test_after_logout_the_old_cookie_no_longer_works(app, client, auth, make, session):
    auth.login(make.user())
    stolen = client.get_cookie("naishin_session", domain="naishin.test").value
    response = auth.logout()
    assert response.status_code == 302
    assert session.scalar(select(StaffSession)) is None
    replay = app.test_client()
    replay.set_cookie("naishin_session", stolen, domain="naishin.test")
    assert replay.get("/account").status_code == 302
    assert replay.get("/account").headers["Location"].startswith("/login")


def test_logout_by_get_is_not_possible(client, auth, make):
    auth.login(make.user())
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_idle_timeout_ends_the_session(client, auth, make, clock, session):
    auth.login(make.user())
    clock.advance(minutes=29)
    assert client.get("/account").status_code == 200
    clock.advance(minutes=29)  # active 29 minutes ago: still fine
    assert client.get("/account").status_code == 200
    clock.advance(minutes=31)
    expired = client.get("/account")
    assert expired.status_code == 302
    assert session.scalar(select(StaffSession)) is None


def test_absolute_timeout_ends_even_an_active_session(client, auth, make, clock):
    auth.login(make.user())
    for _ in range(25):  # twelve and a half hours of steady use
        clock.advance(minutes=30)
        client.get("/account")
    assert client.get("/account").status_code == 302


def test_a_deactivated_account_is_logged_out_and_cannot_log_in(client, auth, make, session):
    user = make.user()
    auth.login(user)
    user.active = False
    session.commit()
    assert client.get("/account").status_code == 302
    assert auth.login(user).status_code == 401


def test_password_hash_is_upgraded_when_parameters_change(app, auth, make, session):
    user = make.user()
    old_hash = user.password_hash
    app.config["ARGON2"] = {"time_cost": 2, "memory_cost": 16, "parallelism": 1}
    app.extensions.pop("naishin.hasher")
    assert auth.login(user).status_code == 302
    session.refresh(user)
    assert user.password_hash != old_hash
    assert "m=16,t=2,p=1" in user.password_hash


def test_login_redirects_only_to_local_pages(client, make, clock):
    user = make.user()
    clock.advance(seconds=30)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/phish",
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "code": current_code(user.totp_secret, clock),
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/"


def test_empty_login_form_is_a_clear_4xx(client):
    response = client.post("/login", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 401
    assert FAILED in response.get_data(as_text=True)


def test_two_logins_racing_with_one_code_let_only_one_in(make, session, clock, database_url):
    """Both requests read the account before either writes: the second must still fail."""
    from sqlalchemy.orm import Session

    from campaign.auth.models import User
    from campaign.auth.services import _second_factor
    from tests.helpers import ON_POSTGRES

    user = make.user()
    clock.advance(seconds=30)
    code = current_code(user.totp_secret, clock)
    first = session.get(User, user.id)  # read by the first request...
    engine = session.get_bind()
    with Session(engine) as other:
        second = other.get(User, user.id)  # ...and by the second, before either writes
        assert _second_factor(other, second, code)
        other.commit()
    if not ON_POSTGRES:
        session.rollback()  # SQLite: the first request starts its write transaction afresh
    assert not _second_factor(session, first, code)


def _race(app, user, code: str, clients: int = 5) -> list[int]:
    """``clients`` browsers log in with the same code, their POSTs released at one moment (as
    many as the account's throttle lets through: more would be refused before any check)."""
    with served(app) as base:
        return parallel_logins([base], user.email, [PASSWORD] * clients, code)


def test_one_recovery_code_opens_one_session_when_logins_race(app, make, session):
    """SECURITY.md promise 6: each recovery code works once, also for logins at the same moment
    (on PostgreSQL two transactions could both find the code before either deleted it)."""
    from campaign.auth.services import replace_recovery_codes

    user = make.user()
    with app.app_context():
        codes = replace_recovery_codes(session, user)
        session.commit()
    statuses = _race(app, user, codes[0])
    assert sorted(statuses) == [302] + [401] * 4, statuses


def test_one_totp_code_opens_one_session_when_logins_race(app, make, clock):
    user = make.user()
    clock.advance(seconds=30)
    statuses = _race(app, user, current_code(user.totp_secret, clock))
    assert sorted(statuses) == [302] + [401] * 4, statuses


def test_codes_typed_with_a_japanese_input_method_are_understood(
    client, auth, make, app, session, clock
):
    """Review R2-8: full-width digits, letters and hyphens (IME on) are the same code."""
    from campaign.auth.services import replace_recovery_codes

    user = make.user()
    clock.advance(seconds=30)
    code = current_code(user.totp_secret, clock)
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert auth.login(user, code=f"{wide[:3]}　{wide[3:]}").status_code == 302
    auth.logout()
    with app.app_context():
        codes = replace_recovery_codes(session, user)
        session.commit()
    wide_code = "".join(chr(ord(c) + 0xFEE0) for c in codes[0].upper())  # ＡＢＣＤ－…
    assert auth.login(user, code=wide_code).status_code == 302


def test_a_form_sent_after_the_session_ended_says_nothing_was_saved_and_leads_back(client):
    """Review R2-22: an expired session answers a POST with what happened, what to do, and a
    login that returns to the form (opened in a new tab, so the typed text stays)."""
    response = client.post(
        "/formal/new",
        data={"subject": "長い前文", "csrf_token": csrf_token(client, "/login")},
        headers={"Referer": "http://naishin.test/formal/new"},
    )
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "was not saved" in page and "copy your text" in page
    assert 'href="/login?next=/formal/new"' in page and 'target="_blank"' in page
