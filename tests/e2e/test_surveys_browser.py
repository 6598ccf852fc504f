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
        expect(page.get_by_text("この招待コードはすでに使われているか").first).to_be_visible()
        # The code field is marked and described by the message (review R5-6).
        expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
        described = page.locator("#code").get_attribute("aria-describedby").split()
        assert described[0] == "code-hint" and len(described) == 2
        expect(page.locator(f"#{described[1]}")).to_contain_text(
            "この招待コードはすでに使われているか"
        )
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


def test_custodians_each_see_their_own_share_once_on_their_home_page(
    browser, live_server, live_make, session
):
    """Headquarters opens with two custodians (for about 1,200 answers) and sees no share; each
    custodian finds a card on their home page, sees their 33 words and a QR code once, and the
    page is gone after."""
    from campaign.auth.models import Role
    from tests.e2e.helpers import login

    hq = live_make.user(role=Role.HQ)
    holders = [live_make.user(role=Role.HQ), live_make.user()]
    survey = SurveyFactory(session, live_make).draft()

    def new_page():
        context = browser.new_context(locale="ja-JP", base_url=live_server)
        context.set_default_timeout(15_000)
        return context, context.new_page()

    context, page = new_page()
    try:
        login(page, hq)
        page.goto(f"/surveys/{survey.id}/open")
        page.locator('select[name="custody"]').select_option("custodians")
        page.locator('select[name="custodians"]').select_option([str(h.id) for h in holders])
        page.locator('input[name="threshold"]').fill("2")
        page.get_by_label("回答数の見込み", exact=True).fill("1200")  # the field, by its label
        page.get_by_role("button", name="受付を開始する").click()
        expect(page.locator(".flash-info")).to_contain_text("次にログインしたとき")
        expect(page.locator("#share-words")).to_have_count(0)
    finally:
        context.close()
    from surveys import storage

    session.expire_all()
    assert storage.capacity(session, survey.id) == 2400  # room for twice the answers expected
    shares = []
    for holder in holders:
        context, page = new_page()
        try:
            login(page, holder)
            page.get_by_role("link", name="あなたの分割鍵が届いています").click()
            page.get_by_role("button", name="分割鍵を表示する（一度だけ）").click()
            # all_inner_texts() does not wait: read the words once the shown page has them all.
            expect(page.locator("#share-words li")).to_have_count(33)
            words = page.locator("#share-words li").all_inner_texts()
            expect(page.locator(".share-qr svg")).to_have_count(1)
            shares.append(" ".join(words))
            page.goto("/")
            expect(page.get_by_role("link", name="あなたの分割鍵が届いています")).to_have_count(0)
            page.goto("/surveys/shares")
            expect(page.locator("main")).to_contain_text("あなた宛ての分割鍵はありません。")
        finally:
            context.close()
    assert shares[0] != shares[1]


def test_a_slips_fragment_fills_the_code_and_leaves_no_trace_in_the_address(
    browser, live_server, live_app, with_codes, session
):
    """Review R3-10: the slip's QR opens ``…#code=XXXX`` (the fragment never reaches a server
    or a log); the page copies the code into the field and takes it out of the address bar and
    the history entry, and the language links carry no code."""
    survey, made = with_codes
    with live_app.test_request_context():
        from surveys import exporting

        link = exporting.slip_link(f"{live_server}/surveys/answer/{survey.id}", made[1])
    assert "?" not in link and link.endswith("#code=" + made[1].replace("-", ""))
    context = browser.new_context(locale="ja-JP", base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(link)
        expect(page.locator("#code")).to_have_value(made[1].replace("-", ""))
        assert page.url == f"{live_server}/surveys/answer/{survey.id}"
        assert page.evaluate("window.location.hash") == ""
        plain = made[1].replace("-", "")
        assert not any(plain in url for url in requested)  # the code went to no server
        for href in page.locator("a[hreflang]").evaluate_all("els => els.map(e => e.href)"):
            assert plain not in href and "code" not in href
        # The filled code works: the answer goes in with it.
        _fill(page, survey, f"FRAG{uuid.uuid4().hex[:8]}")
        page.locator("#survey-form button[type=submit]").click()
        expect(page.locator("#receipt")).to_be_visible()
        assert codes.counts(session, survey.id) == (3, 1)
    finally:
        context.close()


def test_a_slips_fragment_leaves_the_address_even_before_the_survey_opens(
    browser, live_server, live_app, with_codes, session
):
    """Slips handed out before the opening day: the page takes no answers yet, but the code is
    still taken out of the address bar and history (a shared computer keeps none for later)."""
    import re
    from datetime import timedelta

    from campaign import clock

    survey, made = with_codes
    survey.opens_at = clock.now() + timedelta(days=2)
    session.commit()
    plain = made[2].replace("-", "")
    context = browser.new_context(locale="ja-JP", base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/surveys/answer/{survey.id}#code={plain}")
        expect(page).to_have_url(re.compile(rf"/surveys/answer/{survey.id}$"))
        assert page.locator("#survey-form").count() == 0  # nothing to answer yet
        assert plain not in page.evaluate("window.location.href")
    finally:
        context.close()
