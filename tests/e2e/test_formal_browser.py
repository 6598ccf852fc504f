"""Headquarters drafts a request on a phone with JavaScript off, a colleague approves and
prints it, records the answers and makes the follow-up from the items not confirmed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from campaign.auth.models import Role
from tests.e2e.helpers import login


def _context(browser, live_server, *, javascript: bool):
    context = browser.new_context(
        locale="ja-JP",
        base_url=live_server,
        viewport={"width": 390, "height": 844},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the page is {width}px wide on a 390px screen"


@pytest.fixture
def people(live_make):
    return live_make.user(role=Role.HQ), live_make.user(role=Role.HQ)


def test_hq_drafts_approves_prints_answers_and_follows_up(browser, live_server, people):
    drafter, approver = people
    context = _context(browser, live_server, javascript=False)
    page = context.new_page()
    login(page, drafter)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="要請書").click()
    page.get_by_role("link", name="要請書を起案").click()
    page.get_by_label("件名").fill("カード取得の強制をやめるよう求める要請")
    page.get_by_label("組織名").first.fill("総務省")
    page.get_by_label("役職（例：総務大臣）").first.fill("総務大臣")
    page.get_by_label("文書の日付").fill("2019-07-23")
    page.get_by_label("前文").fill("下記のとおり要請します。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("下書きを保存しました")
    for body in ("取得を強制しないこと。", "取得状況を調査しないこと。"):
        page.get_by_label("項目の本文").fill(body)
        page.get_by_role("button", name="項目を追加する").click()
    # Bad input: an empty item is refused with a message naming the field; nothing is lost.
    page.get_by_role("button", name="項目を追加する").click()
    expect(page.get_by_text("項目の本文を入力してください。").first).to_be_visible()
    expect(page.locator(".item-list")).to_contain_text("取得状況を調査しないこと。")
    expect(page.locator(".workflow-step").first).to_contain_text("自分で承認できません")
    _no_sideways_scroll(page)
    context.close()

    context = _context(browser, live_server, javascript=True)
    page = context.new_page()
    login(page, approver)
    page.goto("/formal/")
    page.get_by_role("link", name="カード取得の強制をやめるよう求める要請").click()
    page.get_by_role("button", name="要請を承認する").click()
    expect(page.get_by_role("status")).to_contain_text("要請を承認しました")

    with context.expect_page() as printed:
        page.evaluate(
            "url => window.open(url)",
            page.get_by_role("link", name="印刷用ページ").get_attribute("href"),
        )
    sheet = printed.value
    sheet.wait_for_load_state()
    expect(sheet.locator(".doc-title")).to_have_text("カード取得の強制をやめるよう求める要請")
    expect(sheet.locator(".doc-meta")).to_contain_text("令和元年7月23日")
    expect(sheet.locator(".doc-addressee-line")).to_have_text("総務大臣\u3000殿")
    expect(sheet.locator(".doc-items")).to_contain_text("１．取得を強制しないこと。")
    expect(sheet.get_by_role("button", name="印刷")).to_be_visible()  # shown by print.js
    align = sheet.evaluate("getComputedStyle(document.querySelector('.doc-closing')).textAlign")
    assert align == "right"
    pdf = sheet.pdf(format="A4")  # the browser's own print of the page
    assert pdf.startswith(b"%PDF")
    sheet.close()

    page.get_by_label("提出日").fill("2019-07-23")
    page.get_by_label("提出方法（交渉の場で手交、郵送、FAX、メールなど）").fill("交渉の場で手交")
    page.get_by_role("button", name="提出済みとして記録").click()
    page.get_by_role("link", name="回答を記録").click()
    page.get_by_label("回答日").fill("2019-07-23")
    items = page.locator(".item-list > li")
    items.nth(0).get_by_label("確認", exact=True).check()
    items.nth(0).get_by_label("回答の内容（私たちの言葉で）").fill("強制はできないとの回答。")
    items.nth(1).get_by_label("一部確認").check()
    items.nth(1).get_by_label("回答の内容（私たちの言葉で）").fill(
        "同意者だけが答える前提との回答。"
    )
    page.get_by_role("button", name="回答を保存").click()
    expect(page.get_by_role("status")).to_contain_text("回答を保存しました")
    expect(page.locator(".state")).to_have_text("回答済")

    page.get_by_role("button", name="再要請を作る").click()
    expect(page.get_by_role("status")).to_contain_text("再要請の下書きを作りました")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^再要請"))
    listed = page.locator(".item-list > li")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("取得状況を調査しないこと。")
    expect(listed.first).to_contain_text("一部確認")
    page.get_by_role("link", name="要請と回答の経過").click()
    expect(page.locator("main")).to_contain_text("第2回")
    context.close()
