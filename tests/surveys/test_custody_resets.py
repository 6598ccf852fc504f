"""One person must not gather the key shares of several custodians (review R3-13): a reset
would hand a waiting share to whoever sets the account up again, and whoever invited or reset a
custodian held their setup link. Headquarters manages officers only, so no headquarters account
is anyone else's puppet (the four-eyes rule of requests relies on that too)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.auth.models import Role, User
from surveys.models import PendingShare, State
from tests.auth.test_invitation import LINK_RE, _setup
from tests.helpers import csrf_token
from tests.surveys.test_custody import _as, _collect, _open


def _reset(client, user_id: int):
    token = csrf_token(client, f"/accounts/{user_id}")
    return client.post(
        f"/accounts/{user_id}/reset",
        data={"reset-csrf_token": token, "reset-reason": "端末を紛失したため"},
        follow_redirects=True,
    )


def test_a_custodian_whose_share_waits_cannot_be_reset(
    app, client, auth, make, surveys, session, clock
):
    holders = [make.user(), make.user()]
    survey = _open(client, auth, make, surveys, session, holders, 2)
    page = _reset(client, holders[0].id)  # headquarters, who opened it, tries
    assert page.status_code == 200
    assert "cannot be reset while a survey key share waits" in page.text
    assert "/setup/" not in page.text
    session.expire_all()
    assert session.get(User, holders[0].id).password_hash is not None
    # Once the custodian has seen their share, the account can be reset as any other.
    _collect(_as(app, clock, holders[0]), survey.id)
    assert session.get(PendingShare, (survey.id, holders[0].id)) is None
    assert "/setup/" in _reset(client, holders[0].id).text


def test_custodians_cannot_be_accounts_the_opener_invited_or_reset(
    client, auth, clock, make, surveys, session
):
    hq = make.user(role=Role.HQ)
    auth.login(hq)
    token = csrf_token(client, "/accounts/new")
    branch = make.branch()
    invited = client.post(
        "/accounts/new",
        data={
            "csrf_token": token,
            "email": "puppet@example.org",
            "display_name": "名前だけの保管者",
            "role": "officer",
            "branch_id": str(branch.id),
        },
    )
    assert invited.status_code == 200 and "/setup/" in invited.text
    # The opener uses the link themselves: the account looks set up by its owner, and is
    # offered (tests/surveys/test_custody_accounts.py refuses it while the link is unused).
    link = LINK_RE.search(invited.text).group(1)
    assert _setup(client.application.test_client(), link, clock)[0].status_code == 200
    puppet = session.scalar(select(User).where(User.email == "puppet@example.org"))
    assert puppet.only_owner_can_enter
    other = make.user()
    survey = surveys.draft()
    token = csrf_token(client, f"/surveys/{survey.id}/open")
    page = client.post(
        f"/surveys/{survey.id}/open",
        data={
            "csrf_token": token,
            "custody": "custodians",
            "custodians": [str(puppet.id), str(other.id)],
            "threshold": "2",
        },
    )
    assert page.status_code == 400
    assert "did not invite or reset yourself" in page.text
    session.expire_all()
    assert session.get(type(survey), survey.id).state == State.DRAFT


@pytest.mark.parametrize("action", ["reset", "edit", "invite"])
def test_headquarters_manages_officers_only(client, auth, make, session, action):
    actor, colleague = make.user(role=Role.HQ), make.user(role=Role.HQ)
    auth.login(actor)
    if action == "reset":
        page = _reset(client, colleague.id)
        assert "/setup/" not in page.text
    elif action == "edit":
        assert client.get(f"/accounts/{colleague.id}").status_code in (403, 404)
    else:
        token = csrf_token(client, "/accounts/new")
        page = client.post(
            "/accounts/new",
            data={
                "csrf_token": token,
                "email": "second-hq@example.org",
                "display_name": "二人目",
                "role": "hq",
            },
        )
        assert page.status_code == 400
        assert "Only an administrator can give the headquarters role." in page.text
        assert "/setup/" not in page.text


def test_an_administrator_still_manages_headquarters(client, auth, make):
    auth.login(make.user(role=Role.ADMIN))
    colleague = make.user(role=Role.HQ)
    assert "/setup/" in _reset(client, colleague.id).text
