"""The figures: the shipped counts add up, and every rate shown is computed from them."""

from __future__ import annotations

import csv
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from campaign.pages import figures

# Rates printed in the source (seed 002); the page must arrive at the same ones by itself.
SOURCE_RATES = {
    "all": "9.0%", "special_wards": "11.0%", "designated_cities": "9.7%",
    "other_cities": "8.7%", "towns_villages": "7.7%",
    "01": "7.9%", "13": "10.9%", "18": "5.9%", "25": "8.2%", "39": "5.7%", "45": "11.3%",
    "47": "6.4%", "06": "6.3%", "14": "11.2%",
}  # fmt: skip


def _rate(population: int, cards: int) -> str:
    value = (Decimal(cards) * 100 / Decimal(population)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


def test_totals_add_up_to_the_national_row():
    table = figures.load()
    assert (table.national.population, table.national.cards) == (128_066_211, 11_474_475)
    assert sum(r.population for r in table.prefectures) == table.national.population
    assert sum(r.cards for r in table.prefectures) == table.national.cards
    assert sum(r.population for r in table.kinds) == table.national.population
    assert sum(r.cards for r in table.kinds) == table.national.cards
    assert len(table.prefectures) == 47


def test_computed_rates_match_the_source():
    table = figures.load()
    rows = {r.key: r for r in (table.national, *table.kinds, *table.prefectures)}
    for key, printed in SOURCE_RATES.items():
        assert rows[key].rate_text == printed, key


def test_bad_data_is_refused():
    table = figures.load()
    broken = figures.Table(table.national, table.kinds, table.prefectures[:-1])
    with pytest.raises(figures.DataError):
        figures.check(broken)


def test_the_page_shows_rates_computed_from_the_counts(client, shipped):
    html = client.get("/info/figures", headers={"Accept-Language": "en"}).get_data(as_text=True)
    with figures.CSV_FILE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["level"] == "prefecture"]
    body = html[html.index('id="prefecture-table"') :]
    shown = re.findall(
        r"<td>(\d\d)</td><th scope=\"row\">[^<]+</th><td class=\"num\">([\d,]+)</td>"
        r"<td class=\"num\">([\d,]+)</td><td class=\"num\" data-rate>([\d.]+%)</td>",
        body,
    )
    assert len(shown) == 47
    expected = {r["key"]: (int(r["population"]), int(r["cards"])) for r in rows}
    for code, population, cards, rate in shown:
        people, issued = expected[code]
        assert (int(population.replace(",", "")), int(cards.replace(",", ""))) == (people, issued)
        assert rate == _rate(people, issued), code
    assert "11.0%" in html and "7.7%" in html  # kinds of municipality


def test_the_data_file_is_downloadable_with_its_source(client):
    response = client.get("/info/figures/card-issuance-2017-05-15.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    # UTF-8 with a byte-order mark and CRLF, as Excel in Japan needs, through campaign/exports.py.
    assert response.data.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.data
    assert "prefecture,39,高知県,".encode() in response.data
    assert "prefecture,01,北海道,".encode() in response.data
    assert "（資料" not in figures.source()["source_ja"]
    assert "平成29年5月15日現在" in figures.source()["source_ja"]
    assert "総務省" in figures.source()["source_ja"]
