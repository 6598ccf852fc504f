"""The 別紙 leaves no figure and no difference of two figures describing 1 to minimum−1 cited
cases (review R5-3, SECURITY.md promise 4's rule): with kinds that overlap (a case has several),
the total minus a shown kind, and a kind minus a shown kind it contains, are 0 or at least the
minimum; the prefectures are counted for the total only, and only when every prefecture holds
at least the minimum of the cases. The print page, the PDF and the Word file print the same
lines (``document.appendix_lines``)."""

from __future__ import annotations

import json
from types import SimpleNamespace as NS

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.formal_requests import document, evidence, services
from campaign.formal_requests.errors import FormalError
from tests.cases import venn
from tests.cases.factories import CaseFactory
from tests.formal_requests.factories import FormalFactory
from tests.formal_requests.outputs import appendix_outputs
from tests.helpers import csrf_token

KINDS = "ABCDE"
PREFECTURES = ("13", "25", "39", "47")


def _category(code: str):
    return NS(code=code, position=KINDS.index(code), name=lambda locale, c=code: f"区分{c}")


CATEGORIES = {code: _category(code) for code in KINDS}


def _request(cases: list[tuple[str, frozenset[str]]]):
    """A request whose items cite these (prefecture, kinds) cases, some through a sub-item
    and one twice (a case counts once however often it is cited)."""
    objects = [
        NS(
            id=n,
            prefecture_code=p,
            branch_id=int(p),
            categories=[CATEGORIES[c] for c in sorted(kinds)],
        )
        for n, (p, kinds) in enumerate(cases)
    ]
    half = len(objects) // 2
    first = NS(cases=objects[:half], children=[NS(cases=objects[half:])])
    second = NS(cases=objects[:1], children=[])
    return NS(items=[first, second])


def _small(count: int, k: int) -> bool:
    return 0 < count < k


def _check(cases: list[tuple[str, frozenset[str]]], minimum: int) -> None:
    kept = evidence.figures(_request(cases), minimum)
    k = kept["minimum"]
    assert k == max(3, minimum)
    total = len(cases)
    ids = {code: {n for n, (_, kinds) in enumerate(cases) if code in kinds} for code in KINDS}
    present = {code for code in KINDS if ids[code]}
    rows = {row["ja"].removeprefix("区分"): row["cases"] for row in kept["rows"]}
    # Each printed figure is the true count, and describes 0 or at least k cases.
    for code, count in rows.items():
        assert count == len(ids[code]) and not _small(count, k), (code, count)
        assert "prefectures" not in next(r for r in kept["rows"] if r["ja"] == f"区分{code}")
    assert kept["small_kinds"] == (present != set(rows))
    if kept["total_cases"] is None:
        assert total < k and not rows and kept["total_prefectures"] is None
    else:
        assert kept["total_cases"] == total and not _small(total, k)
        # total − a kind: the cases without it.
        for code, count in rows.items():
            assert not _small(total - count, k), (code, total, count)
    # A kind minus a shown kind whose cases it contains: the cases of the one without the other.
    for a in rows:
        for b in rows:
            if a != b and ids[b] <= ids[a]:
                assert not _small(len(ids[a]) - len(ids[b]), k), (a, b)
    # Every inclusion–exclusion term of the printed figures (A + B − total, ...) and every Venn
    # region of the printed kinds; no withheld kind's count follows from them (review R6-2).
    if kept["total_cases"] is not None:
        venn.check([kinds for _, kinds in cases], rows, present - set(rows), k)
    # Prefectures: only with the total, only when each one holds 0 or at least k of the cases;
    # then the count of prefectures describes no prefecture of 1 to k−1 cases.
    per_prefecture = {p: sum(1 for q, _ in cases if q == p) for p in PREFECTURES}
    if kept["total_prefectures"] is not None:
        assert kept["total_prefectures"] == sum(1 for n in per_prefecture.values() if n)
        assert not any(_small(n, k) for n in per_prefecture.values()), per_prefecture
    elif kept["total_cases"] is not None:
        assert any(_small(n, k) for n in per_prefecture.values())
    # Nothing is withheld without need: a withheld kind, printed too, would split some Venn
    # region of the printed kinds into a part of 1 to k−1 (checked in ``venn.check``).
    # The lines every output prints carry exactly these figures, and no other prefecture count.
    lines = document.appendix_lines(evidence.as_appendix(json.loads(json.dumps(kept)), "ja"))
    assert sum("都道府県" in line for line in lines) == (kept["total_prefectures"] is not None)
    assert lines[: len(rows)] == [f"区分{c}：{n}件" for c, n in sorted(rows.items())]


