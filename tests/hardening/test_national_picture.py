"""An officer's national picture: no figure he can obtain, and no difference of figures he
can obtain, describes 1 to k−1 of the other branches' cases (R5's differencing leak).

The property test draws random case sets over branches, prefectures, quarters, categories and
issuer kinds, writes them to the database, and checks every view an officer can ask for (every
quarter, every officer's branch) as ``national.picture`` gives it to the page.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from campaign.auth.models import Role
from campaign.cases import national, suppression, vocab
from campaign.cases.models import Case, FrozenQuarter, case_category_links
from campaign.org.services import prefectures
from tests.cases import venn
from tests.cases.factories import CaseFactory
from tests.cases.helpers import audit_count
from tests.screens.pagetext import text_problems

FIRST = national.Quarter(2023, 1)  # April–June 2023
NOW = datetime(2025, 2, 10, 3, 0, tzinfo=UTC)  # in FY2024 Q4: FY2023 Q1 … FY2024 Q3 have ended
BRANCH_PREFECTURES = ("13", "13", "25", "01", "47")
ISSUERS = ("municipality", "prefecture", "mutual_aid")


def _moment(offset: int, day: int) -> datetime:
    quarter = FIRST
    for _ in range(offset):
        quarter = quarter.next()
    return quarter.start() + timedelta(days=day, hours=5)


cases_strategy = st.lists(
    st.tuples(
        st.integers(0, len(BRANCH_PREFECTURES) - 1),  # branch
        st.integers(0, 8),  # quarter after FIRST (7 and 8 have not ended at NOW)
        st.integers(0, 89),  # day in the quarter
        st.sets(st.integers(0, 3), min_size=1, max_size=3),  # categories
        st.sampled_from(ISSUERS),
        st.sampled_from((vocab.REPORTED, vocab.IN_ACTION, vocab.RESOLVED, vocab.DRAFT)),
    ),
    max_size=45,
)


def _subset_sums(values: list[int]) -> set[int]:
    sums = {0}
    for value in values:
        sums |= {s + value for s in sums}
    return sums


def _check_view(view: dict, truth: dict, own_branch: int, k: int) -> None:
    """Every rule for one view (one quarter as one officer sees it)."""
    quarter = view["quarter"]
    others = [c for c in truth["cases"] if c["branch_id"] != own_branch]
    mine = [c for c in truth["cases"] if c["branch_id"] == own_branch]

    def in_quarter(rows):
        return [c for c in rows if national.Quarter.of(c["reported_at"]) == quarter]

    q_others, q_mine = in_quarter(others), in_quarter(mine)
    # The quarters: only ended ones, each figure the others' count or withheld when small.
    for key, _label, shown, own in view["by_quarter"].rows:
        q = national.Quarter.parse(key)
        assert q < national.Quarter.of(NOW)
        true = sum(1 for c in others if national.Quarter.of(c["reported_at"]) == q)
        assert shown is None if suppression.small(true, k) else shown == true
        assert own == sum(1 for c in mine if national.Quarter.of(c["reported_at"]) == q)
    assert view["own_total"] == len(mine)
    assert view["own_quarter_total"] == len(q_mine)
    if suppression.small(len(q_others), k):
        # The whole quarter is withheld, zeros included, and so is its cell among the quarters.
        assert view["total"] is None and view["tables"] is None
        assert dict((r[0], r[2]) for r in view["by_quarter"].rows)[quarter.key] is None
        return
    total = view["total"]
    assert total == len(q_others)  # the other branches only: nothing of his own to subtract
    tables = view["tables"]
    for name, field in (("issuer", "issuer_kind"), ("prefecture", "prefecture_code")):
        shown = []
        for key, _label, figure, own in tables[name].rows:
            assert own == sum(1 for c in q_mine if c[field] == key)
            if figure is None:
                continue
            assert figure == sum(1 for c in q_others if c[field] == key)
            assert not suppression.small(figure, k), (name, key, figure)
            shown.append(figure)
        # The total minus any set of shown cells: never 1 to k−1 cases.
        for part in _subset_sums(shown):
            assert not suppression.small(total - part, k), (name, total, shown)
    shown_categories, withheld_categories = {}, set()
    for key, _label, figure, own in tables["category"].rows:
        assert own == sum(1 for c in q_mine if int(key) in c["categories"])
        if figure is None:
            withheld_categories.add(int(key))
            continue
        assert figure == sum(1 for c in q_others if int(key) in c["categories"])
        # The cases with the category, and (the total minus it) the cases without it.
        assert not suppression.small(figure, k) and not suppression.small(total - figure, k)
        shown_categories[int(key)] = figure
    # Every inclusion–exclusion term (A + B − total, ...) and Venn region of the shown
    # categories; no withheld category's count follows from them (review R6-2).
    venn.check(
        [frozenset(c["categories"]) for c in q_others], shown_categories, withheld_categories, k
    )


@pytest.fixture
def world(app, make, session):
    branches = [make.branch(prefecture=p) for p in BRANCH_PREFECTURES]
    return branches, CaseFactory(session).categories()[:4]


@settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=cases_strategy, k=st.sampled_from((2, 3, 5)))
def test_no_obtainable_figure_or_difference_describes_a_few_other_cases(
    app, session, world, drawn, k
):
    branches, categories = world
    session.execute(delete(case_category_links))
    session.execute(delete(Case))
    session.execute(delete(FrozenQuarter))  # each drawn world freezes its own quarters
    rows, links, truth = [], [], {"cases": []}
    for n, (b, offset, day, cats, issuer, state) in enumerate(drawn, start=1):
        branch = branches[b]
        moment = _moment(offset, day)
        rows.append(
            {
                "id": n, "branch_id": branch.id, "prefecture_code": branch.prefecture_code,
                "state": state, "title": "t", "workplace": "", "occurred_on": moment.date(),
                "occurred_month": moment.strftime("%Y-%m"), "issuer_kind": issuer,
                "issuer_name": "", "channel": "written", "description": "",
                "reported_at": None if state == vocab.DRAFT else moment,
                "created_at": moment, "updated_at": moment,
            }
        )  # fmt: skip
        links += [{"case_id": n, "category_id": categories[c].id} for c in cats]
        if state != vocab.DRAFT:
            truth["cases"].append(
                {
                    "branch_id": branch.id, "prefecture_code": branch.prefecture_code,
                    "issuer_kind": issuer, "reported_at": moment,
                    "categories": {categories[c].id for c in cats},
                }
            )  # fmt: skip
    if rows:
        session.execute(insert(Case.__table__), rows)
        session.execute(insert(case_category_links), links)
    session.commit()
    with app.test_request_context():
        prefs = prefectures(session)
        for branch in branches:
            first = national.picture(
                session, branch.id, None, locale="ja", prefectures=prefs, now=NOW, k=k
            )
            quarters = first["quarters"]
            if not truth["cases"]:
                assert quarters == [] and first["total"] is None
            for quarter in quarters:
                view = national.picture(
                    session, branch.id, quarter, locale="ja", prefectures=prefs, now=NOW, k=k
                )
                _check_view(view, truth, branch.id, k)
                # A quarter later the same quarter shows the same figures: no figure moves as
                # time passes, so no two visits can be subtracted.
                later = national.picture(
                    session, branch.id, quarter, locale="ja", prefectures=prefs,
                    now=NOW + timedelta(days=92), k=k,
                )  # fmt: skip
                assert (later["total"], later["tables"]) == (view["total"], view["tables"])
                earlier = dict((r[0], r[2]) for r in view["by_quarter"].rows)
                for key, _label, shown, _own in later["by_quarter"].rows:
                    assert key not in earlier or earlier[key] == shown
            # The running quarter is never shown, nor asked for.
            with pytest.raises(LookupError):
                national.picture(
                    session, branch.id, national.Quarter.of(NOW), locale="ja",
                    prefectures=prefs, now=NOW, k=k,
                )  # fmt: skip


# --- the suppression rules on their own -------------------------------------------------


@pytest.mark.parametrize(
    ("total", "cells", "expected"),
    [
        (20, [10, 10], [10, 10]),
        (20, [18, 2], [None, None]),  # 2 is small, and 20 − 18 would give it back
        (20, [10, 6, 4], [10, None, None]),  # withholding 4 leaves 4: 6 goes too
        (20, [7, 6, 4, 3], [7, 6, None, None]),  # 4 + 3 = 7 is not small
        (12, [0, 12, 0], [0, 12, 0]),
        (15, [5, 5, 5], [5, 5, 5]),
    ],
)
def test_a_partition_withholds_small_cells_and_their_complement(total, cells, expected):
    assert suppression.partition(total, cells, 5) == expected


def _combinations(*groups: tuple[int, tuple[int, ...]]) -> dict[frozenset[int], int]:
    return {frozenset(kinds): n for n, kinds in groups}


def test_a_category_is_withheld_when_the_cases_without_it_are_few():
    # 18 cases of 0 and 1, 2 of 1 only (20 − 18 = 2 without 0): 0 goes, and 2 of the 3.
    combinations = _combinations((15, (0, 1, 3)), (3, (0, 1, 2)), (2, (1,)))
    assert suppression.multilabel(combinations, 5, 5) == [None, 20, None, 15, 0]
    assert suppression.multilabel_counts(20, [18, 20, 3, 10, 0], 5) == [None, 20, None, None, 0]


def test_two_categories_and_the_total_do_not_give_their_common_case():
    """Review R6-2: 5 cases of A only, 5 of B only, 1 of both, k = 5: A 6, B 6 and the total
    11 each passed, and 6 + 6 − 11 = 1 case had both. One of them is withheld now; with the
    counts alone (a quarter frozen before the atoms were) only one is shown too."""
    combinations = _combinations((5, (0,)), (5, (1,)), (1, (0, 1)))
    assert suppression.multilabel(combinations, 4, 5) == [None, 6, 0, 0]
    assert suppression.multilabel_counts(11, [6, 6, 0, 0], 5) == [6, None, 0, 0]
    # A kind withheld on the way that splits no region in the end is shown again: A goes
    # first (the smallest, by position), then B; A has the cases of C and comes back.
    combinations = _combinations((5, (0, 2)), (5, (1,)), (1, (0, 1, 2)))
    assert suppression.multilabel(combinations, 3, 5) == [6, None, 6]
    combinations = _combinations((5, (0, 2)), (6, (1,)))
    assert suppression.multilabel(combinations, 3, 5) == [5, 6, 5]


@settings(max_examples=300, deadline=None)
@given(
    cases=st.lists(st.frozensets(st.integers(0, 4), min_size=1), max_size=30),
    k=st.sampled_from((3, 5)),
)
def test_every_inclusion_exclusion_term_of_shown_categories_is_safe(cases, k):
    combinations: dict[frozenset[int], int] = {}
    for kinds in cases:
        combinations[kinds] = combinations.get(kinds, 0) + 1
    cells = suppression.multilabel(combinations, 5, k)
    shown = {i: c for i, c in enumerate(cells) if c is not None}
    withheld = {i for i, c in enumerate(cells) if c is None}
    assert all(any(i in kinds for kinds in cases) for i in withheld)  # a 0 is always shown
    if not suppression.small(len(cases), k):
        venn.check(cases, shown, withheld, k)


def test_every_split_of_small_partitions_is_safe():
    for cells in itertools.product(range(0, 9), repeat=3):
        total = sum(cells)
        if suppression.small(total, 5):
            continue
        shown = [c for c in suppression.partition(total, list(cells), 5) if c is not None]
        for part in _subset_sums(shown):
            assert not suppression.small(total - part, 5), cells


def test_quarters_follow_the_fiscal_year_in_japan_time(app):
    with app.app_context():
        # 31 March 2025 16:00 UTC is 1 April 01:00 in Japan: the first quarter of FY2025.
        quarter_of = national.Quarter.of
        assert quarter_of(datetime(2025, 3, 31, 16, tzinfo=UTC)) == national.Quarter(2025, 1)
        assert quarter_of(datetime(2025, 3, 31, 14, tzinfo=UTC)) == national.Quarter(2024, 4)
        assert national.Quarter(2024, 4).start() == datetime(2024, 12, 31, 15, tzinfo=UTC)
    assert national.Quarter.parse("2024-4") == national.Quarter(2024, 4)
    for bad in ("2024-5", "2024-12", "²024-1", "2024", "", "2024-1-1", "99999-1"):
        assert national.Quarter.parse(bad) is None, bad
    assert national.Quarter(2024, 4).label("ja") == "2024年度第4四半期（2025年1月～3月）"
    assert national.Quarter(2024, 1).label("en") == "FY2024 Q1 (April–June 2024)"


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def officer_world(auth, make, session, clock):
    """An officer of Tokyo; Shiga reported one case last quarter, Osaka six."""
    clock.current = NOW
    tokyo, shiga, osaka = (make.branch(prefecture=p) for p in ("13", "25", "27"))
    last_quarter = datetime(2024, 11, 5, tzinfo=UTC)
    CaseFactory(session).case(
        shiga, category_codes=("status_survey",), issuer_kind="mutual_aid",
        reported_at=last_quarter,
    )  # fmt: skip
    for _ in range(6):
        CaseFactory(session).case(osaka, reported_at=last_quarter)
    for _ in range(2):
        CaseFactory(session).case(tokyo, reported_at=last_quarter)
    CaseFactory(session).case(osaka, reported_at=NOW - timedelta(days=1))  # running quarter
    auth.login(make.user(branch=tokyo))
    return tokyo, shiga, osaka


def _cell(page: str, caption: str, row: str) -> list[str]:
    start = page.index(f'<caption class="visually-hidden">{caption}</caption>')
    body = page[start : page.index("</table>", start)]
    at = body.index(f'<th scope="row">{row}</th>')
    cells = body[at : body.index("</tr>", at)]
    import re

    return re.findall(r'<td class="num">([^<]*)</td>', cells)


def test_the_officer_page_shows_other_branches_by_ended_quarter(auth, officer_world, session):
    _tokyo, _shiga, _osaka = officer_world
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    assert "FY2024 Q3 (October–December 2024)" in page
    assert "The other branches reported 7 cases in this quarter." in page
    assert "Your branch reported 2 cases in it." in page
    # Shiga's single case: withheld, and so is Osaka's 6 (7 − 6 would give it back).
    assert _cell(page, "Cases by prefecture", "Shiga") == ["withheld", "0"]
    assert _cell(page, "Cases by prefecture", "Osaka") == ["withheld", "0"]
    assert _cell(page, "Cases by prefecture", "Tokyo") == ["0", "2"]
    assert _cell(page, "Table: Cases by issuer", "Mutual-aid association") == ["withheld", "0"]
    assert _cell(page, "Table: Cases by issuer", "Municipality") == ["withheld", "2"]
    assert _cell(page, "Table: Cases by category", "Status surveys") == ["withheld", "0"]
    # The running quarter's case is counted nowhere yet; no filter of any kind is offered.
    assert _cell(page, "Table: Cases by quarter", "FY2024 Q3 (October–December 2024)") == [
        "7",
        "2",
    ]
    assert "FY2024 Q4" not in page and 'name="prefecture"' not in page
    assert 'name="month_from"' not in page
    assert "count the cases that the other branches reported" in page
    # Filters an officer adds to the address change nothing.
    narrowed = auth.client.get("/cases/dashboard?prefecture=25&month_from=2024-11&month_to=2024-11")
    assert _cell(narrowed.get_data(True), "Cases by prefecture", "Shiga") == ["withheld", "0"]
    assert audit_count(session, "cases.dashboard_viewed") == 2


def test_a_quarter_with_few_other_cases_is_withheld_whole(auth, officer_world, session):
    _tokyo, shiga, _osaka = officer_world
    CaseFactory(session).case(shiga, reported_at=datetime(2024, 8, 1, tzinfo=UTC))
    page = auth.client.get("/cases/dashboard?quarter=2024-2").get_data(as_text=True)
    assert "Fewer than 5 cases were reported by the other branches in this quarter" in page
    assert "Cases by prefecture" not in page.split("Cases by quarter")[0]
    assert _cell(page, "Table: Cases by quarter", "FY2024 Q2 (July–September 2024)") == [
        "withheld",
        "0",
    ]


@pytest.mark.parametrize("quarter", ["2024-4", "2030-1", "2024-5", "x", "²⁰²⁴-1", "2019-1"])
def test_a_quarter_that_is_not_offered_is_refused_clearly(auth, officer_world, quarter):
    response = auth.client.get(f"/cases/dashboard?quarter={quarter}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There are no figures for that quarter" in page
    assert "FY2024 Q3 (October–December 2024)" in page  # the last one, as by default


def test_headquarters_keeps_every_filter(auth, make, session, clock):
    clock.current = NOW
    CaseFactory(session).case(make.branch(prefecture="25"), reported_at=NOW)
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get("/cases/dashboard?prefecture=25").get_data(as_text=True)
    assert "1 case reported nationally." in page and 'name="month_from"' in page


def test_the_officer_page_reads_in_japanese(auth, officer_world, client, session):
    CaseFactory(session).case(officer_world[1], reported_at=datetime(2024, 8, 1, tzinfo=UTC))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    auth.client.get("/lang/ja")
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    assert "2024年度第3四半期（2024年10月～12月）" in page
    assert "ほかの支部" in page and "非表示" in page
    # (The factory's display name 「職員 4」 in the header is the test's, not the page's.)
    assert [p for p in text_problems(page) if not p.text.startswith("職員 ")] == []
    withheld = auth.client.get("/cases/dashboard?quarter=2024-2").get_data(as_text=True)
    assert "全国の数字は示しません" in withheld
    assert [p for p in text_problems(withheld) if not p.text.startswith("職員 ")] == []
