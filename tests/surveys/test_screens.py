"""What the survey screens say to the people using them (issue 15): confirmations after each
step, the thank-you page, and Japanese that reads naturally."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveys.models import Survey
from tests.helpers import csrf_token
from tests.screens.pagetext import text_problems
from tests.surveys.helpers import answer_token, plain_form

pytestmark = pytest.mark.usefixtures("japanese")


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_creating_a_survey_and_adding_a_question_are_confirmed(client, hq, session):
    token = csrf_token(client, "/surveys/new")
    response = client.post(
        "/surveys/new",
        data={"csrf_token": token, "title_ja": "職場の調査", "min_group": "5", "branch_id": ""},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "アンケート「職場の調査」を作成しました。続けて設問を追加してください。" in _page(
        response
    )
    survey = session.scalars(select(Survey)).one()
    url = f"/surveys/{survey.id}/questions"
    data = {"csrf_token": token, "kind": "single", "text_ja": "職種", "options_ja": "事務\n技術"}
    page = _page(client.post(url, data=data, follow_redirects=True))
    assert "設問1を追加しました。" in page
    page = _page(client.post(url, data={**data, "text_ja": "年代"}, follow_redirects=True))
    assert "設問2を追加しました。" in page
    assert "設問1を追加しました。" not in page  # each confirmation shown once


def test_a_refused_question_is_not_confirmed_and_keeps_what_was_typed(client, hq, surveys):
    survey = surveys.draft()
    token = csrf_token(client, f"/surveys/{survey.id}")
    data = {"csrf_token": token, "kind": "single", "text_ja": "選択肢が一つ", "options_ja": "はい"}
    response = client.post(f"/surveys/{survey.id}/questions", data=data)
    assert response.status_code == 400
    page = _page(response)
    assert "を追加しました" not in page
    assert "選択肢が一つ" in page  # what was typed is still in the form


def test_thank_you_page_reads_naturally_and_names_the_receipt_code(client, surveys):
    survey = surveys.opened()
    data = {**plain_form(survey), "token": answer_token(client, survey.id)}
    response = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert response.status_code == 200
    page = _page(response)
    assert "<h1>ご回答ありがとうございました。</h1>" in page
    assert "受付番号" not in page
    assert "控えコード" in page
    assert f"/surveys/receipts/{survey.id}" in page
    assert text_problems(page) == []
