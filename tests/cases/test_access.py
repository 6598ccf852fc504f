"""Who sees what: an officer sees only their branch's cases; headquarters sees all.

The same expectations feed the app-wide route matrix (tests/main); this runs them on their own.
"""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from tests.cases.factories import CaseFactory
from tests.cases.helpers import audit_count
from tests.cases.routes import EXPECTED, EXPECTED_POST, arrange
from tests.helpers import Auth, csrf_token


@pytest.fixture
def world(make):
    own, foreign = make.branch(), make.branch(prefecture="25")
    world = {
        "own": own,
        "foreign": foreign,
        "officer": make.user(branch=own),
        "hq": make.user(role=Role.HQ),
    }
    world["values"] = arrange(make, world)
    return world


def _url(app, endpoint, values):
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{k: values[k] for k in rule.arguments})


@pytest.mark.parametrize("who", ["anonymous", "officer", "hq"])
def test_get_and_post_matrix(app, clock, world, who):
    column = ("anonymous", "officer", "hq").index(who)
    client = app.test_client()
    if who != "anonymous":
        Auth(client, clock).login(world[who])
    for endpoint, expected in EXPECTED.items():
        status = client.get(_url(app, endpoint, world["values"])).status_code
        assert status == expected[column], (endpoint, who, status)
    for endpoint, expected in EXPECTED_POST.items():
        fresh = app.test_client()
        if who != "anonymous":
            Auth(fresh, clock).login(world[who])
        token = csrf_token(fresh, "/login" if who == "anonymous" else "/account")
        url = _url(app, endpoint, world["values"])
        status = fresh.post(url, data={"csrf_token": token}).status_code
        assert status == expected[column], (endpoint, who, status)


def test_officer_gets_404_on_another_branch_and_hq_sees_both(app, auth, make, session):
    branch_a, branch_b = make.branch(), make.branch(prefecture="25")
    officer_a = make.user(branch=branch_a)
    hq = make.user(role=Role.HQ)
    own = CaseFactory(session).case(branch_a, title="A支部の事例")
    foreign = CaseFactory(session).case(branch_b, title="B支部の事例")
    values = arrange(make, {"foreign": branch_b})

    auth.login(officer_a)
    assert auth.client.get(f"/cases/{own.id}").status_code == 200
    assert auth.client.get(f"/cases/{foreign.id}").status_code == 404
    assert auth.client.get(f"/cases/{foreign.id}/edit").status_code == 404
    url = f"/cases/{values['case_id']}/attachments/{values['attachment_id']}"
    assert auth.client.get(url).status_code == 404
    listing = auth.client.get("/cases/").get_data(as_text=True)
    assert "A支部の事例" in listing and "B支部の事例" not in listing
    export = auth.client.get("/cases/export.csv").get_data().decode("utf-8-sig")
    assert str(own.id) in export.split("\r\n")[1].split(",")[0]
    assert len([line for line in export.split("\r\n") if line]) == 2  # header + own case
    assert audit_count(session, "case.viewed", foreign.id) == 0
    assert audit_count(session, "case_attachment.downloaded") == 0
    auth.logout()

    auth.login(hq)
    assert auth.client.get(f"/cases/{own.id}").status_code == 200
    assert auth.client.get(f"/cases/{foreign.id}").status_code == 200
    assert auth.client.get(url).status_code == 200
    listing = auth.client.get("/cases/").get_data(as_text=True)
    assert "A支部の事例" in listing and "B支部の事例" in listing


def test_an_officer_cannot_move_a_case_past_reported(auth, make, session):
    branch = make.branch()
    officer = make.user(branch=branch)
    case = CaseFactory(session).case(branch, state="reported")
    auth.login(officer)
    token = csrf_token(auth.client, f"/cases/{case.id}")
    response = auth.client.post(
        f"/cases/{case.id}/comments", data={"csrf_token": token, "to_state": "resolved"}
    )
    assert response.status_code == 400
    assert "This change of state is not allowed." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(case), case.id).state == "reported"
