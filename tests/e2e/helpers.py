"""Helpers of the browser tests (fixtures are in conftest.py)."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.factories import PASSWORD


def login(page, user) -> None:
    """Log a staff member in through the Japanese login form (password and TOTP)."""
    page.goto("/login")
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("認証コードまたはリカバリーコード").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(user.display_name)
