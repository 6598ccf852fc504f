"""SECURITY.md promise 10 for two kinds of input every feature takes: dates a person types,
and values in the path. Whatever the form or the URL, the answer is below 500, and a date
outside 1900–9000 is refused with a message naming its field, before it is stored."""

from __future__ import annotations

from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms.fields import DateTimeField

from campaign import dates
from campaign.auth.models import Role
from campaign.formal_requests.models import FormalRequest
from campaign.validation import plausible_year
from tests.helpers import csrf_token


def _all_forms():
    seen, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        seen.append(form)
        todo.extend(form.__subclasses__())
    return seen


def test_every_date_field_of_every_form_refuses_implausible_years(app):
    checked = 0
    with app.test_request_context():
        for form_class in _all_forms():
            try:
                form = form_class(formdata=None)
            except TypeError:  # a form that needs arguments of its own
                continue
            for field in form:
                if isinstance(field, DateTimeField):
                    assert plausible_year in field.validators, (form_class, field.name)
                    checked += 1
    assert checked >= 10  # cases, formal requests, petitions, surveys and the audit filter


def test_a_formal_request_dated_before_meiji_is_refused_naming_the_field(
    client, auth, make, session
):
    auth.login(make.user(role=Role.HQ))
    data = {
        "csrf_token": csrf_token(client, "/formal/new"),
        "branch_id": "0",
        "subject": "日付の試験",
        "addressees-0-organisation": "港区",
        "addressees-0-title": "区長",
        "addressees-0-name": "",
        "addressees-0-honorific": "殿",
        "dated_on": "1800-01-01",
        "preamble": "",
        "era_dates": "y",
        "submit": "1",
    }
    response = client.post("/formal/new", data=data, headers={"Accept-Language": "ja"})
    assert response.status_code == 400
    assert "文書の日付は、1900年から9000年までの日付を入力してください。" in response.get_data(
        as_text=True
    )
    assert session.scalar(select(func.count()).select_from(FormalRequest)) == 0


def test_a_date_before_meiji_already_stored_is_shown_not_a_crash():
    assert dates.era_date(date(1800, 1, 1), "ja") == "1800年1月1日"
    assert dates.era_date(date(2019, 5, 1), "ja") == "令和元年5月1日"


@pytest.mark.parametrize(
    "path",
    [
        "/info/p/%00",
        "/info/p/a%00b",
        "/info/p/%1b",
        "/cases/?q=ok&q=%00",
        "/info/search?q=%7f",
        "/info/search?q=%EF%BF%BE",
        "/info/p/%EF%BF%BF",
    ],
)
def test_control_characters_in_the_path_or_a_repeated_query_are_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/info/admin/%00", "/info/admin/%00/revisions"])
def test_control_characters_in_a_staff_path_are_refused(client, auth, make, path):
    auth.login(make.user(role=Role.HQ))
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded; charset=utf-8", "multipart/form-data"],
)
def test_control_characters_in_any_value_of_a_posted_form_are_refused(client, content_type):
    """The check reads the form only when the body is one; a charset parameter or a multipart
    body is a form too, and the second value of a repeated name is looked at as well."""
    if content_type.startswith("multipart"):
        data = {"q1": ["a", "b\x00"]}
        response = client.post("/surveys/answer/1", data=data, content_type=content_type)
    else:
        body = "q1=a&q1=b%1B"
        response = client.post("/surveys/answer/1", data=body, content_type=content_type)
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)
