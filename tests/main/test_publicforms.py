"""campaign/publicforms.py: the toolkit every anonymous public form uses."""

from __future__ import annotations

import pytest
from flask import Blueprint, request

from campaign import publicforms

REDIS_URL = "redis://127.0.0.1:6379/13"  # this line of work's own database: flushed


@pytest.fixture
def form_app(app):
    """The app with one public form of a fake feature, registered as a feature would."""
    return _with_form(app)


def _with_form(app):
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
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        # Origin null: a sandboxed frame, a data: page, a post redirected from another site
        # (review R3-16). Only a browser's same-origin verdict lets it through.
        {"Origin": "null"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "none"},
        {"Origin": "http://naishin.test", "Sec-Fetch-Site": "cross-site"},
    ):
        response = client.post("/fake/sign/1", data={"token": token}, headers=headers)
        assert response.status_code == 403, headers
        assert "sent from a page of this site" in response.text
    for headers in (
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # Referrer-Policy: no-referrer
        {"Origin": "http://naishin.test"},
        {"Sec-Fetch-Site": "none"},
        {},
    ):
        response = client.post("/fake/sign/1", data={"token": token}, headers=headers)
        assert response.status_code in (200, 429), headers


def test_the_origin_rule(app):
    """same_origin() alone, header by header (campaign/security.py explains each case)."""
    cases = {
        (None, None): True,
        (None, "same-origin"): True,
        (None, "none"): True,
        (None, "same-site"): False,
        (None, "cross-site"): False,
        ("http://naishin.test", None): True,
        ("http://naishin.test", "same-origin"): True,
        ("http://naishin.test", "cross-site"): False,
        ("http://naishin.test:8080", None): False,
        ("https://naishin.test", None): False,
        ("http://evil.example", None): False,
        ("null", None): False,
        ("null", "same-origin"): True,
        ("null", "none"): False,
        ("null", "same-site"): False,
        ("null", "cross-site"): False,
        ("NULL", "same-origin"): False,
        ("", None): False,
    }
    for (origin, site), expected in cases.items():
        headers = {k: v for k, v in (("Origin", origin), ("Sec-Fetch-Site", site)) if v is not None}
        with app.test_request_context("/", method="POST", headers=headers):
            assert publicforms.same_origin() is expected, (origin, site)


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
    client.flushdb()  # database 13 only
    return client


def _on_redis(app):
    app.config["REDIS_URL"] = REDIS_URL
    app.extensions.pop("publicforms.throttle", None)
    return app


def _not_near_a_window_end(length: int) -> None:
    """Wait for the next window when this one ends within 6 s (the test's hits share one)."""
    import time

    left = length - time.time() % length
    if left < 6:
        time.sleep(left + 0.05)


def test_the_redis_throttle_is_shared_and_stores_only_expiring_tags(form_app, database_url):
    from campaign import create_app
    from campaign.config import ARGON2_TESTING

    redis = _redis()
    _not_near_a_window_end(60)
    _on_redis(form_app)
    client = form_app.test_client()
    token = client.get("/fake/sign/1").text
    address = {"REMOTE_ADDR": "203.0.113.77"}
    assert (
        client.post("/fake/sign/1", data={"token": token}, environ_base=address).status_code == 200
    )
    # A second app server (another process, even another secret key): the same Redis, the
    # same window's tag key, the same count.
    other = _on_redis(
        _with_form(
            create_app(
                {
                    "TESTING": True,
                    "DATABASE_URL": database_url,
                    "ARGON2": dict(ARGON2_TESTING),
                    "SECRET_KEY": "another-server-" + "x" * 40,
                    "SERVER_NAME": "naishin.test",
                }
            )
        )
    )
    second = other.test_client()
    assert second.get("/fake/sign/1").status_code == 200
    with other.test_request_context():
        other_token = publicforms.issue_token("fake-sign", 1)
    posted = second.post("/fake/sign/1", data={"token": other_token}, environ_base=address)
    assert posted.status_code == 200
    assert (
        client.post("/fake/sign/1", data={"token": token}, environ_base=address).status_code == 429
    )
    other.extensions["naishin.engine"].dispose()
    keys = [key for key in redis.scan_iter("*") if b":key:" not in key]
    assert len(keys) == 1 and keys[0].startswith(b"naishin:pf:fake-sign:")
    assert b"203.0.113" not in keys[0]
    assert b"203.0.113" not in (redis.get(keys[0]) or b"")
    assert 0 < redis.ttl(keys[0]) <= 65
    redis.flushdb()


