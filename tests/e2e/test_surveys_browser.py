"""A member answers a survey in a real browser, with JavaScript on and off (promise 2).

With JavaScript the browser seals the answer (libsodium-wrappers, served by the app) and the
server receives only the sealed bytes; without it, the form posts the plain answer and the
server seals it at once. Either way the page says which happened, shows a receipt, and leaves
no cookie or storage behind; no request leaves the site.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from surveys import codes, gate, sealing, services, storage
from surveys.models import Survey
from tests.surveys.helpers import PASSPHRASE, SurveyFactory


@pytest.fixture
def opened(live_make, session):
    return SurveyFactory(session, live_make).opened()


def _fill(page, survey, marker: str) -> None:
    for q in survey.questions:
        name = f"q{q.id}"
        kind = q.kind.value
        if kind in ("single", "scale5"):
            page.locator(f'input[name="{name}"]').nth(1).check()
        elif kind == "multiple":
            page.locator(f'input[name="{name}"]').nth(0).check()
            page.locator(f'input[name="{name}"]').nth(2).check()
        elif kind == "number":
            page.locator(f'input[name="{name}"]').fill("7")
        else:
            page.locator(f'input[name="{name}"]').fill(marker)


def _watch(page, base_url: str):
    posts, foreign = [], []

    def on_request(request):
        if not request.url.startswith(base_url):
            foreign.append(request.url)
        if request.method == "POST":
            posts.append(request.post_data or "")

    page.on("request", on_request)
    return posts, foreign


def _stored(session, survey_id):
    session.expire_all()
    return list(storage.iter_sealed(session, survey_id))


def _check_after(page, session, survey, marker, mode):
    expect(page.locator("#sealed-mode")).to_have_attribute("data-mode", mode)
    receipt = page.locator("#receipt").inner_text()
    (stored,) = _stored(session, survey.id)
    assert marker.encode() not in stored
    assert len(stored) == sealing.sealed_size(survey.block_size)
    assert sealing.receipt(stored) == receipt
    answer = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))(stored)
    assert answer[str(survey.questions[-1].id)] == marker
    assert answer[str(survey.grouping.id)] == 1
    assert page.context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_answer_with_javascript_is_sealed_in_the_browser(page, opened, session, live_server):
    posts, foreign = _watch(page, live_server)
    page.goto(f"/surveys/answer/{opened.id}")
    expect(page.locator("#survey-form")).to_have_attribute("data-sealing", "ready")
    marker = f"BROWSER{uuid.uuid4().hex[:10]}"
    _fill(page, opened, marker)
    page.locator("#survey-form button[type=submit]").click()
    expect(page.locator("#receipt")).to_be_visible()
    (body,) = posts
    fields = parse_qs(body)
    assert set(fields) == {"token", "sealed"}  # nothing but the sealed bytes and the token
    assert marker not in body
    _check_after(page, session, opened, marker, "browser")
    assert foreign == []


def test_answer_without_javascript_is_sealed_by_the_server(browser, live_server, opened, session):
    context = browser.new_context(locale="ja-JP", base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        posts, foreign = _watch(page, live_server)
        page.goto(f"/surveys/answer/{opened.id}")
        marker = f"NOJS{uuid.uuid4().hex[:10]}"
        _fill(page, opened, marker)
        page.locator("#survey-form button[type=submit]").click()
        expect(page.locator("#receipt")).to_be_visible()
        (body,) = posts
        assert marker in body and "sealed" not in parse_qs(body)  # the plain form was sent
        _check_after(page, session, opened, marker, "server")
        assert foreign == []
    finally:
        context.close()


@pytest.fixture
def with_codes(live_app, live_make, session):
    factory = SurveyFactory(session, live_make)
    survey = factory.draft()
    survey.needs_code = True
    session.commit()
    survey = factory.opened_draft(survey)
    with live_app.test_request_context():
        made = codes.generate(session, live_app.config["SECRET_KEY"], survey, 3)
    session.commit()
    return survey, made


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_member_answers_with_a_code_and_finds_the_receipt_after_close(
    browser, live_server, live_app, with_codes, session, javascript
):
    survey, made = with_codes
    context = browser.new_context(
        locale="ja-JP", base_url=live_server, java_script_enabled=javascript
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/surveys/answer/{survey.id}")
        if javascript:
            expect(page.locator("#survey-form")).to_have_attribute("data-sealing", "ready")
        marker = f"CODE{uuid.uuid4().hex[:10]}"
        _fill(page, survey, marker)
        # Typed the way people type: lower case, spaces instead of hyphens.
        page.locator("#code").fill(made[0].lower().replace("-", " "))
        page.locator("#survey-form button[type=submit]").click()
        expect(page.locator("#receipt")).to_be_visible()
        receipt = page.locator("#receipt").inner_text()
        # The same code again is refused with a clear message, and the answers stay on the page.
        page.goto(f"/surveys/answer/{survey.id}")
        if javascript:
            expect(page.locator("#survey-form")).to_have_attribute("data-sealing", "ready")
        _fill(page, survey, marker)
        page.locator("#code").fill(made[0])
        page.locator("#survey-form button[type=submit]").click()
        expect(page.get_by_text("この招待コードはすでに使われているか")).to_be_visible()
        assert page.locator(f'input[name="q{survey.questions[-1].id}"]').input_value() == marker
        # Close, publish, and the member finds the receipt in the public list.
        session.expire_all()
        closed = session.get(Survey, survey.id)
        services.close_survey(session, closed, system=True)
        gate.publish_receipts(session, closed)
        session.commit()
        page.goto(f"/surveys/receipts/{survey.id}")
        page.locator("#receipt").fill(receipt)
        page.locator("form button[type=submit]").click()
        expect(page.locator("#receipt-result")).to_have_attribute("data-found", "1")
        assert context.cookies() == []
    finally:
        context.close()