cases_strategy = st.lists(
    st.tuples(
        st.sampled_from(PREFECTURES),
        st.frozensets(st.sampled_from(KINDS[:4]), min_size=1),
    ),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(cases=cases_strategy, minimum=st.integers(min_value=1, max_value=7))
def test_no_printed_figure_nor_difference_describes_fewer_than_the_minimum(cases, minimum):
    _check(cases, minimum)


@settings(max_examples=200, deadline=None)
@given(
    core=st.integers(min_value=0, max_value=12),
    extra=st.integers(min_value=0, max_value=8),
    other=st.integers(min_value=0, max_value=8),
    minimum=st.integers(min_value=3, max_value=6),
)
def test_nested_kinds(core, extra, other, minimum):
    """Kinds nested in one another (every case of A is also of B), where the differences
    between two shown kinds are the ones a reader could work out."""
    cases = (
        [("13", frozenset("AB"))] * core
        + [("25", frozenset("B"))] * extra
        + [("39", frozenset("C"))] * other
    )
    _check(cases, minimum)


def test_two_kinds_and_the_total_do_not_give_their_common_case():
    """Review R6-2 (a): 4 cases of A only, 1 of A and B, 4 of B only, minimum 3. A (5), B (5)
    and the total (9) passed each on its own, but every case has a kind, so 5 + 5 − 9 = 1 case
    had both. One of the two is printed now, and the sentence says a kind is left out."""
    cases = [("13", frozenset("A"))] * 4 + [("13", frozenset("AB"))] + [("13", frozenset("B"))] * 4
    kept = evidence.figures(_request(cases), 3)
    assert [(r["ja"], r["cases"]) for r in kept["rows"]] == [("区分B", 5)]
    assert kept["small_kinds"] is True and kept["total_cases"] == 9
    _check(cases, 3)


def test_three_kinds_whose_pairs_overlap_in_one_case():
    """Every pair of A, B, C has one case in common and nothing else overlaps: A + B + C −
    total = 3 extra labels; any two printed kinds with the third absent from their cases would
    give 1. At most the kinds whose atoms are all at least the minimum are printed."""
    cases = (
        [("13", frozenset("A"))] * 4 + [("13", frozenset("B"))] * 4 + [("13", frozenset("C"))] * 4
        + [("13", frozenset("AB")), ("13", frozenset("BC")), ("13", frozenset("AC"))]
    )  # fmt: skip
    kept = evidence.figures(_request(cases), 3)
    assert len(kept["rows"]) == 1 and kept["small_kinds"] is True
    _check(cases, 3)


def test_figures_kept_under_rule_2_print_one_kind():
    """Figures kept an hour before R6-2 (rule 2) show the total and two kinds whose common
    cases nobody kept: printed with one kind only (the larger), the others said to exist."""
    kept = {
        "rule": 2, "rows": [
            {"position": 0, "ja": "区分A", "en": "A", "cases": 5},
            {"position": 1, "ja": "区分B", "en": "B", "cases": 6},
        ], "small_kinds": False, "total_cases": 10, "total_prefectures": 1, "minimum": 3,
        "branches": [13],
    }  # fmt: skip
    appendix = evidence.as_appendix(kept, "ja")
    assert [(r.category, r.cases) for r in appendix.rows] == [("区分B", 6)]
    assert appendix.small_kinds is True and appendix.total_prefectures == 1


def test_the_reviews_case():
    """Three Tokyo cases of kinds A and B, one Kōchi case of B only, minimum 3: A (3) left
    4 − 3 = 1 case of B only, and its 「1都道府県」 beside the total's 2 placed that case in the
    other prefecture. A is withheld now, and no prefecture is counted."""
    cases = [("13", frozenset("AB"))] * 3 + [("39", frozenset("B"))]
    kept = evidence.figures(_request(cases), 3)
    assert document.appendix_lines(evidence.as_appendix(kept, "ja")) == [
        "区分B：4件",
        document.SMALL_KINDS_LINE,
        "合計：4件",
    ]
    _check(cases, 3)


def test_figures_kept_before_the_rule_are_printed_under_it():
    """Figures kept at approval under the old rule (and those the 0021 upgrade counted) print
    no prefecture count, and no kind whose difference with the total is 1 to minimum−1."""
    old = {
        "rows": [
            {"position": 1, "ja": "区分A", "en": "A", "cases": 3, "prefectures": 1},
            {"position": 2, "ja": "区分B", "en": "B", "cases": 4, "prefectures": 2},
        ],
        "small_kinds": False,
        "total_cases": 4,
        "total_prefectures": 2,
        "minimum": 3,
        "branches": [1, 2],
    }
    assert document.appendix_lines(evidence.as_appendix(old, "ja")) == [
        "区分B：4件",
        document.SMALL_KINDS_LINE,
        "合計：4件",
    ]
    two = {**old, "minimum": 2, "rows": [{**old["rows"][0], "cases": 2}], "total_cases": 5}
    appendix = evidence.as_appendix(two, "ja")  # a minimum of 2 kept: printed as 3
    assert appendix.minimum == 3 and appendix.rows == [] and appendix.small_kinds
    hidden_total = {**old, "total_cases": None, "total_prefectures": None}
    assert document.appendix_lines(evidence.as_appendix(hidden_total, "ja"))[:2] == [
        "区分A：3件",
        "区分B：4件",
    ]


def test_the_minimum_is_never_below_three(people, auth, session):
    """A minimum of 2 let the reporter of one of two cases learn the other (the surveys' k has
    the same floor): the settings form and the service refuse it, and a stored 2 counts as 3."""
    auth.login(people["drafter"])
    token = csrf_token(auth.client, "/formal/settings")
    response = auth.client.post(
        "/formal/settings",
        data={"csrf_token": token, "overdue_days": "30", "evidence_minimum": "2"},
    )
    assert response.status_code == 400
    assert services.hq_settings(session).evidence_minimum == 3
    with pytest.raises(FormalError):
        services.save_settings(
            session,
            people["drafter"],
            None,
            organisation="",
            representative="",
            evidence_minimum=2,
        )
    session.rollback()
    ok = auth.client.post(
        "/formal/settings",
        data={"csrf_token": token, "overdue_days": "30", "evidence_minimum": "4"},
    )
    assert ok.status_code in (302, 303)
    session.expire_all()
    assert services.hq_settings(session).evidence_minimum == 4
    cases = [("13", frozenset("A"))] * 2 + [("25", frozenset("B"))] * 2
    kept = evidence.figures(_request(cases), 2)  # with 2, both kinds of 2 cases would print
    assert kept["minimum"] == 3 and kept["rows"] == [] and kept["total_cases"] == 4


def test_every_output_prints_the_same_suppressed_lines(people, auth, session):
    """The review's case with real cases: the print page, the PDF and the Word file print
    the lines of ``appendix_lines`` and nothing of the withheld kind or the prefectures."""
    make = CaseFactory(session)
    cited = [
        make.case(people["tokyo"], category_codes=("bulk_forms", "status_survey")) for _ in range(3)
    ] + [make.case(people["shiga"], category_codes=("status_survey",))]
    request = FormalFactory(session).request(people["drafter"], case_ids=[c.id for c in cited])
    request.appendix = True
    session.commit()
    lines = document.build(request).appendix_lines()
    assert lines[1:] == [document.SMALL_KINDS_LINE, "合計：4件"] and lines[0].endswith("：4件")
    auth.login(people["drafter"])
    note = document.APPENDIX_NOTE.format(minimum=3)
    for kind, text in appendix_outputs(auth.client, request.id).items():
        assert "都道府県で" not in text and "3件" not in text.replace(note, ""), kind
        for line in lines:
            assert line in text, (kind, line)
        assert note in text, kind