def test_every_redis_key_of_a_window_expires_at_its_end_whenever_it_was_hit(form_app):
    """Review R4-8: the TTL was refreshed per hit (the TTL was the last hit's time) and the tag
    was the address under a key derived from the secret key (the address came back)."""
    import time

    redis = _redis()
    length = 60
    _not_near_a_window_end(length)
    _on_redis(form_app)
    client = form_app.test_client()
    token = client.get("/fake/sign/1").text
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    window = int(time.time()) // length
    for address in addresses:  # one hit each, at different moments
        posted = client.post(
            "/fake/sign/1", data={"token": token}, environ_base={"REMOTE_ADDR": address}
        )
        assert posted.status_code == 200
        time.sleep(1.1)
    posted = client.post(
        "/fake/sign/1", data={"token": token}, environ_base={"REMOTE_ADDR": addresses[0]}
    )
    assert posted.status_code == 200  # a later hit of the first client refreshes nothing
    keys = list(redis.scan_iter("*"))
    assert all(key.startswith(b"naishin:pf:fake-sign:") for key in keys)
    assert len(keys) == 4  # three tags and the window's tag key
    pipe = redis.pipeline()
    for key in keys:
        pipe.pttl(key)
    now_ms = time.time() * 1000
    pttls = pipe.execute()
    end_ms = publicforms.window_end(window, length) * 1000
    assert max(pttls) - min(pttls) <= 5, pttls  # one moment for all, unrelated to the hits
    assert all(abs(end_ms - now_ms - pttl) < 50 for pttl in pttls), (end_ms - now_ms, pttls)

    # The tag is no longer the old keyed hash of the address under the secret key.
    derived = publicforms.derive_key(form_app.config["SECRET_KEY"], "throttle-tag")
    names = {key.decode().rpartition(":")[2] for key in keys}
    for address in addresses:
        assert publicforms.client_tag("fake-sign", window, address, derived) not in names
    (tag_key,) = [key for key in keys if b":key:" in key]
    secret = redis.get(tag_key)
    assert len(secret) == 32 and secret != derived[:32]
    # With the window's key (there while the window lasts, live) the tags do come back:
    assert {publicforms.client_tag("fake-sign", window, a, secret) for a in addresses} <= names
    # Over the limit ("2 per minute") it still refuses.
    posted = client.post(
        "/fake/sign/1", data={"token": token}, environ_base={"REMOTE_ADDR": addresses[0]}
    )
    assert posted.status_code == 429
    redis.flushdb()


def test_the_memory_throttle_forgets_its_key_and_counts_when_the_window_ends(monkeypatch):
    monkeypatch.setattr(publicforms.time, "time", lambda: 10 * 60 + 30.0)
    store = publicforms.MemoryThrottle()
    assert store.count("s", "192.0.2.1", 10, 60) == 1
    assert store.count("s", "192.0.2.1", 10, 60) == 2
    first_key = store.keys["s"]
    derived = publicforms.derive_key("x" * 40, "throttle-tag")
    assert first_key != derived
    monkeypatch.setattr(publicforms.time, "time", lambda: 11 * 60 + 1.0)
    assert store.count("other", "192.0.2.1", 11, 60) == 1
    assert "s" not in store.keys and "s" not in store.counts  # gone at the next hit of any scope
    assert store.count("s", "192.0.2.1", 11, 60) == 1
    assert store.keys["s"] != first_key


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
