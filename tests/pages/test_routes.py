"""The route matrix for this feature alone (the shared one runs every feature's)."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.helpers import Auth, csrf_token
from tests.pages.routes import EXPECTED, EXPECTED_POST, arrange


@pytest.fixture
def values(make):
    return arrange(make, {})


def _urls(app, values, method):
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("pages.") and method in rule.methods:
                args = {k: values[k] for k in rule.arguments}
                yield rule.endpoint, url_for(rule.endpoint, **args)


def test_every_pages_route_has_an_expectation(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("pages.")}
    assert endpoints == set(EXPECTED)


@pytest.mark.parametrize("who", ["anonymous", "officer", "hq"])
def test_get_and_post_matrix(app, clock, values, officer, hq, who):
    column = ("anonymous", "officer", "hq").index(who)
    users = {"officer": officer, "hq": hq}
    client = app.test_client()
    if who != "anonymous":
        Auth(client, clock).login(users[who])
    for endpoint, url in _urls(app, values, "GET"):
        assert client.get(url).status_code == EXPECTED[endpoint][column], (endpoint, who)
    for endpoint, url in _urls(app, values, "POST"):
        token = csrf_token(client, "/login" if who == "anonymous" else "/account")
        status = client.post(url, data={"csrf_token": token}).status_code
        assert status == EXPECTED_POST[endpoint][column], (endpoint, who, status)
