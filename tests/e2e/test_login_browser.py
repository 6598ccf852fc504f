"""A staff member logs in with password and authenticator code, switches language, logs out."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import expect

from campaign.auth.models import Role
from tests.factories import PASSWORD


def test_login_switch_language_logout(page, live_make):
    user = live_make.user(role=Role.HQ)
    page.goto("/")  # the public front page; staff log in from the link at its foot
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("contentinfo").get_by_role("link", name="役職員ログイン").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("役職員ログイン")

    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("認証コードまたはリカバリーコード").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="ログイン").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(user.display_name)
    expect(page.get_by_role("navigation", name="メインメニュー")).to_contain_text("監査ログ")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff login")
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    # The language choice outlives the session; the private pages do not.
    page.goto("/audit/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_wrong_code_shows_one_message(page, live_make):
    user = live_make.user()
    page.goto("/login")
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("認証コードまたはリカバリーコード").fill("000000")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))
