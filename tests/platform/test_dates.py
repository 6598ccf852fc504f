"""campaign.dates: Japanese and English dates, ranges, Japan time, era dates, ISO."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import render_template_string

from campaign import dates


def test_japanese_and_english_dates():
    assert dates.format_date(date(2026, 12, 1), "ja") == "2026年12月1日"
    assert dates.format_date(date(2026, 12, 1), "en") == "1 December 2026"
    assert dates.format_date(None, "ja") == ""


@pytest.mark.parametrize(
    ("a", "b", "ja", "en"),
    [
        (date(2026, 11, 10), date(2026, 11, 20), "2026年11月10日～11月20日", "10–20 November 2026"),
        (
            date(2026, 11, 10),
            date(2026, 12, 2),
            "2026年11月10日～12月2日",
            "10 November – 2 December 2026",
        ),
        (
            date(2026, 12, 25),
            date(2027, 1, 5),
            "2026年12月25日～2027年1月5日",
            "25 December 2026 – 5 January 2027",
        ),
        (date(2026, 11, 10), date(2026, 11, 10), "2026年11月10日", "10 November 2026"),
        (date(2026, 11, 10), None, "2026年11月10日～", "10 November 2026 –"),
    ],
)
def test_ranges(a, b, ja, en):
    assert dates.format_range(a, b, "ja") == ja
    assert dates.format_range(a, b, "en") == en


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2025, 12, 1), "令和7年12月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1926, 12, 24), "大正15年12月24日"),
    ],
)
def test_era_dates_at_the_boundaries(day, text):
    assert dates.era_date(day, "ja") == text


def test_era_in_english_and_before_meiji():
    assert dates.era_date(date(2019, 5, 1), "en") == "1 May, Reiwa 1 (2019)"
    with pytest.raises(ValueError):
        dates.era(date(1868, 1, 1))


def test_times_are_shown_in_japan_time(app):
    # 23:30 UTC on 30 November is 08:30 on 1 December in Tokyo.
    stored = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with app.app_context():
        assert dates.format_datetime(stored, "ja") == "2026年12月1日 8:30"
        assert dates.format_datetime(stored, "en") == "1 December 2026, 08:30"
        # A naive value (SQLite) is UTC, as it was stored.
        assert dates.format_datetime(stored.replace(tzinfo=None), "ja") == "2026年12月1日 8:30"
        # A date of a stored time is the Japanese day.
        assert dates.format_date(stored, "ja") == "2026年12月1日"
        assert dates.iso(stored) == "2026-12-01T08:30:00+09:00"
        assert dates.iso(date(2026, 12, 1)) == "2026-12-01"


def test_timezone_is_a_setting(app, monkeypatch):
    app.config["TIMEZONE"] = "UTC"
    stored = datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=0)))
    with app.app_context():
        assert dates.format_datetime(stored, "ja") == "2026年11月30日 23:30"


def test_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    from campaign import config

    monkeypatch.setenv("NAISHIN_TIMEZONE", "Europe/Paris")
    assert config.settings(tmp_path)["TIMEZONE"] == "Europe/Paris"
    monkeypatch.delenv("NAISHIN_TIMEZONE")
    assert config.settings(tmp_path)["TIMEZONE"] == "Asia/Tokyo"


def test_local_today_follows_japan(app, clock):
    clock.current = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 00:00 on 1 December in Tokyo
    with app.app_context():
        assert dates.local_today() == date(2026, 12, 1)


def test_filters_follow_the_page_language(app):
    template = "{{ d|date }} · {{ d|daterange(e) }} · {{ d|era_date }} · {{ t|datetime }}"
    values = {
        "d": date(2019, 5, 1),
        "e": date(2019, 5, 3),
        "t": datetime(2019, 5, 1, 0, 5, tzinfo=UTC),
    }
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert render_template_string(template, **values) == (
            "2019年5月1日 · 2019年5月1日～5月3日 · 令和元年5月1日 · 2019年5月1日 9:05"
        )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string(template, **values) == (
            "1 May 2019 · 1–3 May 2019 · 1 May, Reiwa 1 (2019) · 1 May 2019, 09:05"
        )
        assert dates.current_locale() == "en"
    assert dates.current_locale() == "ja"  # outside a request
