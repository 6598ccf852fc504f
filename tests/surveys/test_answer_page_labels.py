"""Review R5-6: on the answer page every hint and error is tied to its control
(aria-describedby), and a single input is named by its question's legend, not by an aria-label
that copies it (WCAG 1.3.1, 3.3.2)."""

from __future__ import annotations

from surveys import codes
from surveys.models import Kind
from tests.helpers import FormElements, untied
from tests.surveys.helpers import answer_token, plain_form


def _inputs(html: str) -> dict[str, dict]:
    parser = FormElements()
    parser.feed(html)
    return {e.get("name"): e for e in parser.elements if e["tag"] == "input" and e.get("name")}


def test_the_answer_page_ties_its_hints_and_names_its_single_inputs(client, surveys):
    survey = surveys.opened()
    html = client.get(f"/surveys/answer/{survey.id}").get_data(as_text=True)
    assert untied(html) == []
    ids = {q.kind: q.id for q in survey.questions if not q.is_grouping}
    inputs = _inputs(html)
    text, number = inputs[f"q{ids[Kind.TEXT]}"], inputs[f"q{ids[Kind.NUMBER]}"]
    assert "aria-label" not in text and "aria-label" not in number
    assert text["aria-labelledby"] == f"q{ids[Kind.TEXT]}-legend"
    assert text["aria-describedby"] == f"q{ids[Kind.TEXT]}-hint"  # the free-text warning
    assert number["aria-labelledby"] == f"q{ids[Kind.NUMBER]}-legend"
    assert f'id="q{ids[Kind.TEXT]}-legend"' in html
    assert 'aria-describedby="seal-mode"' in html  # how the answer will be sealed, at the button


def test_an_error_on_a_question_is_tied_to_it(client, surveys):
    survey = surveys.opened()
    required = next(q for q in survey.questions if q.required and not q.is_grouping)
    data = plain_form(survey)
    data.pop(f"q{required.id}")
    data["token"] = answer_token(client, survey.id)
    page = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert untied(html) == []
    assert f'<p class="error-text" id="q{required.id}-error">' in html
    assert f'aria-invalid="true" aria-describedby="q{required.id}-error"' in html  # the group
    # An error on the free-text question: the input lists the warning and the error.
    text = next(q for q in survey.questions if q.kind == Kind.TEXT)
    data = plain_form(survey, text="あ" * 301)
    data["token"] = answer_token(client, survey.id)
    page = client.post(f"/surveys/answer/{survey.id}", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 400, html
    assert untied(html) == []
    field = _inputs(html)[f"q{text.id}"]
    assert field["aria-describedby"] == f"q{text.id}-hint q{text.id}-error"
    assert field["aria-invalid"] == "true"


def test_an_error_on_the_invitation_code_is_tied_to_the_code_field(app, client, surveys, session):
    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    with app.test_request_context():
        codes.generate(session, app.config["SECRET_KEY"], survey, 1)
    session.commit()
    html = client.get(f"/surveys/answer/{survey.id}").get_data(as_text=True)
    assert untied(html) == []
    assert _inputs(html)["code"]["aria-describedby"] == "code-hint"
    data = plain_form(survey)
    data.update(code="AAAA-AAAA-AAAA-AAAA", token=answer_token(client, survey.id))
    page = client.post(f"/surveys/answer/{survey.id}", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code in (400, 403), page.status_code
    assert untied(html) == []
    code = _inputs(html)["code"]
    assert code["aria-describedby"] == "code-hint code-error" and code["aria-invalid"] == "true"


def test_the_check_finds_an_untied_hint_and_a_copied_legend():
    html = (
        '<form><fieldset><legend>1. 自由記述</legend><p class="hint">注意</p>'
        '<input name="q1" aria-label="自由記述"><p class="error-text" id="e">誤り</p>'
        '<input name="q2" aria-describedby="nowhere"></fieldset></form>'
    )
    problems = untied(html)
    assert len(problems) == 4, problems
