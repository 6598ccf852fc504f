"""Passing a survey's link on (issue 15): officers see federation-wide surveys read-only
(title, dates, the link, and while open only whether k answers arrived), and anyone who may
see a survey without codes prints an A4 invitation with the link and a QR code."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from campaign.auth.models import Role
from tests.helpers import csrf_token
from tests.surveys.screens import answered_and_closed, main_text_problems, text

pytestmark = pytest.mark.usefixtures("japanese")


@pytest.fixture
def officer(auth, make):
    user = make.user(role=Role.OFFICER, branch=make.branch())
    auth.login(user)
    return user


def _dated(surveys, session, **kwargs):
    """A survey announced for November 2030: still ahead, so that no request closes it."""
    from datetime import UTC

    survey = surveys.draft(**kwargs)
    survey.opens_at = datetime(2030, 11, 10, 0, 0, tzinfo=UTC)
    survey.closes_at = datetime(2030, 11, 20, 8, 0, tzinfo=UTC)
    session.commit()
    return survey


def test_an_officer_sees_a_federation_survey_to_pass_its_link_on(client, officer, surveys, session):
    survey = surveys.opened_draft(_dated(surveys, session))
    listing = text(client.get("/surveys/"))
    assert survey.title_ja in listing and "連合会全体" in listing
    assert "2030年11月10日～11月20日" in listing
    page = text(client.get(f"/surveys/{survey.id}"))
    assert f"/surveys/answer/{survey.id}" in page
    assert "2030年11月10日～11月20日" in page
    assert "回答はまだ5人未満です。" in page
    assert f'href="/surveys/{survey.id}/invitation"' in page
    # Read-only: nothing to edit, open, close, count or export.
    for absent in ("/edit", "/questions", "/close", "/results", "/codes", "/preview"):
        assert f"/surveys/{survey.id}{absent}" not in page, absent
    assert main_text_problems(page) == []


def test_an_officer_gets_no_count_and_no_results_of_a_federation_survey(
    client, auth, make, surveys, session
):
    survey = surveys.opened()
    auth.login(make.user(role=Role.HQ))
    closed = answered_and_closed(client, surveys, survey)
    auth.logout()
    auth.login(make.user(role=Role.OFFICER, branch=make.branch()))
    page = text(client.get(f"/surveys/{closed.id}"))
    assert "締切済み" in page and 'id="answer-count"' not in page and ">6<" not in page
    listing = text(client.get("/surveys/"))
    assert ">6<" not in listing and closed.title_ja in listing
    token = csrf_token(client, f"/surveys/{closed.id}")
    results = {"csrf_token": token, "passphrase": "a long and careful passphrase", "format": "csv"}
    assert client.post(f"/surveys/{closed.id}/results", data=results).status_code == 403
    assert client.get(f"/surveys/{closed.id}/key").status_code == 403
    for path in ("edit", "preview"):
        assert client.get(f"/surveys/{closed.id}/{path}").status_code == 404


def test_an_officer_cannot_change_a_federation_survey(client, officer, surveys):
    survey = surveys.opened()
    token = csrf_token(client, "/surveys/new")
    question = survey.questions[0].id
    posts = {
        f"/surveys/{survey.id}/edit": {"title_ja": "乗っ取り", "min_group": "5"},
        f"/surveys/{survey.id}/questions": {"kind": "single", "text_ja": "問"},
        f"/surveys/{survey.id}/questions/{question}/edit": {"kind": "single", "text_ja": "問"},
        f"/surveys/{survey.id}/questions/{question}/remove": {},
    }
    for url, data in posts.items():
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    # Only headquarters makes invitation codes, for any survey (review R3-14).
    codes = {"count": "5", "csrf_token": token}
    assert client.post(f"/surveys/{survey.id}/codes", data=codes).status_code == 403
    for url in (f"/surveys/{survey.id}/close", f"/surveys/{survey.id}/open"):
        assert client.get(url).status_code == 403, url


def test_federation_drafts_and_other_branches_stay_hidden(client, officer, make, surveys):
    draft = surveys.draft()
    foreign = surveys.opened(branch=make.branch())
    listing = text(client.get("/surveys/"))
    assert f'/surveys/{draft.id}"' not in listing and f'/surveys/{foreign.id}"' not in listing
    for survey in (draft, foreign):
        assert client.get(f"/surveys/{survey.id}").status_code == 404
        assert client.get(f"/surveys/{survey.id}/invitation").status_code == 404
    assert client.get("/surveys/99999999999999999999/invitation").status_code == 404


def test_the_invitation_sheet_has_title_dates_link_and_qr_code(client, officer, surveys, session):
    survey = surveys.opened_draft(_dated(surveys, session))
    response = client.get(f"/surveys/{survey.id}/invitation")
    assert response.status_code == 200
    page = text(response)
    assert f"<h1>{survey.title_ja}</h1>" in page
    assert "回答期間：2030年11月10日～11月20日" in page
    assert f"/surveys/answer/{survey.id}</code>" in page
    assert "<svg" in page and 'aria-label="回答用アドレスのQRコード"' in page
    assert "@page" not in page  # the print rules live in the stylesheet (CSP: no inline style)
    assert re.search(r"/static/surveys/invitation[.\w]*\.css", page)
    start, end = page.index("<main"), page.index("</main>")
    from tests.screens.pagetext import text_problems

    assert text_problems(page[start:end]) == []
    member = client.application.test_client().get(f"/surveys/answer/{survey.id}?lang=ja")
    assert "回答期間：2030年11月10日～11月20日" in text(member)  # the same period for members


def test_the_invitation_qr_code_holds_the_answer_address(client, officer, surveys, app):
    from surveys import exporting

    survey = surveys.opened()
    page = text(client.get(f"/surveys/{survey.id}/invitation"))
    with app.test_request_context():
        address = exporting.answer_address(survey)
        assert exporting.qr_svg(address, scale=4, fluid=True) in page
        # The slips use the same maker: one code each, the address with the code in its fragment.
        assert exporting.qr_svg(exporting.slip_link(address, "ABCD")) != exporting.qr_svg(address)


def test_no_invitation_for_a_survey_with_codes_or_not_taking_answers(
    client, auth, make, surveys, session
):
    auth.login(make.user(role=Role.HQ))
    with_codes = surveys.draft()
    with_codes.needs_code = True
    session.commit()
    surveys.opened_draft(with_codes)
    response = client.get(f"/surveys/{with_codes.id}/invitation", follow_redirects=True)
    assert "代わりにコードの用紙を印刷してください。" in text(response)
    draft = surveys.draft()
    response = client.get(f"/surveys/{draft.id}/invitation", follow_redirects=True)
    assert "案内は、アンケートが受付中のあいだ印刷できます。" in text(response)
    assert f"/surveys/{draft.id}/invitation" not in text(client.get(f"/surveys/{draft.id}"))
