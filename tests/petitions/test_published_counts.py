"""The counts by prefecture as published (review R3-3, R3-4): as of the end of the previous day
in Japan, small counts merged into 「その他の都道府県」 (never a row of 1 to 4), on the public page
and for branch officers; headquarters sees live figures, labelled; every prefecture named."""

from __future__ import annotations

import re

from campaign.auth.models import Role
from campaign.petitions import services
from tests.petitions.helpers import sign_via_form

TOWNS = {"13": "東京都千代田区霞が関", "27": "大阪府大阪市北区中之島", "39": "高知県高知市本町"}


def _sign(petitions, petition, code: str, number: int, start: int = 0) -> None:
    for n in range(start, start + number):
        petitions.sign(petition, f"署名者{chr(0x4E00 + n)}", f"{TOWNS[code]}{n + 1}-1-1")


def _table(page: str) -> dict[str, list[str]]:
    body = page.split("<caption>Signatures by prefecture", 1)
    if len(body) == 1:
        return {}
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>[^<]*</td>)+)</tr>', body[1])
    return {name: re.findall(r"<td>([^<]*)</td>", cells) for name, cells in rows}


def test_small_counts_are_merged_and_the_merged_row_is_never_small():
    merge = services.merge_small
    table = merge({"13": [6, 0], "27": [5, 0], "39": [1, 0]}, None)
    assert table.rows == (("13", 6, 0),) and table.other == (6, 0)  # 大阪 joins 高知's 1
    table = merge({"13": [7, 120], "25": [0, 50], "39": [2, 0], "01": [4, 0]}, None)
    assert table.rows == (("13", 7, 120), ("25", 0, 50)) and table.other == (6, 0)
    table = merge({"13": [3, 0]}, None)
    assert (table.rows, table.other, table.withheld) == ((), None, True)
    table = merge({"13": [9, 3]}, None)  # three paper signatures are people too
    assert (table.rows, table.other, table.withheld) == ((), None, True)
    for online in range(0, 30):
        for other in range(0, 8):
            table = merge({"13": [online, 0], "39": [other, 0]}, None)
            shown = [o for _, o, _ in table.rows] + ([table.other[0]] if table.other else [])
            assert not any(0 < n < services.SMALL_COUNT for n in shown)


def test_the_public_table_is_yesterdays_and_a_new_signature_moves_it_not(client, petitions, clock):
    petition = petitions.opened()
    _sign(petitions, petition, "13", 6)
    _sign(petitions, petition, "27", 5)
    _sign(petitions, petition, "39", 1)
    today = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert _table(today) == {}  # nothing signed before today
    assert "Fewer than 10 signatures so far" in today  # the total is yesterday's too
    clock.advance(days=1)
    before = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert _table(before) == {"Tokyo": ["6", "0", "6"], "Other prefectures": ["6", "0", "6"]}
    assert "Kochi" not in before and "Osaka" not in before
    assert "Counts by prefecture as of the end of" in before
    sign_via_form(client, petition.id, "検証花子", "高知県高知市本町5丁目1番45号")
    after = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert _table(after) == _table(before)
    # The total neither: yesterday's 12, rounded down to 10, before and after a new signature
    # (a live, exact total told a prober whether the name they signed had signed before).
    assert "At least 10 signatures of the goal of 100 (10%)" in before
    assert "At least 10 signatures of the goal of 100 (10%)" in after


def test_officers_see_the_public_table_and_headquarters_live_figures_with_every_name(
    auth, make, petitions, clock
):
    petition = petitions.opened()
    _sign(petitions, petition, "39", 1)
    _sign(petitions, petition, "27", 6)
    officer = make.user(branch=make.branch(prefecture="13"))
    auth.login(officer)
    page = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert _table(page) == {}
    assert "as of the end of" in page
    auth.logout()
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    # Review R3-4: no bare JIS codes for prefectures outside the viewer's branches.
    assert _table(page) == {"Osaka": ["6", "0", "6"], "Kochi": ["1", "0", "1"]}
    assert "Live figures, shown to headquarters only" in page
    clock.advance(days=1)  # headquarters' session has long ended
    auth.login(officer)
    page = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert _table(page) == {"Other prefectures": ["7", "0", "7"]}


def test_a_confirmation_today_moves_no_past_day(client, petitions, session, clock, outbox):
    petition = petitions.opened()
    _sign(petitions, petition, "13", 5)
    address = "東京都千代田区霞が関2-1-2"
    sign_via_form(client, petition.id, "山田太郎", address, email="t@example.org")
    clock.advance(days=1)
    before = _table(client.get(f"/petitions/{petition.id}").get_data(as_text=True))
    assert before == {"Tokyo": ["5", "0", "5"]}
    token = outbox.links()[0].split("token=", 1)[1]
    assert services.confirm(session, token) == "confirmed"
    session.commit()
    assert _table(client.get(f"/petitions/{petition.id}").get_data(as_text=True)) == before
    clock.advance(days=1)
    after = _table(client.get(f"/petitions/{petition.id}").get_data(as_text=True))
    assert after == {"Tokyo": ["6", "0", "6"]}
