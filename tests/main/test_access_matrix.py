"""Every route, every role: the expected status, built from the app's URL map.

Adding a route without adding it here fails this test, so that nobody forgets to decide who may
reach it.
"""

from __future__ import annotations

import pytest

from campaign.auth.models import Role

# endpoint -> (anonymous, officer, hq) for a GET. An officer is given another branch's ids.
EXPECTED = {
    "static": (200, 200, 200),
    "main.home": (302, 200, 200),
    "main.switch_language": (302, 302, 302),
    "main.health": (200, 200, 200),
    "auth.login": (200, 302, 302),
    "auth.logout": (405, 405, 405),
    "auth.setup": (404, 404, 404),
    "auth.account": (302, 200, 200),
    "accounts.index": (302, 403, 200),
    "accounts.invite": (302, 403, 200),
    "accounts.edit": (302, 403, 200),
    "accounts.reset": (405, 405, 405),
    "org.index": (302, 200, 200),
    "org.create": (302, 403, 200),
    "org.detail": (302, 404, 200),
    "audit.index": (302, 403, 200),
}
# endpoint -> (anonymous, officer, hq) for a POST with a valid CSRF token and no data.
EXPECTED_POST = {
    "auth.login": (401, 302, 302),
    "auth.logout": (401, 302, 302),
    "auth.setup": (404, 404, 404),
    "auth.account": (401, 200, 200),
    "accounts.invite": (401, 403, 400),
    "accounts.edit": (401, 403, 400),
    "accounts.reset": (401, 403, 302),
    "org.create": (401, 403, 400),
}


@pytest.fixture
def world(make):
    """Two branches, an officer of the first, an HQ member, and an officer account to edit."""
    own, foreign = make.branch(), make.branch()
    officer = make.user(branch=own)
    hq = make.user(role=Role.HQ)
    target = make.user(branch=foreign)
    return {"officer": officer, "hq": hq, "foreign": foreign, "target": target}


def _url(app, rule, world) -> str:
    values = {
        "filename": "css/site.css",
        "code": "en",
        "token": "no-such-token",
        "branch_id": world["foreign"].id,
        "user_id": world["target"].id,
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def _rules(app, method):
    return [r for r in app.url_map.iter_rules() if method in r.methods]


def test_every_route_has_an_expectation(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "add the new route to EXPECTED with a status per role"
    posts = {r.endpoint for r in _rules(app, "POST")}
    assert posts == set(EXPECTED_POST), "add the new POST route to EXPECTED_POST"


@pytest.mark.parametrize("who", ["anonymous", "officer", "hq"])
def test_get_matrix(app, auth, world, who):
    if who != "anonymous":
        auth.login(world[who])
    column = ("anonymous", "officer", "hq").index(who)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            status = auth.client.get(_url(app, rule, world)).status_code
            assert status == 405, rule.endpoint
            continue
        status = auth.client.get(_url(app, rule, world)).status_code
        assert status == EXPECTED[rule.endpoint][column], (rule.endpoint, who, status)


@pytest.mark.parametrize("who", ["anonymous", "officer", "hq"])
def test_post_matrix(app, auth, world, who):
    from tests.conftest import csrf_token

    column = ("anonymous", "officer", "hq").index(who)
    for rule in _rules(app, "POST"):
        client = app.test_client()
        from tests.conftest import Auth

        if who != "anonymous":
            Auth(client, auth.clock).login(world[who])
        token = csrf_token(client, "/login" if who == "anonymous" else "/account")
        status = client.post(_url(app, rule, world), data={"csrf_token": token}).status_code
        assert status == EXPECTED_POST[rule.endpoint][column], (rule.endpoint, who, status)
