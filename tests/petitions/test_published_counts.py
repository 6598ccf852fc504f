"""The counts by prefecture as published (review R3-3, R3-4, R5-2): as of the end of the
previous day in Japan, every figure rounded down to the step of the total (never a row of a
handful of people, and never a sum that gives back the total's last digits), on the public page
and for branch officers; headquarters sees live figures, labelled; every prefecture named."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from campaign.auth.models import Role
from campaign.petitions import services
from campaign.petitions.japanese import PREFECTURE_CODES
from tests.petitions.helpers import sign_via_form

TOWNS = {"13": "東京都千代田区霞が関", "27": "大阪府大阪市北区中之島", "39": "高知県高知市本町"}
DAY = date(2026, 12, 1)
OTHER = "Other prefectures and remainders"


def _sign(petitions, petition, code: str, number: int, start: int = 0) -> None:
    for n in range(start, start + number):
        petitions.sign(petition, f"署名者{chr(0x4E00 + n)}", f"{TOWNS[code]}{n + 1}-1-1")


def _table(page: str) -> dict[str, list[str]]:
    body = page.split("<caption>Signatures by prefecture", 1)
    if len(body) == 1:
        return {}
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>[^<]*</td>)+)</tr>', body[1])
    return {name: re.findall(r"<td>([^<]*)</td>", cells) for name, cells in rows}


def _published(by_prefecture: dict[str, list[int]]) -> services.PublishedFigures:
    found = services.Counts(by_prefecture=dict(sorted(by_prefecture.items())))
    found.online = sum(online for online, _ in by_prefecture.values())
    found.paper = sum(paper for _, paper in by_prefecture.values())
    return services.published_figures(found, DAY)


def _shown(figures: services.PublishedFigures) -> list[int]:
    table = figures.table
    cells = [n for _, online, paper in table.rows for n in (online, paper, online + paper)]
    return [figures.progress.total, table.total, table.other, *cells]


def test_the_reviews_table_adds_up_to_the_rounded_total_not_the_exact_one():
    """Review R5-2: 「160筆以上」 above a table of 東京都 120 and 滋賀県 45, which sum to 165."""
    figures = _published({"13": [120, 0], "25": [45, 0]})
    assert (figures.progress.total, figures.progress.step) == (160, 10)
    assert figures.table.rows == (("13", 120, 0), ("25", 40, 0))
    assert (figures.table.other, figures.table.total, figures.table.withheld) == (0, 160, False)
    figures = _published({"13": [7, 120], "25": [0, 50], "39": [2, 0], "01": [4, 0]})
    assert figures.table.rows == (("13", 0, 120), ("25", 0, 50))  # 183: 東京 online 7 is 0
    assert (figures.table.other, figures.table.total) == (10, 180)
    figures = _published({"13": [9, 0]})  # nine signatures, or none: nothing by prefecture
    assert (figures.table.rows, figures.table.other, figures.table.withheld) == ((), 0, True)
    assert _published({}).table == services.PrefectureTable((), 0, True, DAY, 10, 0)
    figures = _published({"13": [1234, 5], "27": [99, 0]})  # 1,338: the step is 100
    assert figures.table.rows == (("13", 1200, 0),) and figures.table.other == 100


tallies = st.dictionaries(
    st.sampled_from(sorted(PREFECTURE_CODES.values())),
    st.lists(st.integers(0, 700), min_size=2, max_size=2),
    max_size=12,
)


@given(tallies, st.data())
def test_no_shown_figure_gives_back_what_the_total_withholds(by_prefecture, data):
    """Review R5-2, as a property over random tallies: every figure shown is a multiple of the
    step; the table adds up to the rounded total, never more; and whatever the exact total in
    the step the headline covers, the page is the same (moving one signature's worth of the
    rounding off a named row, or into a prefecture not shown, changes nothing shown), so no sum
    or difference of the figures tells the exact total."""
    figures = _published(by_prefecture)
    step, exact = figures.progress.step, sum(map(sum, by_prefecture.values()))
    assert all(n % step == 0 for n in _shown(figures))
    assert figures.progress.total == exact // step * step == figures.table.total
    table = figures.table
    assert sum(o + p for _, o, p in table.rows) + table.other == figures.progress.total
    assert sum(o + p for _, o, p in table.rows) <= figures.progress.total
    assert table.withheld == (figures.progress.total == 0) and not (table.withheld and table.rows)
    # Every exact total the headline stands for gives this very page.
    low, high = figures.progress.total, figures.progress.total + step - 1
    target = data.draw(st.integers(low, high))
    if services.published_step(target) != step:
        return  # 999 and 1,000: another step, and another headline too
    other = {code: list(counts) for code, counts in by_prefecture.items()}
    total = exact
    while total > target:  # take one off a remainder (there is one while total > headline)
        code, kind = next((c, k) for c, v in other.items() for k in (0, 1) if v[k] % step)
        other[code][kind] -= 1
        total -= 1
    empty = [c for c in sorted(PREFECTURE_CODES.values()) if c not in other]
    while total < target:  # add one to a prefecture that shows nothing yet
        code = empty[0]
        other.setdefault(code, [0, 0])
        if other[code][0] == step - 1:
            empty.pop(0)
            continue
        other[code][0] += 1
        total += 1
    assert _published(other).table == table and _published(other).progress == figures.progress


def test_a_new_signature_moves_no_figure_until_the_rounded_one_moves():
    """The "did this person sign?" oracle (R3-11/R4-1) on the table: +1 in the victim's
    prefecture shows only when it crosses a step, as for the total."""
    before = _published({"13": [118, 3], "25": [41, 0]})  # 162
    for code in ("13", "25", "27"):
        tally = {"13": [118, 3], "25": [41, 0], "27": [0, 0]}
        tally[code][0] += 1
        after = _published(tally)
        assert after.table == before.table and after.progress == before.progress


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
    # 12 signatures: 10 and more, but no prefecture has 10 (東京 6 would have been a row)
    assert _table(before) == {OTHER: ["", "", "10"], "Total": ["", "", "10"]}
    assert "Kochi" not in before and "Osaka" not in before and "Tokyo" not in before
    assert "every figure is rounded down to a multiple of 10" in before
    sign_via_form(client, petition.id, "検証花子", "高知県高知市本町5丁目1番45号")
    after = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert _table(after) == _table(before)
    # The total neither: yesterday's 12, rounded down to 10, before and after a new signature
    # (a live, exact total told a prober whether the name they signed had signed before).
    assert "At least 10 signatures of the goal of 100 (10%)" in before
    assert "At least 10 signatures of the goal of 100 (10%)" in after


def test_the_reviews_case_on_the_page_and_for_the_officer(auth, client, make, petitions, clock):
    """Review R5-2: 「160筆以上」 and a table of 120 + 45 = 165, publicly and for the officer."""
    petition = petitions.opened(goal=500)
    _sign(petitions, petition, "13", 120)
    _sign(petitions, petition, "27", 45, start=120)
    clock.advance(days=1)
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "At least 160 signatures of the goal of 500 (32%)" in page
    shown = _table(page)
    assert shown == {
        "Tokyo": ["120", "0", "120"],
        "Osaka": ["40", "0", "40"],
        "Total": ["", "", "160"],
    }
    assert sum(int(cells[-1]) for name, cells in shown.items() if name != "Total") == 160
    officer = make.user(branch=make.branch(prefecture="27"))
    auth.login(officer)
    staff = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert _table(staff) == shown and "At least 160 signatures" in staff
    assert "165" not in staff and "165" not in page and "45" not in _table(staff).get("Osaka", [])


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
    assert _table(page) == {}  # 7: fewer than one step, as for 0
    assert "There are still too few signatures to show them by prefecture." in page
    _sign(petitions, petition, "27", 6, start=6)
    clock.advance(days=1)
    auth.login(officer)
    page = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert _table(page) == {"Osaka": ["10", "0", "10"], "Total": ["", "", "10"]}  # 13


def test_a_confirmation_today_moves_no_past_day(client, petitions, session, clock, outbox):
    petition = petitions.opened()
    _sign(petitions, petition, "13", 9)
    address = "東京都千代田区霞が関2-1-2"
    sign_via_form(client, petition.id, "山田太郎", address, email="t@example.org")
    outbox.deliver(expect=1)
    clock.advance(days=1)
    before = _table(client.get(f"/petitions/{petition.id}").get_data(as_text=True))
    assert before == {}  # 9: fewer than one step
    token = outbox.links()[0].split("token=", 1)[1]
    assert services.confirm(session, token) == "confirmed"
    session.commit()
    assert _table(client.get(f"/petitions/{petition.id}").get_data(as_text=True)) == before
    clock.advance(days=1)
    after = _table(client.get(f"/petitions/{petition.id}").get_data(as_text=True))
    assert after == {"Tokyo": ["10", "0", "10"], "Total": ["", "", "10"]}
