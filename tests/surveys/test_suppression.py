"""Suppression (SECURITY.md promise 4), tested on random data with hypothesis.

For random group sizes and answers: nothing at all below k answers; no shown group below k; the
groups left out are none, or at least two non-empty ones holding at least k together, so that no
difference of shown figures (total minus shown groups, per cell too) singles out a group below k;
free text only from 10 answers on; inside a shown figure no option cell of 1 to k−1, and no
option residual (overall minus the shown groups' cells) of 1 to k−1 (review R6-3).
"""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import results
from surveys.models import Kind, Question, Survey


def _survey(groups: int, k: int) -> Survey:
    survey = Survey(id=1, title_ja="t", min_group=k)
    survey.questions = [
        Question(
            id=1,
            kind=Kind.SINGLE,
            text_ja="g",
            options_ja="\n".join(f"g{i}" for i in range(groups)),
            is_grouping=True,
            position=1,
        ),
        Question(
            id=2,
            kind=Kind.SINGLE,
            text_ja="yes?",
            options_ja="yes\nno",
            is_grouping=False,
            position=2,
        ),
        Question(
            id=3, kind=Kind.TEXT, text_ja="free", options_ja="", is_grouping=False, position=3
        ),
        Question(
            id=4, kind=Kind.NUMBER, text_ja="times", options_ja="", is_grouping=False, position=4
        ),
    ]
    return survey


@given(
    sizes=st.dictionaries(st.integers(0, 9), st.integers(0, 40), min_size=1, max_size=10),
    k=st.integers(1, 12),
)
def test_shown_groups_never_reveal_a_small_group(sizes, k):
    shown = results.shown_groups(sizes, k)
    kk = results.effective_k(k)
    assert kk >= 3
    assert all(sizes[g] >= kk for g in shown)
    hidden = [n for g, n in sizes.items() if g not in shown and n > 0]
    if hidden and shown:
        # total minus the shown groups is the sum of the hidden ones: never one small group
        # (with no group shown there is no breakdown; the total itself needs k, see report())
        assert sum(hidden) >= kk
        assert len(hidden) >= 2 or hidden[0] >= kk
    # No combination of shown groups subtracted from the total isolates a hidden small group.
    total = sum(sizes.values())
    for r in range(len(shown) + 1):
        for subset in itertools.combinations(sorted(shown), r):
            remainder = total - sum(sizes[g] for g in subset)
            unknown = [n for g, n in sizes.items() if g not in subset and n > 0]
            if shown and len(unknown) == 1 and unknown[0] < kk:
                raise AssertionError(f"group of {remainder} derivable")


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 5), st.booleans(), st.booleans(), st.integers(0, 3)), max_size=80
    ),
    k=st.integers(0, 8),
    seed=st.integers(0, 1000),
)
def test_reports_show_no_cell_of_a_group_below_k(data, k, seed):
    survey = _survey(6, k)
    tally = results.Tally(survey.questions, rng=random.Random(seed))
    for group, yes, wrote, times in data:
        answer = {"1": group, "2": 0 if yes else 1}
        if wrote:
            answer["3"] = f"text {group}"
        if times:  # an optional number question that some leave empty
            answer["4"] = times
        tally.add(answer)
    report = results.report(survey, tally, "en")
    kk = results.effective_k(k)
    if len(data) < kk:
        assert not report.enough and report.questions == [] and report.n == 0
        return
    sizes = {}
    for group, *_ in data:
        sizes[group] = sizes.get(group, 0) + 1
    shown_labels = {label for label, _ in report.groups}
    for _label, n in report.groups:
        assert n >= kk
    hidden = [n for g, n in sizes.items() if f"g{g}" not in shown_labels]
    assert (
        not hidden
        or not report.groups
        or (sum(hidden) >= kk and (len(hidden) >= 2 or hidden[0] >= kk))
    )
    for qr in report.questions:
        # No figure (count, percentage or mean) stands for fewer than k answers to the question.
        for _label, block in [("All", qr.overall), *qr.groups]:
            assert block.suppressed or block.answered >= kk
            if block.suppressed:
                assert block.rows == [] and block.mean is None
        for label, block in qr.groups:
            assert label in shown_labels and (block.suppressed or block.answered >= kk)
            # the per-option residual (overall minus shown groups) covers >= k people
        shown_blocks = [b for _, b in qr.groups if not b.suppressed]
        if not qr.overall.suppressed:
            residual = qr.overall.answered - sum(b.answered for b in shown_blocks)
            assert residual == 0 or residual >= kk
        if qr.question.is_grouping:
            continue
        # Every option is a cell (review R6-3): none shown 1..k−1, "answered minus the shown
        # cells" of a single choice 0 or >= k, and per option the overall cell minus the shown
        # cells of the groups 0 or >= k.
        for block in [qr.overall, *shown_blocks]:
            if block.suppressed:
                continue
            assert all(r.count is None or r.count == 0 or r.count >= kk for r in block.rows)
            assert all((r.count is None) == (r.percent is None) for r in block.rows)
            if qr.question.kind == Kind.SINGLE:
                rest = block.answered - sum(r.count for r in block.rows if r.count is not None)
                assert rest == 0 or rest >= kk
        if not qr.overall.suppressed:
            for j, row in enumerate(qr.overall.rows):
                if row.count is None:
                    continue
                cells = [b.rows[j].count for b in shown_blocks if b.rows[j].count is not None]
                residual = row.count - sum(cells)
                assert residual == 0 or residual >= kk, (qr.text, row.label, row.count, cells)
        if qr.question.kind == Kind.TEXT:
            assert qr.groups == []
            writers = sum(1 for _, _, wrote, _ in data if wrote)
            blank = len(data) - writers  # "did not answer" is a cell too (review R5-7)
            shown = writers >= results.TEXT_MIN and (blank == 0 or blank >= kk)
            assert (qr.texts != []) == shown


def test_complementary_suppression_hides_the_next_smallest_group():
    # One group of 2 below k=5: alone it could be worked out as total minus the others.
    assert results.shown_groups({"a": 2, "b": 6, "c": 9}, 5) == {"c"}
    # Two small groups of 3 together hold 6 >= 5: the rest may be shown.
    assert results.shown_groups({"a": 3, "b": 3, "c": 9}, 5) == {"c"}
    assert results.shown_groups({"a": 3, "b": 2, "c": 9, "d": 7}, 5) == {"c", "d"}
    assert results.shown_groups({"a": 9, "b": 9}, 5) == {"a", "b"}
    assert results.shown_groups({"a": 9, "b": 0}, 5) == {"a"}
    assert results.effective_k(1) == 3


def test_an_optional_question_answered_by_fewer_than_k_shows_no_figure():
    """Five answers, one of them with a number: its mean would be that person's number."""
    survey = _survey(2, 5)
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for n in range(5):
        tally.add({"1": 0, "2": 0, **({"4": 417} if n == 0 else {})})
    report = results.report(survey, tally, "en")
    number = next(qr for qr in report.questions if qr.question.id == 4)
    assert number.overall.suppressed and number.overall.mean is None
    exported = results.rows_for_export(report)
    assert not any(417 in row or 417.0 in row for row in exported)
