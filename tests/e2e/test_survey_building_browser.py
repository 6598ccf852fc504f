"""Headquarters builds, opens, shares, closes and counts a survey in a real browser (issue 15):
a confirmation after each step, a question edited while a draft, the scale's own end labels
from the answer page to the results, the A4 invitation with its QR code, the closing page."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from campaign.auth.models import Role
from tests.e2e.helpers import login

PASSPHRASE = "a long and careful passphrase for the browser"
A4 = (595, 842)  # points


@pytest.fixture
def hq(live_app, live_make):
    live_app.config["SURVEY_KDF"] = "testing"  # cheap Argon2id, as in every test
    return live_make.user(role=Role.HQ)


@pytest.fixture
def desk(browser, live_server):
    """A desktop window in Japanese; bypass_csp lets the test inject axe-core (the app's own
    pages are unchanged)."""
    context = browser.new_context(
        locale="ja-JP",
        base_url=live_server,
        bypass_csp=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _flash(page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def _build(page) -> str:
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="アンケート"
    ).click()
    page.get_by_role("link", name="新しいアンケート").click()
    page.get_by_label("タイトル（日本語）").fill("業務負担アンケート")
    page.get_by_role("button", name="保存").click()
    _flash(page, "アンケート「業務負担アンケート」を作成しました。続けて設問を追加してください。")
    survey_url = page.url

    page.get_by_label("設問の種類").select_option(label="単一選択")
    page.get_by_label(re.compile("^設問（日本語）")).fill("カードの申請を勧められましたか")
    page.get_by_label("選択肢（日本語、1行に1つ）").fill("はい\nいいえ")
    page.get_by_role("button", name="設問を追加する").click()
    _flash(page, "設問1を追加しました。")

    page.get_by_label("設問の種類").select_option(label="5段階評価")
    page.get_by_label(re.compile("^設問（日本語）")).fill("どの程度負担に感じましたか")
    page.get_by_label("1の意味（日本語）").fill("まったく負担でない")
    page.get_by_label("5の意味（日本語）").fill("とても負担だ")
    page.get_by_role("button", name="設問を追加する").click()
    _flash(page, "設問2を追加しました。")
    questions = page.locator("#questions + ol")
    expect(questions).to_contain_text("1：まったく負担でない")

    # A wrong edit says why and keeps what was typed; a right one is confirmed.
    questions.get_by_role("link", name="編集").first.click()
    page.get_by_label("選択肢（日本語、1行に1つ）").fill("はい")
    page.get_by_role("button", name="設問を保存する").click()
    expect(page.get_by_role("alert")).to_contain_text("2～50個入力してください。")
    assert _axe(page) == []
    expect(page.get_by_label("選択肢（日本語、1行に1つ）")).to_have_value("はい")
    page.get_by_label(re.compile("^設問（日本語）")).fill("職場でカードの申請を勧められましたか")
    page.get_by_label("選択肢（日本語、1行に1つ）").fill("はい\nいいえ\n答えたくない")
    page.get_by_label("回答必須").check()
    page.get_by_role("button", name="設問を保存する").click()
    _flash(page, "設問1を保存しました。")
    expect(questions).to_contain_text("職場でカードの申請を勧められましたか（単一選択、必須）")
    return survey_url


def _axe(page) -> list:
    """axe-core's WCAG 2.1 A/AA violations on the page (none checked when it is not installed:
    tests/e2e/test_accessibility.py fails in CI then)."""
    from tests.e2e.test_accessibility import AXE, RUN_AXE, WCAG

    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, WCAG)


def _answer(browser, live_server, address: str, n: int) -> None:
    context = browser.new_context(locale="ja-JP", base_url=live_server)
    context.set_default_timeout(15_000)
    member = context.new_page()
    try:
        for i in range(n):
            member.goto(address)
            expect(member.locator("#survey-form")).to_have_attribute("data-sealing", "ready")
            expect(member.get_by_text("1：まったく負担でない")).to_be_visible()
            member.get_by_role("group", name=re.compile("カードの申請")).get_by_label(
                "はい"
            ).check()
            scale = member.get_by_role("group", name=re.compile("どの程度負担"))
            scale.get_by_role("radio").nth(i % 5).check()
            member.get_by_role("button", name="回答を送信する").click()
            expect(member.get_by_role("heading", level=1)).to_have_text(
                "ご回答ありがとうございました。"
            )
            expect(member.get_by_role("heading", name="あなたの控えコード")).to_be_visible()
    finally:
        context.close()


def test_headquarters_builds_shares_closes_and_counts_a_survey(browser, desk, live_server, hq):
    page = desk
    login(page, hq)
    survey_url = _build(page)

    page.get_by_role("link", name="受付を開始する").click()
    page.get_by_label("結果を開くためのパスフレーズ").fill(PASSPHRASE)
    page.get_by_label("確認のため同じパスフレーズをもう一度").fill(PASSPHRASE)
    page.get_by_role("button", name="受付を開始する").click()
    address = page.locator("#public-url").inner_text()

    # The invitation sheet: title, address and QR code, one A4 page when printed.
    page.get_by_role("link", name="リンクとQRコードを載せた案内を印刷する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("業務負担アンケート")
    expect(page.get_by_role("img", name="回答用アドレスのQRコード")).to_be_visible()
    expect(page.locator(".invitation-address")).to_have_text(address)
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2
    page.go_back()

    _answer(browser, live_server, address, 5)

    # Closing at once: a page says what it means; no reason, no closing.
    page.goto(survey_url)
    page.get_by_role("link", name="今すぐ締め切る…").click()
    expect(page.locator("#closing-means")).to_contain_text("再び開くことはできません。")
    expect(page.locator("#closing-means")).to_contain_text("5人以上が回答しています。")
    page.get_by_role("button", name="今すぐ締め切る").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("告知した日時より前に締め切る理由").fill("報告する会議が前倒しになったため")
    page.get_by_role("button", name="今すぐ締め切る").click()
    _flash(page, "アンケートを締め切りました。これ以降の回答は受け付けません。")

    page.get_by_role("link", name="集計結果").click()
    page.get_by_label("パスフレーズ", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="結果を開く").click()
    scale = page.get_by_role("figure", name="設問2・全回答（5件）")
    expect(scale).to_be_visible()
    table = page.get_by_role("table", name="表：設問2・全回答（5件）")
    expect(table).to_contain_text("1：まったく負担でない")
    expect(table).to_contain_text("5：とても負担だ")
    assert _axe(page) == []  # the results (not reached by the crawl: they need the key)
    expect(page.get_by_role("figure", name="設問1・全回答（5件）")).to_contain_text("5件（100.0%）")


def test_an_officer_passes_on_the_link_of_a_federation_survey(
    page, live_app, live_make, session, hq
):
    from tests.surveys.helpers import SurveyFactory

    survey = SurveyFactory(session, live_make).opened()
    officer = live_make.user(role=Role.OFFICER, branch=live_make.branch())
    login(page, officer)
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="アンケート"
    ).click()
    row = page.get_by_role("row").filter(has_text=survey.title_ja)
    expect(row).to_contain_text("連合会全体")
    row.get_by_role("link", name=survey.title_ja).click()
    expect(page.locator("#public-url")).to_contain_text(f"/surveys/answer/{survey.id}")
    expect(page.get_by_role("link", name="集計結果")).to_have_count(0)
    page.get_by_role("link", name="リンクとQRコードを載せた案内を印刷する").click()
    expect(page.get_by_role("img", name="回答用アドレスのQRコード")).to_be_visible()
