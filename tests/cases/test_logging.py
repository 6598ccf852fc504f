"""An officer logs a case for their branch: draft, submit, edit; bad input loses nothing."""

from __future__ import annotations

from sqlalchemy import select

from campaign.cases.models import Case
from tests.cases.helpers import audit_count, form_data
from tests.helpers import csrf_token, untied


def _officer(auth, make):
    branch = make.branch(prefecture="25")
    officer = make.user(branch=branch)
    auth.login(officer)
    return branch, officer


def test_save_a_draft_then_submit(auth, make, session):
    branch, _officer_user = _officer(auth, make)
    page = auth.client.get("/cases/new").get_data(as_text=True)
    assert "Do not write people's names." in page
    token = csrf_token(auth.client, "/cases/new")
    response = auth.client.post("/cases/new", data=form_data(session, token))
    assert response.status_code == 302
    case = session.scalars(select(Case)).one()
    assert (case.state, case.branch_id, case.prefecture_code) == ("draft", branch.id, "25")
    assert case.occurred_month == "2019-08" and case.non_regular and not case.dependents

    detail = auth.client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Report to headquarters" in detail
    token = csrf_token(auth.client, f"/cases/{case.id}")
    assert (
        auth.client.post(f"/cases/{case.id}/submit", data={"csrf_token": token}).status_code == 302
    )
    session.expire_all()
    case = session.get(Case, case.id)
    assert case.state == "reported" and case.reported_at is not None
    assert audit_count(session, "case.created", case.id) == 1
    assert audit_count(session, "case.state_changed", case.id) == 1


def test_report_at_once_and_edit_until_headquarters_takes_it(auth, make, session):
    _officer(auth, make)
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token, submit_report="1")
    del data["save_draft"]
    auth.client.post("/cases/new", data=data)
    case = session.scalars(select(Case)).one()
    assert case.state == "reported"
    token = csrf_token(auth.client, f"/cases/{case.id}/edit")
    response = auth.client.post(
        f"/cases/{case.id}/edit", data=form_data(session, token, title="題名を直した")
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Case, case.id).title == "題名を直した"
    session.get(Case, case.id).state = "in_action"
    session.commit()
    assert auth.client.get(f"/cases/{case.id}/edit").status_code == 403


def test_missing_fields_are_named_and_nothing_is_saved(auth, make, session):
    _officer(auth, make)
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token, title="", category_ids=[])
    response = auth.client.post("/cases/new", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Choose at least one category." in body
    assert "氏名・住所が印字済みの申請書が職場で配られた。" in body  # what was typed is kept
    assert session.scalars(select(Case)).first() is None


def test_an_officer_cannot_log_for_another_branch(auth, make, session):
    branch, _user = _officer(auth, make)
    other = make.branch()
    token = csrf_token(auth.client, "/cases/new")
    auth.client.post("/cases/new", data=form_data(session, token, branch_id=str(other.id)))
    assert session.scalars(select(Case)).one().branch_id == branch.id


def test_headquarters_chooses_the_branch(auth, make, session):
    from campaign.auth.models import Role

    branch = make.branch()
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(auth.client, "/cases/new")
    response = auth.client.post("/cases/new", data=form_data(session, token, branch_id=branch.id))
    assert response.status_code == 302
    assert session.scalars(select(Case)).one().branch_id == branch.id


def test_a_period_cannot_end_before_it_starts(auth, make, session):
    _officer(auth, make)
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token, occurred_until="2019-08-01")
    response = auth.client.post("/cases/new", data=data)
    assert response.status_code == 400
    assert "The end of the period cannot be before its start." in response.get_data(as_text=True)


def test_the_forms_group_errors_and_hints_are_tied_to_their_fieldsets(auth, make, session):
    """Review R5-6: a checkbox group's errors (and its guidance link) are in its fieldset's
    aria-describedby, as field() ties a single field's."""
    _officer(auth, make)
    token = csrf_token(auth.client, "/cases/new")
    response = auth.client.post(
        "/cases/new", data=form_data(session, token, category_ids=[], channel="")
    )
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400), response.status_code
    assert 'id="category_ids-error-1"' in html and 'id="channel-error-1"' in html
    assert 'id="category_ids-hint"' in html  # the guidance page's link (pages feature)
    assert untied(html) == []
