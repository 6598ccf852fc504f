"""campaign/publicforms.py: the toolkit every anonymous public form uses."""

from __future__ import annotations

import pytest
from flask import Blueprint, request

from campaign import publicforms

REDIS_URL = "redis://127.0.0.1:6379/2"


@pytest.fixture
def form_app(app):
    """The app with one public form of a fake feature, registered as a feature would."""
    bp = Blueprint("fakeform", __name__)

    @bp.route("/fake/sign/<int:item>", methods=["GET", "POST"])
    @publicforms.public_form
    def sign(item: int):
        if request.method == "POST":
            publicforms.require_same_origin()
            if not publicforms.verify_token("fake-sign", item, request.form.get("token")):
                return "expired", 400
            if not publicforms.throttle("fake-sign", "2 per minute"):
                return "slow down", 429
            return "signed"
        return publicforms.issue_token("fake-sign", item)

    app.register_blueprint(bp)
    return app


def test_a_public_form_sets_no_cookie_has_the_form_csp_and_needs_no_csrf(form_app, auth, make):
    client = form_app.test_client()
    client.set_cookie("naishin_session", "stale-or-forged")
    client.set_cookie("naishin_lang", "en")
    page = client.get("/fake/sign/7")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert page.headers["Content-Security-Policy"] == publicforms.PUBLIC_FORM_CSP
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    signed = client.post("/fake/sign/7", data={"token": page.text})
    assert signed.status_code == 200, signed.text
    assert "Set-Cookie" not in signed.headers


def test_the_token_is_bound_to_purpose_subject_and_hour(form_app, clock):
    with form_app.test_request_context():
        token = publicforms.issue_token("fake-sign", 7)
        assert publicforms.verify_token("fake-sign", 7, token)
        assert not publicforms.verify_token("fake-sign", 8, token)
        assert not publicforms.verify_token("other", 7, token)
        assert not publicforms.verify_token("fake-sign", 7, "")
        assert not publicforms.verify_token("fake-sign", 7, None)
        tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # a changed last char
        assert not publicforms.verify_token("fake-sign", 7, tampered)
        window, _, mac = token.partition(".")
        superscript = window[:-1] + "²" + "." + mac  # isdigit() says yes, int() says no
        assert not publicforms.verify_token("fake-sign", 7, superscript)
        clock.advance(hours=1)
        assert publicforms.verify_token("fake-sign", 7, token)  # the next hour still takes it
        clock.advance(hours=1)
        assert not publicforms.verify_token("fake-sign", 7, token)


def test_a_post_from_another_site_is_refused(form_app):
    client = form_app.test_client()
    token = client.get("/fake/sign/1").text
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/fake/sign/1", data={"token": token}, headers=headers)
        assert response.status_code == 403
    for headers in ({"Origin": "null"}, {"Origin": "http://naishin.test"}, {}):
        response = client.post("/fake/sign/1", data={"token": token}, headers=headers)
        assert response.status_code in (200, 429)


def test_the_memory_throttle_keeps_no_address(form_app):
    client = form_app.test_client()
    token = client.get("/fake/sign/1").text
    codes = [
        client.post(
            "/fake/sign/1", data={"token": token}, environ_base={"REMOTE_ADDR": "198.51.100.23"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    other = client.post(
        "/fake/sign/1", data={"token": token}, environ_base={"REMOTE_ADDR": "198.51.100.24"}
    )
    assert other.status_code == 200  # the limit is per client, not global
    store = form_app.extensions["publicforms.throttle"]
    assert isinstance(store, publicforms.MemoryThrottle)
    assert "198.51.100" not in repr(vars(store))


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def test_the_redis_throttle_is_shared_and_stores_only_expiring_tags(form_app):
    redis = _redis()
    for key in redis.scan_iter("naishin:pf:fake-sign:*"):
        redis.delete(key)
    form_app.config["REDIS_URL"] = REDIS_URL
    form_app.extensions.pop("publicforms.throttle", None)
    form_app.extensions.pop("publicforms.tag_key", None)
    client = form_app.test_client()
    token = client.get("/fake/sign/1").text
    address = {"REMOTE_ADDR": "203.0.113.77"}
    assert (
        client.post("/fake/sign/1", data={"token": token}, environ_base=address).status_code == 200
    )
    # A second worker: a store of its own, the same Redis, the same count.
    form_app.extensions.pop("publicforms.throttle")
    assert (
        client.post("/fake/sign/1", data={"token": token}, environ_base=address).status_code == 200
    )
    assert (
        client.post("/fake/sign/1", data={"token": token}, environ_base=address).status_code == 429
    )
    keys = list(redis.scan_iter("naishin:pf:fake-sign:*"))
    assert len(keys) == 1
    assert b"203.0.113" not in keys[0]
    assert b"203.0.113" not in (redis.get(keys[0]) or b"")
    assert 0 < redis.ttl(keys[0]) <= 65
    redis.delete(*keys)


def test_the_registry_of_unlogged_requests(form_app):
    client = form_app.test_client()
    seen = {}

    def spy(environ, start_response):
        seen["environ"] = environ
        return wsgi(environ, start_response)

    wsgi = form_app.wsgi_app
    form_app.wsgi_app = spy
    client.get("/fake/sign/3")
    assert publicforms.is_unlogged(seen["environ"])  # flagged by the endpoint
    client.get("/login")
    assert not publicforms.is_unlogged(seen["environ"])
    # Paths under a registered prefix, even ones that match no route, and registered static files.
    assert publicforms.is_unlogged({"PATH_INFO": "/surveys/answer/99999999999999999999"})
    assert publicforms.is_unlogged({"PATH_INFO": "/static/css/site.css"})
    assert not publicforms.is_unlogged({"PATH_INFO": "/static/cases/cases.css"})


def test_the_gunicorn_logger_leaves_out_unlogged_requests(monkeypatch):
    from campaign import gunicorn_conf

    written = []
    monkeypatch.setattr(
        gunicorn_conf.Logger, "access", lambda self, resp, req, environ, t: written.append(environ)
    )
    logger = gunicorn_conf.RespondentSafeLogger.__new__(gunicorn_conf.RespondentSafeLogger)
    logger.access(None, None, {"PATH_INFO": "/surveys/answer/1"}, 0)
    logger.access(None, None, {"PATH_INFO": "/x", publicforms.ENVIRON_FLAG: True}, 0)
    logger.access(None, None, {"PATH_INFO": "/login"}, 0)
    assert [e["PATH_INFO"] for e in written] == ["/login"]


def test_the_language_of_a_cookieless_page_travels_in_the_address(form_app):
    client = form_app.test_client()
    client.set_cookie("naishin_lang", "en")
    with form_app.test_request_context("/fake/sign/1?lang=en"):
        form_app.preprocess_request()
        assert publicforms.locale_url("ja").endswith("/fake/sign/1?lang=ja")
