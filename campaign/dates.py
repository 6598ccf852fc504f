"""Dates and times as people read them: Japanese style on Japanese pages, ISO in exports.

How a feature uses it:

- In templates, the filters ``date``, ``daterange``, ``datetime`` and ``era_date``:
  ``{{ case.occurred_on|date }}`` → 2026年12月1日 (1 December 2026 on an English page),
  ``{{ survey.opens_on|daterange(survey.closes_on) }}`` → 2026年11月10日～11月20日,
  ``{{ comment.created_at|datetime }}`` → 2026年12月1日 9:05 in Japan time,
  ``{{ request.sent_on|era_date }}`` → 令和8年12月1日 (for formal documents).
- In Python: the same functions, ``format_date(d)`` etc.; ``iso(d)`` for a CSV or XLSX cell.
- Stored times are aware UTC (``campaign.clock.now()``); they are shown in the zone of the
  ``NAISHIN_TIMEZONE`` setting (default ``Asia/Tokyo``, read at start-up into
  ``app.config["TIMEZONE"]``); ``local_today()`` is "today" in that zone (for due dates,
  a document's date, form defaults, file names). Never ``clock.now().date()`` or
  ``date.today()``: the UTC or server day, the day before in Japan until 09:00
  (tests/platform/test_local_dates.py refuses them).

The language is the request's (``current_locale()``: the one place that asks Flask-Babel);
outside a request, Japanese.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context, has_request_context

from campaign import clock

DEFAULT_TIMEZONE = "Asia/Tokyo"

# Japanese eras by their first day in the Gregorian calendar (Meiji counted from the adoption
# of the Gregorian calendar's day: 1868-10-23). Newest first.
ERAS: tuple[tuple[date, str, str], ...] = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
    (date(1868, 10, 23), "明治", "Meiji"),
)

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def current_locale() -> str:
    """The language of the page being built ("ja" or "en"); "ja" outside a request.

    Features call this instead of keeping their own ``_locale()``.
    """
    if not has_request_context():
        return "ja"
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "ja"


def timezone() -> tzinfo:
    """The zone times are shown in: ``app.config["TIMEZONE"]`` (``NAISHIN_TIMEZONE``)."""
    name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def to_local(dt: datetime) -> datetime:
    """A stored time in the display zone; a naive time is taken to be UTC (as stored)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(timezone())


def local_today() -> date:
    """Today's date in the display zone (a survey "closes on 1 December" in Japan)."""
    return to_local(clock.now()).date()


def _as_date(value: date | datetime) -> date:
    return to_local(value).date() if isinstance(value, datetime) else value


def _lang(locale: str | None) -> str:
    return (locale or current_locale()).split("_")[0].split("-")[0]


def format_date(value: date | datetime | None, locale: str | None = None) -> str:
    """2026年12月1日 on a Japanese page, 1 December 2026 on an English one; "" for None."""
    if value is None:
        return ""
    d = _as_date(value)
    if _lang(locale) == "ja":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def format_range(
    start: date | datetime | None, end: date | datetime | None, locale: str | None = None
) -> str:
    """A period: 2026年11月10日～11月20日 (the year is not repeated within one year),
    2026年12月25日～2027年1月5日; in English 10–20 November 2026, 10 November – 2 December
    2026. One day gives one date; an open end gives "2026年11月10日～"."""
    if start is None:
        return format_date(end, locale)
    if end is None:
        text = format_date(start, locale)
        return f"{text}～" if _lang(locale) == "ja" else f"{text} –"
    a, b = _as_date(start), _as_date(end)
    if a == b:
        return format_date(a, locale)
    if _lang(locale) == "ja":
        tail = f"{b.month}月{b.day}日" if a.year == b.year else format_date(b, "ja")
        return f"{format_date(a, 'ja')}～{tail}"
    if a.year == b.year and a.month == b.month:
        return f"{a.day}–{b.day} {_MONTHS_EN[b.month - 1]} {b.year}"
    if a.year == b.year:
        return f"{a.day} {_MONTHS_EN[a.month - 1]} – {format_date(b, 'en')}"
    return f"{format_date(a, 'en')} – {format_date(b, 'en')}"


def format_datetime(value: datetime | None, locale: str | None = None) -> str:
    """A stored (UTC) time shown in Japan time: 2026年12月1日 9:05 / 1 December 2026, 09:05."""
    if value is None:
        return ""
    local = to_local(value)
    if _lang(locale) == "ja":
        return f"{format_date(local.date(), 'ja')} {local.hour}:{local.minute:02d}"
    return f"{format_date(local.date(), 'en')}, {local.hour:02d}:{local.minute:02d}"


def era(value: date | datetime) -> tuple[str, str, int]:
    """The Japanese era of a date: (kanji name, romanised name, year of the era).

    ``ValueError`` before Meiji (1868-10-23), which no document of the platform needs.
    """
    d = _as_date(value)
    for first_day, kanji, latin in ERAS:
        if d >= first_day:
            return kanji, latin, d.year - first_day.year + 1
    raise ValueError(f"{d.isoformat()} is before the Meiji era")


def era_date(value: date | datetime | None, locale: str | None = None) -> str:
    """The era form formal documents use: 令和7年12月1日, 令和元年5月1日 (the first year is
    元年), 平成31年4月30日. On an English page: 1 May, Reiwa 1 (2019). A date before Meiji (which
    the forms refuse, but a page must never fail on) is shown in the western calendar."""
    if value is None:
        return ""
    d = _as_date(value)
    try:
        kanji, latin, year = era(d)
    except ValueError:
        return format_date(d, locale)
    if _lang(locale) == "ja":
        return f"{kanji}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]}, {latin} {year} ({d.year})"


def iso(value: date | datetime | None) -> str:
    """For exports: 2026-12-01 for a date; a time in the display zone with its offset,
    2026-12-01T09:05:00+09:00 (a spreadsheet user in Japan reads the same hour as the page)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).isoformat(timespec="seconds")
    return value.isoformat()


def init_app(app: Flask) -> None:
    """Register the Jinja filters ``date``, ``daterange``, ``datetime`` and ``era_date``."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["daterange"] = format_range
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["era_date"] = era_date
    app.jinja_env.filters["iso"] = iso
