"""The information pages in a real browser: no script runs from edited content, the Q&A reads
on a phone with JavaScript off, and the rights flyer prints on one A4 page."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from campaign.auth.models import Role
from tests.e2e.helpers import login
from tests.pages.factories import PageFactory
from tests.pages.xss_corpus import MARKER, PAYLOADS

A4_POINTS = (595.3, 841.9)


@pytest.fixture
def shipped_live(live_make):
    PageFactory(live_make.session).load_shipped()


def test_xss_corpus_typed_by_an_editor_runs_nothing(page, live_make, shipped_live):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, live_make.user(role=Role.HQ))
    page.goto("/info/admin/qa")
    page.get_by_label("本文（日本語）").fill(
        "\n\n".join(["## 攻撃の見本", *PAYLOADS, "最後の段落"])
    )
    page.get_by_role("button", name="保存して公開").click()
    expect(page.get_by_text("公開しました", exact=False)).to_be_visible()

    page.goto("/info/qa")
    expect(page.get_by_role("heading", name="攻撃の見本")).to_be_visible()
    # Give event handlers and autofocus a chance, then poke every link and heading.
    for locator in page.locator("main a, main h2, main abbr").all()[:80]:
        locator.hover()
    page.wait_for_timeout(300)
    assert page.evaluate(f"typeof window.{MARKER}") == "undefined"
    assert dialogs == []
    dangerous = page.locator(
        ", ".join(f".prose {tag}" for tag in ("script", "iframe", "object", "embed", "form"))
    )
    assert dangerous.count() == 0


def test_qa_reads_on_a_phone_with_javascript_off(browser, live_server, shipped_live):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
        java_script_enabled=False,
        base_url=live_server,
    )
    page = context.new_page()
    try:
        page.goto("/info/qa")
        expect(page.get_by_role("heading", level=1)).to_have_text("よくある質問")
        # Nothing is wider than the screen: no sideways scrolling to read an answer.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        contents = page.get_by_role("navigation", name="このページの内容")
        contents.get_by_role("link", name="カードの申請は義務ですか").click()
        question = page.get_by_role("heading", name="カードの申請は義務ですか")
        expect(question).to_be_in_viewport()
        expect(page.get_by_text("義務ではありません。")).to_be_visible()
        font_size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.prose p')).fontSize)"
        )
        assert font_size >= 16
        # The menu reaches the other pages without JavaScript.
        page.get_by_role("navigation", name="メインメニュー").get_by_role(
            "link", name="職場で求められたら"
        ).click()
        expect(page.get_by_role("heading", name="申請書の一括配布")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_rights_flyer_prints_on_one_a4_page(page, shipped_live, language):
    if language == "en":
        page.goto("/lang/en?next=/info/rights/flyer")
    else:
        page.goto("/info/rights/flyer")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your rights" if language == "en" else "あなたの権利"
    )
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4_POINTS[0]) < 2 and abs(float(box.height) - A4_POINTS[1]) < 2
    text = " ".join(reader.pages[0].extract_text().split())  # a line may wrap mid-phrase
    assert ("own application" if language == "en" else "2019") in text
