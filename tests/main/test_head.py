"""HEAD is answered as GET would be, without a body, and never goes down a write path
(review R3-6: a HEAD of the answer page with a form body was taken for an answer)."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from surveys import services as surveys
from tests.surveys.helpers import SurveyFactory, answer_token, plain_form


def test_a_head_with_an_answer_in_its_body_stores_nothing(client, session, make):
    survey = SurveyFactory(session, make).opened()
    form = plain_form(survey) | {"token": answer_token(client, survey.id)}
    page = client.get(f"/surveys/answer/{survey.id}")
    head = client.open(f"/surveys/answer/{survey.id}", method="HEAD", data=form)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == page.headers["Content-Type"]
    assert head.headers["Cache-Control"] == page.headers["Cache-Control"]
    assert surveys.count_answers(session, survey.id) == 0
    # The same answer posted is stored: the form was a real one.
    assert client.post(f"/surveys/answer/{survey.id}", data=form).status_code == 200
    assert surveys.count_answers(session, survey.id) == 1


@pytest.mark.parametrize(
    "path", ["/", "/info/qa", "/petitions/", "/login", "/health", "/cases/", "/nowhere"]
)
def test_head_answers_as_get_without_the_body(client, path):
    get = client.get(path)
    head = client.open(path, method="HEAD", data={"anything": "x"})
    assert head.status_code == get.status_code
    assert head.data == b""
    assert head.headers.get("Location") == get.headers.get("Location")


def test_a_staff_head_of_an_edit_form_writes_nothing(auth, make, session):
    """A logged-in HEAD with a form body on a page whose view saves on anything but GET."""
    from tests.cases.factories import CaseFactory

    officer = make.user(role=Role.OFFICER)
    case = CaseFactory(session).case(officer.branch)
    title = case.title
    auth.login(officer)
    head = auth.client.open(
        f"/cases/{case.id}/edit", method="HEAD", data={"title": "書き換え", "csrf_token": "x"}
    )
    assert head.status_code == 200 and head.data == b""
    session.expire_all()
    assert case.title == title
