"""Japanese era dates for formal documents (令和7年12月1日, 令和元年5月1日).

Temporary home: campaign/dates.py (the platform layer) will hold ``era_date``; this module goes
away once it is on main, so that there is one copy.
"""

from __future__ import annotations

from datetime import date

#: (first day, name in Japanese, name in English), newest first.
ERAS = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
    (date(1873, 1, 1), "明治", "Meiji"),  # the solar calendar's first day in Japan
)


def era_date(d: date) -> str:
    """``令和7年12月1日``; the first year of an era is 元年 (令和元年5月1日)."""
    for start, name, _english in ERAS:
        if d >= start:
            year = d.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            return f"{name}{year_text}年{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"
