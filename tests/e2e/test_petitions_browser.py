"""A member of the public signs a petition on a phone-sized browser, with JavaScript on and
off: one short form, a clear confirmation, no cookie and no storage left, no request leaving
the site; a wrong address is explained next to the field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from campaign.petitions.models import Signature
from tests.petitions.helpers import PetitionFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def opened(live_make, session):
    return PetitionFactory(session, live_make).opened()


@pytest.mark.parametrize("javascript", [True, False])
def test_signing_on_a_phone(browser, live_server, opened, session, javascript):
    context = browser.new_context(
        locale="ja-JP",
        base_url=live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else foreign.append(r.url))
    try:
        page.goto(f"/petitions/{opened.id}")
        expect(page.locator("h1")).to_have_text(opened.title_ja)
        expect(page.locator("#privacy")).to_contain_text("削除")
        # The form fits the phone: no sideways scrolling.
        width = page.evaluate("document.documentElement.scrollWidth") if javascript else None
        if width is not None:
            assert width <= PHONE["width"]
        page.fill("#name", "山田 太郎")
        page.fill("#address", "千代田区霞が関2-1-2")  # no prefecture: refused, explained
        page.get_by_role("button", name="署名する").click()
        expect(page.locator('p.error[id^="address-error"]')).to_contain_text("都道府県から")
        expect(page.locator("#name")).to_have_value("山田 太郎")
        page.fill("#address", "東京都千代田区霞が関２－１－２")
        page.get_by_role("button", name="署名する").click()
        expect(page.locator("#outcome")).to_have_attribute("data-outcome", "counted")
        expect(page.locator("#outcome")).to_contain_text("署名を受け付けました")
        assert context.cookies() == []
        if javascript:
            assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert foreign == []
    finally:
        context.close()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Signature)) == 1
