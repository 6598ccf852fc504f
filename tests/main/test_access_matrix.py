"""Every route, every role: the expected status, built from the app's URL map.

Adding a route without an expectation fails this test, so that nobody forgets to decide who may
reach it. Each feature keeps its expectations beside its tests, in ``tests/<feature>/routes.py``:
``EXPECTED`` and ``EXPECTED_POST`` (same shape as below) and, when its URLs take arguments,
``arrange(make, world) -> dict`` that creates the records (the officer's *foreign* branch is
``world["foreign"]``) and returns the URL argument values.
"""

from __future__ import annotations

import pytest

from tests.main.helpers import EXPECTED, EXPECTED_POST
from tests.main.helpers import url_for_rule as _url


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
    from tests.helpers import csrf_token

    column = ("anonymous", "officer", "hq").index(who)
    for rule in _rules(app, "POST"):
        client = app.test_client()
        from tests.helpers import Auth

        if who != "anonymous":
            Auth(client, auth.clock).login(world[who])
        token = csrf_token(client, "/login" if who == "anonymous" else "/account")
        status = client.post(_url(app, rule, world), data={"csrf_token": token}).status_code
        assert status == EXPECTED_POST[rule.endpoint][column], (rule.endpoint, who, status)
