"""A key share may only wait for an account that nobody but its owner can enter (review R4-14):
one headquarters member who invited or reset two officers kept their setup links, and another
opened a 2-of-2 survey naming them; the first then set the accounts up, took both shares and
opened the results alone. Accounts with an unused setup link, without a password or
authenticator, or deactivated are neither offered nor accepted as custodians, whoever invited
them; accounts their owners set up still are (tests/surveys/test_custody.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign.auth.models import Role, User
from surveys import handover, services
from surveys.models import Custodian, PendingShare, State, Survey
from tests.helpers import csrf_token
from tests.surveys.test_custody import _as
from tests.surveys.test_custody_resets import _reset

CASES = ["invited", "reset", "not enrolled", "deactivated"]
WHY = {
    "invited": "setup link has not been used yet",
    "reset": "setup link has not been used yet",
    "not enrolled": "has no password or authenticator yet",
    "deactivated": "the account is deactivated",
}


def _unfit(app, clock, make, session, case: str) -> User:
    """An officer account in the given state, made so by a headquarters member who is not the
    one opening the survey."""
    inviter = make.user(role=Role.HQ)
    browser = _as(app, clock, inviter)
    if case == "invited":
        branch = make.branch()
        page = browser.post(
            "/accounts/new",
            data={
                "csrf_token": csrf_token(browser, "/accounts/new"),
                "email": "unused-link@example.org",
                "display_name": "未設定の保管者",
                "role": "officer",
                "branch_id": str(branch.id),
            },
        )
        assert page.status_code == 200 and "/setup/" in page.text
        return session.scalar(select(User).where(User.email == "unused-link@example.org"))
    user = make.user()
    if case == "reset":
        assert "/setup/" in _reset(browser, user.id).text
    elif case == "deactivated":
        page = browser.post(
            f"/accounts/{user.id}",
            data={
                "csrf_token": csrf_token(browser, f"/accounts/{user.id}"),
                "role": "officer",
                "branch_id": str(user.branch_id),
                "reason": "退職のため",
            },
        )
        assert page.status_code == 302, page.text
    else:  # a password but no authenticator (an account made before enrolment was required)
        user.totp_secret = None
        session.commit()
    session.expire_all()
    return session.get(User, user.id)


def _offered(client, survey_id: int) -> set[int]:
    page = client.get(f"/surveys/{survey_id}/open").text
    select_ = re.search(r'<select[^>]*id="custodians".*?</select>', page, re.S).group(0)
    return {int(v) for v in re.findall(r'value="(\d+)"', select_)}


@pytest.mark.parametrize("case", CASES)
def test_the_open_form_neither_offers_nor_accepts_such_an_account(
    app, client, auth, clock, make, surveys, session, case
):
    unfit = _unfit(app, clock, make, session, case)
    proper = make.user()
    survey = surveys.draft()
    auth.login(make.user(role=Role.HQ))  # the opener invited, reset and changed nobody
    offered = _offered(client, survey.id)
    assert proper.id in offered and unfit.id not in offered
    page = client.post(
        f"/surveys/{survey.id}/open",
        data={
            "csrf_token": csrf_token(client, f"/surveys/{survey.id}/open"),
            "custody": "custodians",
            "custodians": [str(unfit.id), str(proper.id)],
            "threshold": "2",
        },
    )
    assert page.status_code == 400
    assert "Choose Custodians (2 to 16 staff accounts) from the list." in page.text
    session.expire_all()
    assert session.get(Survey, survey.id).state == State.DRAFT
    assert session.scalars(select(PendingShare)).all() == []


@pytest.mark.parametrize("case", CASES)
def test_the_service_refuses_such_an_account_and_names_it(app, clock, make, surveys, session, case):
    unfit = _unfit(app, clock, make, session, case)
    proper, opener = make.user(), make.user(role=Role.HQ)
    survey = surveys.draft()
    english = app.test_request_context(headers={"Accept-Language": "en"})
    with english, pytest.raises(services.SurveyError) as refused:
        handover.open_with_custodians(session, survey, [proper, unfit], 2, opener=opener)
    assert str(refused.value).startswith(f"{unfit.display_name} cannot be a custodian:")
    assert WHY[case] in str(refused.value)
    session.rollback()
    assert session.get(Survey, survey.id).state == State.DRAFT
    assert session.scalars(select(Custodian)).all() == []


def test_the_refusal_reads_naturally_in_japanese(app, clock, make, surveys, session):
    unfit = _unfit(app, clock, make, session, "invited")
    survey = surveys.draft()
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        with pytest.raises(services.SurveyError) as refused:
            handover.open_with_custodians(session, survey, [make.user(), unfit], 2)
        page = _as(app, clock, make.user(role=Role.HQ))
        page.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
        form = page.get(f"/surveys/{survey.id}/open").text
    assert str(refused.value).startswith("未設定の保管者さんの")
    assert "設定用リンク" in str(refused.value) and "cannot" not in str(refused.value)
    assert "パスワードと認証アプリ" in form
