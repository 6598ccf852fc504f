"""Editing a question while the survey is a draft, and the 5-point scale's own end labels
(issue 15): shown to members, in the results and in the exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from surveys.models import Kind, Survey
from tests.helpers import csrf_token
from tests.surveys.screens import answered_and_closed, results, text

pytestmark = pytest.mark.usefixtures("japanese")


def _question(session, survey, kind):
    session.expire_all()
    questions = session.get(Survey, survey.id).questions
    return next(q for q in questions if q.kind == kind and not q.is_grouping)


def _edit_url(survey, question) -> str:
    return f"/surveys/{survey.id}/questions/{question.id}/edit"


def _form(question, **changes) -> dict:
    data = {
        "kind": question.kind.value,
        "text_ja": question.text_ja,
        "text_en": question.text_en,
        "options_ja": question.options_ja,
        "options_en": question.options_en,
        "scale_low_ja": question.scale_low_ja,
        "scale_high_ja": question.scale_high_ja,
    }
    if question.required:
        data["required"] = "y"
    return {key: value for key, value in {**data, **changes}.items() if value is not None}


def test_a_draft_question_is_edited_confirmed_and_audited(client, hq, surveys, session):
    survey = surveys.draft()
    question = _question(session, survey, Kind.SINGLE)
    url = _edit_url(survey, question)
    page = text(client.get(url))
    assert "設問2を編集" in page and "マイナンバーカードの取得を求められましたか" in page
    form = _form(
        question,
        csrf_token=csrf_token(client, url),
        text_ja="カードの取得を求められましたか",
        options_ja="はい\nいいえ\n答えたくない",
        options_en="",
        required=None,
    )
    response = client.post(url, data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "設問2を保存しました。" in text(response)
    edited = _question(session, survey, Kind.SINGLE)
    assert edited.text_ja == "カードの取得を求められましたか"
    assert edited.options("ja") == ["はい", "いいえ", "答えたくない"]
    assert edited.required is False
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "survey.question_edited")
    ).one()
    assert entry.object_id == str(survey.id) and entry.actor_id == hq.id


def test_a_bad_edit_says_why_and_changes_nothing(client, hq, surveys, session):
    survey = surveys.draft()
    question = _question(session, survey, Kind.SINGLE)
    url = _edit_url(survey, question)
    token = csrf_token(client, url)
    for changes, message in (
        ({"options_ja": "ひとつだけ"}, "2～50個入力してください。"),
        ({"text_ja": ""}, "を入力してください。"),
        ({"kind": "scale5", "is_grouping": "y"}, "グループ分けに使えるのは単一選択の設問だけです"),
        ({"scale_low_ja": "長" * 101, "kind": "scale5"}, "100文字以内"),
    ):
        response = client.post(url, data=_form(question, csrf_token=token, **changes))
        assert response.status_code == 400, changes
        page = text(response)
        assert message in page, (changes, page[page.find("flash") : page.find("flash") + 400])
        if changes.get("text_ja") != "":
            assert "マイナンバーカードの取得を求められましたか" in page  # what was typed stays
    unchanged = _question(session, survey, Kind.SINGLE)
    assert unchanged.options("ja") == ["はい", "いいえ"] and unchanged.kind == Kind.SINGLE
    assert not session.scalars(
        select(AuditEntry).where(AuditEntry.action == "survey.question_edited")
    ).all()


def test_the_questions_of_an_open_survey_cannot_be_edited(client, hq, surveys, session):
    survey = surveys.opened()
    question = _question(session, survey, Kind.SINGLE)
    url = _edit_url(survey, question)
    token = csrf_token(client, f"/surveys/{survey.id}")
    for response in (
        client.get(url, follow_redirects=True),
        client.post(
            url, data=_form(question, csrf_token=token, text_ja="変えた"), follow_redirects=True
        ),
    ):
        assert response.request.path == f"/surveys/{survey.id}"
        assert "受付を始めたアンケートの設問は変更できません。" in text(response)
    assert _question(session, survey, Kind.SINGLE).text_ja != "変えた"
    assert "/edit" not in text(client.get(f"/surveys/{survey.id}")).split('id="questions"')[1]


def test_another_branch_or_an_unknown_question_is_not_found(client, auth, make, surveys):
    survey = surveys.draft(branch=make.branch())
    other = surveys.draft()
    auth.login(make.user(role=Role.OFFICER))  # an officer of another branch
    question = survey.questions[0]
    assert client.get(_edit_url(survey, question)).status_code == 404
    auth.logout()
    auth.login(make.user(role=Role.HQ))
    assert client.get(_edit_url(other, question)).status_code == 404  # not this survey's
    for question_id in ("99999999999999999999", "0"):
        assert client.get(f"/surveys/{survey.id}/questions/{question_id}/edit").status_code == 404
    assert client.get("/surveys/99999999999999999999/questions/1/edit").status_code == 404


def test_scale_end_labels_are_the_builders_and_shown_everywhere(client, hq, surveys, session):
    survey = surveys.draft()
    scale = _question(session, survey, Kind.SCALE5)
    assert scale.scale_ends("ja") == ("まったくそう思わない", "とてもそう思う")  # the usual ones
    url = _edit_url(survey, scale)
    form = _form(
        scale,
        csrf_token=csrf_token(client, url),
        text_ja="どの程度負担に感じましたか",
        scale_low_ja="まったく負担でない",
        scale_high_ja="とても負担だ",
        scale_low_en="Not a burden at all",
        scale_high_en="A heavy burden",
    )
    assert client.post(url, data=form).status_code == 302
    detail = text(client.get(f"/surveys/{survey.id}"))
    assert "1：まったく負担でない" in detail and "5：とても負担だ" in detail
    surveys.opened_draft(survey)
    answer_page = text(client.application.test_client().get(f"/surveys/answer/{survey.id}?lang=ja"))
    assert "1：まったく負担でない" in answer_page and "5：とても負担だ" in answer_page
    assert "まったくそう思わない" not in answer_page
    english = client.application.test_client().get(f"/surveys/answer/{survey.id}?lang=en")
    assert "1: Not a burden at all" in text(english)
    closed = answered_and_closed(client, surveys, survey)
    page = text(results(client, closed))
    assert "1：まったく負担でない" in page and "5：とても負担だ" in page
    csv = results(client, closed, "csv").get_data().decode("utf-8-sig")
    assert "5：とても負担だ" in csv and "1：まったく負担でない" in csv
    book = load_workbook(io.BytesIO(results(client, closed, "xlsx").get_data()))
    cells = {c.value for row in book.active.iter_rows() for c in row}
    assert "4" in cells and "5：とても負担だ" in cells


def test_a_scale_left_without_labels_takes_the_usual_ones(client, hq, surveys, session):
    survey = surveys.draft(grouping=False, text=False)
    token = csrf_token(client, f"/surveys/{survey.id}")
    data = {"csrf_token": token, "kind": "scale5", "text_ja": "満足度"}
    assert client.post(f"/surveys/{survey.id}/questions", data=data).status_code == 302
    added = session.get(Survey, survey.id).questions[-1]
    session.refresh(added)
    assert added.scale_ends("ja") == ("まったくそう思わない", "とてもそう思う")
    assert added.scale_ends("en") == ("Strongly disagree", "Strongly agree")
