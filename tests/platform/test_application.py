"""The app's Flask class and session interface: what they skip, and what they still do."""

from __future__ import annotations

import flask.app
import pytest


def test_each_function_is_asked_about_once_whatever_the_requests(app, client, monkeypatch):
    asked: list = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda f: asked.append(f) or real(f))
    for _ in range(3):
        assert client.get("/login").status_code == 200
    assert asked, "the first request asks"
    assert len(asked) == len(set(map(id, asked)))  # never twice for one function

    def view():
        return "x"

    assert app.ensure_sync(view) is view and app.ensure_sync(view) is view


def test_an_unhashable_callable_is_still_made_sync(app):
    class Unhashable:
        __hash__ = None

        def __call__(self):
            return "called"

    thing = Unhashable()
    assert app.ensure_sync(thing)() == "called"


def test_apps_keep_their_answers_apart(app):
    from campaign import create_app

    def view():
        return "x"

    app.ensure_sync(view)
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"]})
    assert view in app._sync and view not in other._sync


def test_no_cookie_no_signing_work_and_an_empty_session(app, monkeypatch):
    interface = app.session_interface

    def refuse(_app):
        raise AssertionError("the serializer was built for a request without a cookie")

    monkeypatch.setattr(interface, "get_signing_serializer", refuse)
    with app.test_request_context("/"):
        from flask import request

        session = interface.open_session(app, request)
        assert session is not None and dict(session) == {} and not session.modified


def test_a_cookie_is_still_read_and_a_forged_one_is_not(app, client, auth, make):
    from campaign.auth.models import Role

    auth.login(make.user(role=Role.HQ))
    assert client.get("/").status_code == 200 and "Log out" in client.get("/").text
    stranger = app.test_client()
    stranger.set_cookie(app.config["SESSION_COOKIE_NAME"], "forged.value.here")
    assert "Log out" not in stranger.get("/", follow_redirects=True).text


@pytest.mark.parametrize("secret", [None])
def test_without_a_secret_key_there_is_no_session(app, secret, monkeypatch):
    monkeypatch.setattr(app, "secret_key", secret)
    with app.test_request_context("/"):
        from flask import request

        assert app.session_interface.open_session(app, request) is None


def test_the_limiters_hooks_run_where_a_limit_was_checked_and_only_there(app, client, monkeypatch):
    from flask_limiter._extension import LimiterContext

    resets: list[str] = []
    real = LimiterContext.reset
    monkeypatch.setattr(LimiterContext, "reset", lambda self: resets.append("reset") or real(self))
    assert client.get("/petitions/").status_code == 200
    assert resets == []  # no limit looked at this page: nothing to deduct, reset or add
    from tests.helpers import csrf_token

    token = csrf_token(client, "/login")
    client.post("/setup/not-a-token", data={"csrf_token": token, "password": "y"})
    assert resets == ["reset"]  # the throttled set-up form: its state is reset after it


def test_the_set_up_forms_limit_still_refuses_the_thirty_first_post(client):
    from tests.helpers import csrf_token

    token = csrf_token(client, "/login")
    statuses = [
        client.post("/setup/not-a-token", data={"csrf_token": token}).status_code for _ in range(31)
    ]
    assert 429 not in statuses[:30] and statuses[30] == 429


def test_staff_only_hooks_are_skipped_on_cookieless_pages_and_only_there(app, client):
    from campaign.access import staff_only

    called: list[str] = []

    @staff_only
    def staff_hook():
        called.append(flask.request.path)

    def every_hook():
        called.append("every " + flask.request.path)

    app.before_request_funcs[None] += [staff_hook, every_hook]
    client.get("/surveys/answer/1")  # the answer page: cookieless (no such survey: 404)
    client.get("/petitions/")  # the public list of petitions: cookieless too
    client.get("/login")  # public, but not cookieless
    assert called == [
        "every /surveys/answer/1",
        "every /petitions/",
        "/login",
        "every /login",
    ]  # and in their order


def test_the_hooks_that_look_for_staff_are_the_ones_marked(app):
    hooks = {h.__name__: h for h in app.before_request_funcs[None]}
    marked = {name for name, hook in hooks.items() if getattr(hook, "staff_only", False)}
    assert marked == {"csrf_protect", "enforce_login", "_close_due", "_allow_uploads"}
    # What a cookieless page needs still runs there: the origin check, the unlogged flag, the
    # control-character check, and the user loader (which sets no user there).
    assert {"refuse_cross_site_posts", "_flag_request", "reject_control_characters"} <= set(
        hooks
    ) - marked


def test_a_cookieless_view_that_takes_posts_without_a_form_token_stops_the_start(app):
    from campaign.access import cookieless

    @cookieless
    def careless():
        return "stored"

    app.add_url_rule("/careless", "careless", careless, methods=["POST"])
    with pytest.raises(RuntimeError, match="careless"):
        app.check_cookieless_views()
    app.view_functions["careless"].csrf_exempt = True  # what publicforms.public_form sets
    app.check_cookieless_views()
