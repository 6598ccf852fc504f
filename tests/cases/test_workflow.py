"""The workflow: allowed changes of state, the timeline, comments seen by the branch, audit."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from campaign.cases import services, vocab
from campaign.cases.models import Case
from tests.cases.factories import CaseFactory
from tests.cases.helpers import audit_count
from tests.helpers import Auth, csrf_token


@pytest.fixture
def setting(make, session):
    branch = make.branch()
    officer = make.user(branch=branch)
    hq = make.user(role=Role.HQ)
    case = CaseFactory(session).case(branch, state="reported")
    return branch, officer, hq, case


def _comment(client, case_id, **data):
    token = csrf_token(client, f"/cases/{case_id}")
    return client.post(f"/cases/{case_id}/comments", data={"csrf_token": token, **data})


def test_headquarters_moves_the_case_and_the_branch_sees_comments(
    app, auth, clock, session, setting
):
    _branch, officer, hq, case = setting
    auth.login(hq)
    assert (
        _comment(auth.client, case.id, to_state="hq_reviewing", body="本部で確認します").status_code
        == 302
    )
    assert _comment(auth.client, case.id, to_state="in_action", body="").status_code == 302
    # A jump the workflow does not allow is refused, and the state stays.
    response = _comment(auth.client, case.id, to_state="draft", body="")
    assert response.status_code == 400
    assert _comment(auth.client, case.id, body="当局に要請書を送ります").status_code == 302
    session.expire_all()
    assert session.get(Case, case.id).state == "in_action"
    assert audit_count(session, "case.state_changed", case.id) == 2
    auth.logout()

    branch_client = app.test_client()
    Auth(branch_client, clock).login(officer)
    page = branch_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "本部で確認します" in page and "当局に要請書を送ります" in page
    assert "In action" in page
    # The branch cannot change the state, only comment.
    assert 'name="to_state"' not in page
    assert _comment(branch_client, case.id, body="了解しました").status_code == 302


def test_closing_sets_closed_at_and_reopening_clears_it(session, setting, clock):
    _branch, _officer, hq, case = setting
    services.comment(session, case, hq, body="", to_state=vocab.HQ_REVIEWING)
    services.comment(session, case, hq, body="", to_state=vocab.RESOLVED)
    assert case.closed_at == clock.now()
    services.comment(session, case, hq, body="再発", to_state=vocab.IN_ACTION)
    assert case.closed_at is None
    with pytest.raises(services.CaseError):
        services.comment(session, case, hq, body="", to_state=vocab.REPORTED)


def test_every_transition_in_the_table_and_no_other(session, setting):
    _branch, officer, hq, case = setting
    assert case.created_by_id != hq.id
    for source in vocab.STATES:
        case.state = source
        for target in vocab.STATES:
            allowed = target in vocab.TRANSITIONS[source]
            # Headquarters: every step of the table, except out of a branch's draft.
            assert (target in services.allowed_states(hq, case)) == (
                allowed and source != vocab.DRAFT
            ), (source, target)
            # The branch: only its own draft's report.
            assert (target in services.allowed_states(officer, case)) == (
                source == vocab.DRAFT and target == vocab.REPORTED
            ), (source, target)


def test_headquarters_cannot_move_or_report_a_branchs_draft(auth, make, session):
    branch = make.branch()
    officer = make.user(branch=branch)
    draft = CaseFactory(session).case(branch, state="draft")
    draft.created_by_id = officer.id
    session.commit()
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get(f"/cases/{draft.id}").get_data(as_text=True)
    assert "Report to headquarters" not in page and 'name="to_state"' not in page
    token = csrf_token(auth.client, f"/cases/{draft.id}")
    # Straight into review: refused.
    moved = _comment(auth.client, draft.id, to_state="hq_reviewing", body="")
    assert moved.status_code == 400
    # 本部に報告する on the branch's behalf: refused too.
    reported = auth.client.post(
        f"/cases/{draft.id}/submit", data={"csrf_token": token}, follow_redirects=True
    )
    assert "This change of state is not allowed." in reported.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, draft.id).state == "draft"
    assert audit_count(session, "case.state_changed", draft.id) == 0


def test_another_branchs_officer_cannot_report_a_draft(make, session):
    branch = make.branch()
    draft = CaseFactory(session).case(branch, state="draft")
    stranger = make.user(branch=make.branch())
    assert services.allowed_states(stranger, draft) == ()
    with pytest.raises(services.CaseError):
        services.submit_case(session, draft, stranger)


def test_headquarters_reports_a_draft_it_logged_for_a_branch(make, session):
    hq = make.user(role=Role.HQ)
    draft = CaseFactory(session).case(make.branch(), state="draft")
    draft.created_by_id = hq.id
    services.submit_case(session, draft, hq)
    assert draft.state == vocab.REPORTED


def test_timeline_steps_are_dated_and_signed(auth, session, setting):
    _branch, officer, _hq, case = setting
    auth.login(officer)
    token = csrf_token(auth.client, f"/cases/{case.id}")
    for kind, day, note in (
        ("answer", "2019-07-23", "強制できないとの回答"),
        ("request", "2019-07-10", "知事あてに要請"),
    ):
        response = auth.client.post(
            f"/cases/{case.id}/actions",
            data={"csrf_token": token, "kind": kind, "happened_on": day, "note": note},
        )
        assert response.status_code == 302
    page = auth.client.get(f"/cases/{case.id}").get_data(as_text=True)
    first, second = page.index("知事あてに要請"), page.index("強制できないとの回答")
    assert first < second  # in date order, not entry order
    assert page.count(f"Recorded by {officer.display_name}") == 2
    assert "Request to the authority" in page and "s answer" in page
    response = auth.client.post(
        f"/cases/{case.id}/actions", data={"csrf_token": token, "kind": "answer"}
    )
    assert response.status_code == 400


def test_one_audit_entry_per_detail_view(auth, session, setting):
    _branch, officer, _hq, case = setting
    auth.login(officer)
    before = audit_count(session, "case.viewed", case.id)
    for expected in (1, 2, 3):
        assert auth.client.get(f"/cases/{case.id}").status_code == 200
        assert audit_count(session, "case.viewed", case.id) == before + expected
    # The list shows titles only and is not a read of any case's detail.
    auth.client.get("/cases/")
    assert audit_count(session, "case.viewed", case.id) == before + 3
    # The edit form shows the whole case: it counts as a read too.
    auth.client.get(f"/cases/{case.id}/edit")
    assert audit_count(session, "case.viewed", case.id) == before + 4


def test_headquarters_adds_a_category_in_both_languages(auth, make, session):
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(auth.client, "/cases/categories")
    response = auth.client.post(
        "/cases/categories",
        data={
            "csrf_token": token,
            "name_ja": "マイナ保険証の強要",
            "name_en": "Forced insurance card",
        },
    )
    assert response.status_code == 302
    assert "Forced insurance card" in auth.client.get("/cases/new").get_data(as_text=True)
    response = auth.client.post(
        "/cases/categories",
        data={"csrf_token": token, "name_ja": "マイナ保険証の強要", "name_en": "Other name"},
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
