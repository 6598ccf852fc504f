"""Headquarters opens a large survey's results in a real browser with JavaScript off: progress
lines arrive while the answers are counted, the style sheet shows only the newest, then the
results appear on the same page (issue 13). That the first progress bar arrives before the count
ends is shown over HTTP (tests/surveys/test_results_served.py): Playwright reads a page only
once it has loaded."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from campaign.auth.models import Role
from surveys import counting, results_views
from tests.e2e.helpers import login
from tests.surveys.helpers import PASSPHRASE, SurveyFactory
from tests.surveys.results_helpers import store_answers

_real_count = counting._count


def _slow_count(chunk):
    """A chunk counted slowly enough for the browser to be seen waiting."""
    time.sleep(0.2)
    return _real_count(chunk)


@pytest.fixture
def large(live_app, live_make, session, monkeypatch):
    live_app.config["SURVEYS_COUNT_INLINE"] = 10
    monkeypatch.setattr(counting, "CHUNK", 5)
    monkeypatch.setattr(counting, "_count", _slow_count)
    monkeypatch.setattr(results_views, "PROGRESS_SECONDS", 0)
    surveys = SurveyFactory(session, live_make)
    survey = surveys.opened()
    store_answers(session, survey, 60)
    return surveys.close(survey)


def test_the_progress_shows_without_javascript_then_the_results(
    browser, live_server, live_make, large
):
    context = browser.new_context(locale="ja-JP", base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    login(page, live_make.user(role=Role.HQ))
    page.goto(f"/surveys/{large.id}/results")
    page.get_by_label("パスフレーズ").fill(PASSPHRASE)
    page.get_by_role("button", name="結果を開く").click(no_wait_after=True)
    # The browser shows the page as it arrives; once it has all arrived, every progress line
    # is hidden behind the last one, which says the count is done.
    expect(page.get_by_text("すべての回答（60件）を集計しました")).to_be_visible(timeout=30_000)
    bars = page.locator("progress")
    assert bars.count() >= 3  # 0, then one line per chunk counted (12 chunks of 5)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    first = page.locator('label[for="tally-step-1"]')
    expect(first).to_have_text("集計済み：60件中0件（0%）")
    expect(page.get_by_role("status")).to_contain_text("すべての回答（60件）を集計しました")
    expect(page.get_by_text("60件の回答を集計しました。")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=re.compile("マイナンバー"))).to_be_visible()
    context.close()
