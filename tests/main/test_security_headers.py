"""SECURITY.md promise 8: headers, cookies and CSRF on every route."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from tests.helpers import csrf_token
from tests.main.helpers import url_for_rule as _url


def _check(response, endpoint, logged_in=False):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, endpoint
    assert "frame-ancestors 'none'" in csp, endpoint
    assert "default-src 'self'" in csp, endpoint
    assert headers["Referrer-Policy"] == "no-referrer", endpoint
    assert headers["X-Content-Type-Options"] == "nosniff", endpoint
    if endpoint != "static":
        cache = headers["Cache-Control"]
        if not logged_in and cache.startswith("public, max-age="):
            # A @public view may opt into caching for anonymous visitors (campaign/security.py);
            # it must then be revalidatable and vary on what changes the page.
            assert "ETag" in headers or "Last-Modified" in headers, endpoint
            assert "Cookie" in headers["Vary"], endpoint
        else:
            assert cache == "no-store", endpoint


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_route_sends_the_security_headers(app, auth, world, logged_in):
    if logged_in:
        auth.login(world["hq"])
    for rule in app.url_map.iter_rules():
        method = "get" if "GET" in rule.methods else "post"
        response = getattr(auth.client, method)(_url(app, rule, world))
        _check(response, rule.endpoint, logged_in)
    _check(auth.client.get("/no-such-page"), "404")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://naishin.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(client, auth, make):
    auth.login(make.user())
    cookie = client.get_cookie("naishin_session", domain="naishin.test")
    assert cookie.http_only
    assert cookie.same_site == "Strict"
    assert not cookie.secure  # plain HTTP in this test


def test_session_cookie_is_secure_over_https(app, make, clock):
    client = app.test_client()
    response = client.get("/login", base_url="https://naishin.test")
    set_cookie = response.headers["Set-Cookie"]
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie


def test_a_post_without_csrf_token_is_refused(client, auth, make, session):
    user = make.user()
    auth.login(make.user(role=Role.HQ))
    response = client.post(
        "/accounts/new",
        data={"display_name": "X", "email": "x@example.org", "role": "hq", "branch_id": ""},
    )
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    # Nor can the login form be posted from elsewhere.
    anonymous = client.application.test_client()
    refused = anonymous.post("/login", data={"email": user.email, "password": "x", "code": "1"})
    assert refused.status_code == 400


def test_a_token_from_another_session_is_refused(app, client, auth, make):
    auth.login(make.user(role=Role.HQ))
    other = app.test_client()
    foreign_token = csrf_token(other, "/login")
    response = client.post(
        "/accounts/new",
        data={
            "display_name": "X",
            "email": "x@example.org",
            "role": "hq",
            "branch_id": "",
            "csrf_token": foreign_token,
        },
    )
    assert response.status_code == 400


def test_no_inline_script_in_any_template():
    from pathlib import Path

    for template in Path("templates").rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        assert "<script>" not in html and " onclick=" not in html, template
        assert "style=" not in html, template


# Headers a browser sends with a page's own form post: every page has Referrer-Policy:
# no-referrer, so no Referer and Origin: null (Fetch, "append a request Origin header").
BROWSER_POST = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}


def _login_over_https(client, user, clock, headers):
    from tests import factories
    from tests.helpers import CSRF_RE, current_code

    page = client.get("/login", base_url="https://naishin.test")
    clock.advance(seconds=30)
    data = {
        "email": user.email,
        "password": factories.PASSWORD,
        "code": current_code(user.totp_secret, clock),
        "csrf_token": CSRF_RE.search(page.get_data(as_text=True)).group(1),
    }
    return client.post("/login", base_url="https://naishin.test", data=data, headers=headers)


def test_a_staff_login_over_https_needs_no_referer(app, make, clock):
    """Flask-WTF's HTTPS check wanted a Referer, which no-referrer never lets a browser send:
    every staff post over HTTPS, the login first, was refused."""
    client = app.test_client()
    user = make.user(role=Role.HQ)
    response = _login_over_https(client, user, clock, BROWSER_POST)
    assert response.status_code == 302, response.get_data(as_text=True)
    home = client.get("/", base_url="https://naishin.test")
    assert user.display_name in home.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null"},  # a sandboxed frame, or a browser that cannot tell (review R3-16)
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_staff_post_from_elsewhere_is_refused_even_with_a_good_token(
    app, make, clock, session, headers
):
    from sqlalchemy import func, select

    from campaign.auth.models import User

    client = app.test_client()
    admin = make.user(role=Role.ADMIN)
    assert _login_over_https(client, admin, clock, BROWSER_POST).status_code == 302
    token = csrf_token(client, "https://naishin.test/accounts/new")
    before = session.scalar(select(func.count()).select_from(User))
    data = {"display_name": "X", "email": "x@example.org", "role": "hq", "csrf_token": token}
    response = client.post(
        "/accounts/new", base_url="https://naishin.test", data=data, headers=headers
    )
    assert response.status_code == 403
    assert "could not be confirmed as sent from a page of this site" in response.get_data(
        as_text=True
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == before
    # The same post from the page itself goes through.
    response = client.post(
        "/accounts/new", base_url="https://naishin.test", data=data, headers=BROWSER_POST
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == before + 1
