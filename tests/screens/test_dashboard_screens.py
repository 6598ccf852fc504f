"""The dashboard's tile map and month chart as a reader meets them."""

from __future__ import annotations

import pytest

from campaign.cases import stats
from campaign.cases.stats import SHADES, Row


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rows(*counts: int) -> list[Row]:
    return [Row(f"{i + 1:02d}", f"p{i}", c) for i, c in enumerate(counts)]


def test_every_tile_label_is_readable_on_its_shade():
    for index, shade in enumerate(SHADES):
        ink = "#ffffff" if index >= stats.FIRST_WHITE_LEVEL else "#1d2330"
        assert contrast(ink, shade) >= 4.5, (shade, ink, contrast(ink, shade))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 1, 2, 3), ["0", "1", "2", "3"]),
        ((0, 1, 1, 3), ["0", "1", "2", "3"]),
        ((0, 20), ["0", "1–4", "5–8", "9–12", "13–16", "17–20"]),
        ((0, 7), ["0", "1–2", "3–4", "5–6", "7"]),
        ((0, 0), ["0"]),
    ],
)
def test_the_legend_gives_ranges_that_do_not_overlap(app, counts, expected):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        legend = stats.legend(_rows(*counts))
    assert [label for _, label in legend] == expected
    colours = [colour for colour, _ in legend]
    assert len(set(colours)) == len(colours)  # one shade, one range


def test_each_tile_has_the_shade_its_legend_entry_shows(app):
    rows = _rows(0, 1, 5, 9, 20)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        legend = dict((label, colour) for colour, label in stats.legend(rows))
    shades = {tile["row"].count: tile["fill"] for tile in stats.tiles(rows)}
    assert shades[0] == legend["0"] and shades[1] == legend["1–4"]
    assert shades[5] == legend["5–8"] and shades[9] == legend["9–12"]
    assert shades[20] == legend["17–20"]


def test_the_month_chart_keeps_empty_months_in_order():
    assert stats.months_between("2019-11", "2020-02") == [
        "2019-11",
        "2019-12",
        "2020-01",
        "2020-02",
    ]
    assert stats.month_label("2019-11", "ja") == "2019年11月"


def test_a_month_that_does_not_exist_gets_a_clear_message(client, auth, make):
    from campaign.auth.models import Role

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    auth.login(make.user(role=Role.HQ))
    for path in ("/cases/?month_from=2019-13", "/cases/dashboard?month_to=2019-13"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, path
        assert "月は年と月を選んでください（例：2019年11月）。" in html
        assert 'type="month"' in html and 'aria-invalid="true"' in html
    assert client.get("/cases/?month_from=2019-11").status_code == 200
