"""Branches, and the branch scoping every later feature reuses."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.org.models import Branch
from tests.helpers import csrf_token


def test_an_officer_gets_404_on_another_branch(client, auth, make, session):
    mine, theirs = make.branch(name="港区職員支部"), make.branch(name="大津市職員支部")
    auth.login(make.user(branch=mine))
    assert client.get(f"/branches/{mine.id}").status_code == 200
    foreign = client.get(f"/branches/{theirs.id}")
    assert foreign.status_code == 404
    listing = client.get("/branches/").get_data(as_text=True)
    assert "港区職員支部" in listing and "大津市職員支部" not in listing


def test_hq_sees_every_branch(client, auth, make):
    a, b = make.branch(name="港区職員支部"), make.branch(name="大津市職員支部")
    auth.login(make.user(role=Role.HQ))
    for branch in (a, b):
        assert client.get(f"/branches/{branch.id}").status_code == 200
    listing = client.get("/branches/").get_data(as_text=True)
    assert "港区職員支部" in listing and "大津市職員支部" in listing


def test_each_view_of_a_branch_is_audited_once(client, auth, make, session):
    branch = make.branch()
    auth.login(make.user(role=Role.HQ))
    for _ in range(3):
        client.get(f"/branches/{branch.id}")
    views = session.scalar(
        select(func.count()).where(
            AuditEntry.action == "branch.viewed", AuditEntry.object_id == str(branch.id)
        )
    )
    assert views == 3


def test_hq_creates_a_branch(client, auth, make, session):
    auth.login(make.user(role=Role.HQ))
    response = client.post(
        "/branches/new",
        data={
            "code": "kochi-city",
            "name": "高知市職員支部",
            "prefecture_code": "39",
            "contact": "内線 550",
            "csrf_token": csrf_token(client, "/branches/new"),
        },
    )
    assert response.status_code == 302
    branch = session.scalar(select(Branch).where(Branch.code == "kochi-city"))
    assert branch.prefecture.name_ja == "高知県"


def test_a_bad_branch_code_is_refused_and_nothing_saved(client, auth, make, session):
    auth.login(make.user(role=Role.HQ))
    response = client.post(
        "/branches/new",
        data={
            "code": "高知 市",
            "name": "高知市職員支部",
            "prefecture_code": "39",
            "csrf_token": csrf_token(client, "/branches/new"),
        },
    )
    assert response.status_code == 400
    assert "Use letters, digits, - and _ only." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Branch)) == 0


def test_an_officer_cannot_create_branches(client, auth, make):
    auth.login(make.user())
    assert client.get("/branches/new").status_code == 403


def test_the_47_prefectures_are_shipped(session):
    from campaign.org.models import Prefecture

    prefectures = session.scalars(select(Prefecture).order_by(Prefecture.code)).all()
    assert len(prefectures) == 47
    assert (prefectures[0].code, prefectures[0].name_ja) == ("01", "北海道")
    assert (prefectures[12].code, prefectures[12].name_ja) == ("13", "東京都")
    assert (prefectures[46].code, prefectures[46].name_en) == ("47", "Okinawa")
