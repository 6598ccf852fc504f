"""No figure and no difference of figures describes 1 to k-1 respondents, in any form of the
results: the report the page shows, the CSV and XLSX exports, and ``surveys tally`` (issue 10,
leaks 1 to 3; SECURITY.md promise 4).

The figures of a question are disjoint blocks: overall, and one per shown group. A difference
"overall minus a union of shown group blocks" describes the people of the question's overall
block outside those groups. The property checked, question by question and for every union: it
describes 0 or at least k people. "Did not answer" is a cell of every figure too (review R5-7):
the number of answers and the shown groups' sizes are printed beside each question's figures, so
n minus the overall "answered", a group's size minus its "answered", and (n minus overall) minus
a union of (size minus answered) of shown groups must each be 0 or at least k as well. Each form
is parsed back into (question, group) -> base, and into n and the shown groups' sizes, so a
figure that one form shows and the others hide is caught too.

Every option of a shown figure is a cell as well (review R6-3): each form is also parsed into
(question, group, option) -> count, or None where the cell shows the "not shown" mark. No shown
cell is 1 to k−1; for a single choice or a scale (cells and blanks add up to the size)
"answered minus the shown cells" is 0 or at least k; and per option the overall cell minus any
union of shown group cells of that option is 0 or at least k. For a multiple choice each
option is two cells (review R7b-2), ticked and not ticked: "answered minus the cell" (and, with
the blanks, the figure's size minus it) is 0 or at least k, and so is the overall not-ticked
minus any union of the shown groups' not-ticked.
"""

from __future__ import annotations

import csv
import io
import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import exporting, results
from surveys.commands import render_text
from surveys.models import Kind, Question, Survey


def _survey(k: int, groups: int, optional: list[Kind]) -> Survey:
    survey = Survey(id=1, title_ja="t", min_group=k)
    questions = [
        Question(
            id=1,
            kind=Kind.SINGLE,
            text_ja="group",
            options_ja="\n".join(f"g{i}" for i in range(groups)),
            is_grouping=True,
            required=True,
            position=1,
        )
    ]
    for n, kind in enumerate(optional, start=2):
        options = {Kind.SINGLE: "yes\nno", Kind.MULTIPLE: "a\nb\nc"}.get(kind, "")
        questions.append(Question(id=n, kind=kind, text_ja=f"q{n}", options_ja=options, position=n))
    survey.questions = questions
    return survey


def _value(kind: Kind, rng: random.Random):
    if kind == Kind.SINGLE:
        return rng.randrange(2)
    if kind == Kind.MULTIPLE:
        return sorted(rng.sample(range(3), rng.randint(1, 3)))
    if kind == Kind.SCALE5:
        return rng.randint(1, 5)
    return rng.choice([10, 999, 0, 42])


OTHERS = "Other groups (combined)"


HIDDEN = "not shown"


def _forms(rep: results.Report, app) -> dict[str, dict[tuple[str, str], int]]:
    """(question, group) -> the number of people the figure describes, per form; and under
    ("answers", "") the n a form prints, under ("size", group) each shown group's size; under
    ("cell", question, group, option) each option's count (None: shown as "not shown")."""
    forms = {}
    page = {}
    for qr in rep.questions:
        for group, block in [("All", qr.overall), *qr.groups]:
            if not block.suppressed:
                page[(qr.text, group)] = block.answered
                if not qr.question.is_grouping:
                    for row in block.rows:
                        page[("cell", qr.text, group, row.label)] = row.count
    page[("answers", "")] = rep.n
    for group, size in rep.groups:
        page[("size", group)] = size
    forms["page"] = page
    with app.test_request_context("/?lang=en"):
        rows = results.rows_for_export(rep)
        parsed = list(csv.reader(io.StringIO(exporting.csv_bytes(rows).decode("utf-8-sig"))))
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(exporting.xlsx_bytes("r", rows))).active
        xlsx = [[c.value for c in row] for row in sheet.iter_rows()]
        text = render_text(rep)
        lines = [line.split("\t") for line in text if "\t" in line]
    for name, table in (("csv", parsed), ("xlsx", xlsx), ("tally", lines)):
        found = {}
        for row in table[1:] if name != "tally" else table:
            if len(row) >= 4 and row[2] == "Answered":
                found[(str(row[0]), str(row[1]))] = int(row[3])
            elif len(row) >= 4 and row[:2] == ["group", "All"] and row[2] != OTHERS:
                # A shown group's size (the combined others are n minus the shown sizes).
                found[("size", str(row[2]))] = int(row[3])
            elif len(row) >= 4 and row[0] not in ("group", "Question"):
                cell = None if row[3] == HIDDEN else int(row[3])
                assert row[3] != HIDDEN or row[4] in ("", None), (name, row)
                found[("cell", str(row[0]), str(row[1]), str(row[2]))] = cell
        # The grouping question (answered by everyone) gives n, as the tally's header does.
        found[("answers", "")] = found.get(("group", "All"), 0)
        if name == "tally" and rep.enough:
            header = next(line for line in text if line.startswith("answers: "))
            assert header.split()[1] == str(rep.n)
        forms[name] = found
    return forms


def _small(count: int, k: int) -> bool:
    return 0 < count < k


def _check(rep: results.Report, forms: dict, k: int) -> None:
    bases = forms["page"]
    for name, found in forms.items():
        assert found == bases, name
        for key, people in found.items():
            if key[0] == "cell":
                assert people is None or not _small(people, k), (name, key, people)
            elif key[0] not in ("answers", "size"):
                assert people >= k, (name, key, people)
    bases = dict(bases)
    cells = {key[1:]: bases.pop(key) for key in list(bases) if key[0] == "cell"}
    _check_cells(rep, bases, cells, k)
    n = bases.pop(("answers", ""))
    sizes = {group: bases.pop(("size", group)) for (what, group) in list(bases) if what == "size"}
    by_question: dict[str, dict[str, int]] = {}
    for (question, group), people in bases.items():
        by_question.setdefault(question, {})[group] = people
    for question, blocks in by_question.items():
        overall = blocks.pop("All", None)
        if overall is None:
            assert not blocks, question  # no group figure without the overall one
            continue
        groups = list(blocks.items())
        assert sum(people for _, people in groups) <= overall
        # Whoever did not answer: n minus the overall figure, and each shown group's size minus
        # its figure, and every union of them taken from that.
        assert not _small(n - overall, k), (question, n, overall)
        for group, people in groups:
            assert not _small(sizes[group] - people, k), (question, group, sizes[group], people)
        for r in range(len(groups) + 1):
            for union in itertools.combinations(groups, r):
                rest = overall - sum(people for _, people in union)
                assert rest == 0 or rest >= k, (question, overall, union)
                blank = (n - overall) - sum(sizes[g] - people for g, people in union)
                assert not _small(blank, k), (question, n, overall, union, sizes)


def _check_cells(rep, bases: dict, cells: dict, k: int) -> None:
    """Inside each shown figure and, per option, across the figures of a question. For a
    multiple choice every option is two cells (review R7b-2): those who ticked it and those
    who answered the question without ticking it ("answered minus the cell"); with those who
    left the question blank, the figure's size minus the cell."""
    single = {qr.text for qr in rep.questions if qr.question.kind in (Kind.SINGLE, Kind.SCALE5)}
    multiple = {qr.text for qr in rep.questions if qr.question.kind == Kind.MULTIPLE}
    n = bases[("answers", "")]

    def size(group: str) -> int:
        return n if group == "All" else bases[("size", group)]

    by_figure: dict[tuple[str, str], dict[str, int | None]] = {}
    for (question, group, option), count in cells.items():
        by_figure.setdefault((question, group), {})[option] = count
    for (question, group), row in by_figure.items():
        answered = bases[(question, group)]
        if question in single:
            rest = answered - sum(c for c in row.values() if c is not None)
            assert not _small(rest, k), (question, group, row)
        if question in multiple:
            for option, count in row.items():
                if count is not None:
                    assert not _small(answered - count, k), (question, group, option, row)
                    assert not _small(size(group) - count, k), (question, group, option, row)
    for qr in rep.questions:
        if (qr.text, "All") not in by_figure:
            continue
        for option, overall in by_figure[(qr.text, "All")].items():
            if overall is None:
                continue
            # (group, ticked, answered in it, its size) for the groups whose cell is shown
            shown = [
                (g, by_figure[(qr.text, g)][option], bases[(qr.text, g)], size(g))
                for g, _ in qr.groups
                if (qr.text, g) in by_figure and by_figure[(qr.text, g)][option] is not None
            ]
            answered = bases[(qr.text, "All")]
            for r in range(len(shown) + 1):
                for union in itertools.combinations(shown, r):
                    ticked = overall - sum(c for _, c, _, _ in union)
                    assert not _small(ticked, k), (qr.text, option, overall, union)
                    if qr.text in multiple:
                        not_ticked = (answered - overall) - sum(a - c for _, c, a, _ in union)
                        assert not _small(not_ticked, k), (qr.text, option, answered, union)
                        others = (n - overall) - sum(s - c for _, c, _, s in union)
                        assert not _small(others, k), (qr.text, option, n, union)


@pytest.fixture(scope="module")
def english_app():
    from flask import Flask
    from flask_babel import Babel

    app = Flask("t")
    Babel(app, locale_selector=lambda: "en")
    return app


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    k=st.integers(3, 7),
    groups=st.integers(1, 5),
    optional=st.lists(
        st.sampled_from([Kind.SINGLE, Kind.MULTIPLE, Kind.SCALE5, Kind.NUMBER]),
        min_size=1,
        max_size=4,
    ),
    people=st.lists(
        st.tuples(st.integers(0, 4), st.lists(st.booleans(), min_size=4, max_size=4)),
        max_size=60,
    ),
    seed=st.integers(0, 10_000),
)
def test_no_figure_and_no_difference_describes_one_to_k_minus_one(
    english_app, k, groups, optional, people, seed
):
    survey = _survey(k, groups, optional)
    rng = random.Random(seed)
    tally = results.Tally(survey.questions, rng=rng)
    for group, answers in people:
        answer = {"1": group % groups}
        for q, gives in zip(survey.questions[1:], answers, strict=False):
            if gives:
                answer[str(q.id)] = _value(q.kind, rng)
        tally.add(answer)
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    _check(rep, _forms(rep, english_app), results.effective_k(k))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    k=st.integers(3, 6),
    groups=st.integers(1, 4),
    # Per person: a group, and the options ticked as a bit mask (0: left blank). Most tick
    # almost everything, so that "answered minus an option" is often small (review R7b-2).
    people=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([7, 7, 7, 3, 5, 6, 1, 2, 4, 0])),
        max_size=50,
    ),
)
def test_no_multiple_choice_figure_gives_away_the_few_who_did_not_tick(
    english_app, k, groups, people
):
    survey = _survey(k, groups, [Kind.MULTIPLE])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for group, mask in people:
        answer = {"1": group % groups}
        if mask:
            answer["2"] = [j for j in range(3) if mask >> j & 1]
        tally.add(answer)
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    _check(rep, _forms(rep, english_app), results.effective_k(k))


def _leak_survey():
    """The review's case: k = 3, g1 five people who all answer (4 yes, 1 no, 10 each); g2
    three people of whom one answers the optional questions ("no", 999)."""
    survey = _survey(3, 2, [Kind.SINGLE, Kind.NUMBER])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for n in range(5):
        tally.add({"1": 0, "2": 0 if n < 4 else 1, "3": 10})
    tally.add({"1": 1, "2": 1, "3": 999})
    tally.add({"1": 1})
    tally.add({"1": 1})
    return survey, tally


def test_the_review_subtraction_no_longer_gives_the_one_answer(english_app):
    survey, tally = _leak_survey()
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
        rows = results.rows_for_export(rep)
        lines = render_text(rep)
    forms = _forms(rep, english_app)
    _check(rep, forms, 3)
    # Overall shows 6 answers (4 yes, 2 no, mean 174.8); g1 alone would give away the sixth.
    for qr in rep.questions[1:]:
        assert all(block.suppressed for _, block in qr.groups), qr.text
    assert not any(row[1] == "g1" and row[0] in ("q2", "q3") for row in rows)
    assert not any("\tg1\t" in line and line.startswith(("q2", "q3")) for line in lines)


def test_the_grouping_question_shows_no_group_below_k(english_app):
    survey = _survey(3, 3, [Kind.SINGLE])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for group, count in ((0, 5), (1, 1), (2, 2)):  # 本庁 5, 出先 1, 支所 2
        for _ in range(count):
            tally.add({"1": group, "2": 0})
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    grouping = rep.questions[0]
    labels = {row.label: row.count for row in grouping.overall.rows}
    assert "g1" not in labels and "g2" not in labels
    assert labels == {"g0": 5, "Other groups (combined)": 3}


def test_a_suppressed_figure_does_not_print_its_size(app):
    from flask import render_template

    survey, tally = _leak_survey()
    survey.title_en = "t"
    with app.test_request_context("/?lang=en"):
        rep = results.report(survey, tally, "en")
        html = render_template("surveys/results.html", survey=survey, report=rep)
    suppressed = [b for qr in rep.questions for _, b in qr.groups if b.suppressed]
    assert suppressed and all(b.answered is None for b in suppressed)
    # "g2 (1 answer)" next to "not shown" was the leak: no caption with a count for g2.
    assert "g2 (" not in html and "g1 (" not in html


def _blank_survey(k: int, groups: list[tuple[int, int]]):
    """A survey whose optional multiple choice q2 (no "none of these") groups' people answer
    or leave blank: ``groups`` is (size, answered) per group."""
    survey = _survey(k, len(groups), [Kind.MULTIPLE])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for group, (size, answered) in enumerate(groups):
        for n in range(size):
            tally.add({"1": group, "2": [0]} if n < answered else {"1": group})
    return survey, tally


def _figures(rep, app) -> dict:
    forms = _forms(rep, app)
    return {
        name: {key: v for key, v in found.items() if key[0] == "q2"}
        for name, found in forms.items()
    }


def test_one_blank_in_a_shown_group_is_not_disclosed(english_app):
    """Review R5-7: 本庁 6 people of whom 5 answered the optional multiple choice, 出先機関 6
    who all did, k = 5: 本庁's 6 − 5 and the overall 12 − 11 gave the one blank away. Every
    form now leaves the question's figures out (the overall one too, or 12 − 11 would)."""
    survey, tally = _blank_survey(5, [(6, 5), (6, 6)])
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    assert rep.groups == [("g0", 6), ("g1", 6)]
    q2 = rep.questions[1]
    assert q2.overall.suppressed and all(b.suppressed for _, b in q2.groups)
    forms = _forms(rep, english_app)
    _check(rep, forms, 5)
    assert all(not figures for figures in _figures(rep, english_app).values())


def test_a_group_whose_blanks_are_few_is_left_out_and_so_is_its_complement(english_app):
    """k = 3: g0 has 6 people and 5 answered (1 blank: left out); g1 6 and 3 answered (3
    blanks, shown on its own), but then the overall 12 − 8 = 4 blanks minus g1's 3 leaves g0's
    one: g1 is left out too. The overall figure (4 blanks) stays."""
    survey, tally = _blank_survey(3, [(6, 5), (6, 3)])
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    q2 = rep.questions[1]
    assert not q2.overall.suppressed and q2.overall.answered == 8
    assert all(b.suppressed for _, b in q2.groups)
    _check(rep, _forms(rep, english_app), 3)
    for figures in _figures(rep, english_app).values():
        assert figures == {("q2", "All"): 8}
    # With three blanks in each group every figure is shown.
    survey, tally = _blank_survey(3, [(6, 3), (6, 3)])
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    _check(rep, _forms(rep, english_app), 3)
    assert _figures(rep, english_app)["tally"] == {
        ("q2", "All"): 6,
        ("q2", "g0"): 3,
        ("q2", "g1"): 3,
    }


def test_free_text_with_few_blanks_is_not_shown(english_app):
    """The texts shown are as many as wrote one: n minus them is a figure too."""
    survey = _survey(3, 1, [Kind.TEXT])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for n in range(12):
        tally.add({"1": 0, "2": f"text {n}"} if n else {"1": 0})
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    assert rep.questions[1].texts == [] and rep.questions[1].overall.suppressed
    tally.add({"1": 0})
    tally.add({"1": 0})
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    assert len(rep.questions[1].texts) == 11 and rep.questions[1].overall.answered == 11


def test_an_option_chosen_by_one_of_a_shown_group_is_not_printed(english_app, app):
    """Review R6-3: 本庁 6 people, one of whom answers 「ない」; 出先機関 6, k = 5. 「ない 1」 was
    printed; now 本庁's 「ない」 is "not shown", and so is its 「ある」 (answered 6 − 「ある」 5
    would give the one back), in every form; the overall 「ない」 1 is left out too."""
    from flask import render_template

    survey = _survey(5, 2, [Kind.SINGLE])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for n in range(6):
        tally.add({"1": 0, "2": 0 if n else 1})
    for _n in range(6):
        tally.add({"1": 1, "2": 0})
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    q2 = rep.questions[1]
    g0 = dict(q2.groups)["g0"]
    assert g0.answered == 6 and [(r.label, r.count, r.percent) for r in g0.rows] == [
        ("yes", None, None),
        ("no", None, None),
    ]
    assert [(r.label, r.count) for r in q2.overall.rows] == [("yes", None), ("no", None)]
    # An option hidden overall is hidden in every group (else overall = the groups' sum would
    # give back 「ない」 1 as 12 − (5 + 6)); 出先機関's 「ない」 0 stays.
    assert [(r.label, r.count) for r in dict(q2.groups)["g1"].rows] == [("yes", None), ("no", 0)]
    forms = _forms(rep, english_app)
    _check(rep, forms, 5)
    for name, found in forms.items():
        assert found[("cell", "q2", "g0", "no")] is None, name
    survey.title_en = "t"
    with app.test_request_context("/?lang=ja"):
        rep = results.report(survey, tally, "ja")
        html = render_template("surveys/results.html", survey=survey, report=rep)
        rows = results.rows_for_export(rep)
    assert "非表示" in html and "5人未満" in html
    assert any(row[3] == "非表示" for row in rows)


def test_a_small_option_in_a_group_hides_the_next_smallest_and_the_residual_per_option(
    english_app,
):
    """k = 3, a scale of five points: g0 (9) chose 1, 1, 1, 2, 2, 2, 2, 3, 3 — 「3」 2 is below k
    and 「1」 3 is hidden with it (2 alone = answered − the rest); g1 (9): all 3 of 「3」 only,
    the rest 「5」. Overall 「3」 5 − g1's 3 = g0's 2: so g1's 「3」 is hidden as well."""
    survey = _survey(3, 2, [Kind.SCALE5])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for point in (1, 1, 1, 2, 2, 2, 2, 3, 3):
        tally.add({"1": 0, "2": point})
    for point in (3, 3, 3, 5, 5, 5, 5, 5, 5):
        tally.add({"1": 1, "2": point})
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    q2 = rep.questions[1]
    groups = {g: [r.count for r in b.rows] for g, b in q2.groups}
    assert groups["g0"] == [None, 4, None, 0, 0]
    assert groups["g1"][2] is None
    _check(rep, _forms(rep, english_app), 3)


def _ticks(k: int, groups: list[list[list[int]]]):
    """A survey whose multiple choice q2 (a, b, c) each group's people answer with the ticks
    given, one list per person."""
    survey = _survey(k, len(groups), [Kind.MULTIPLE])
    tally = results.Tally(survey.questions, rng=random.Random(1))
    for group, people in enumerate(groups):
        for ticks in people:
            tally.add({"1": group, "2": ticks})
    return survey, tally


def _option(forms: dict, option: str) -> dict:
    """Per form, the cells of one option of q2 by group."""
    return {
        name: {
            key[2]: v for key, v in found.items() if key[:2] == ("cell", "q2") and key[3] == option
        }
        for name, found in forms.items()
    }


def test_the_one_who_did_not_tick_an_option_is_not_disclosed(english_app, app):
    """Review R7b-2, k = 5: g0 6 people of whom 5 tick a and b and one ticks a only; g1 6 who
    all tick a and b. 「b 5」 of 6 in g0 and 「b 11」 of 12 overall each gave away the one who
    did not tick b (and that they are in g0). Now b is "not shown" in every figure and form,
    with no percentage; a (everyone) and c (nobody) stay."""
    from flask import render_template

    survey, tally = _ticks(5, [[[0, 1]] * 5 + [[0]], [[0, 1]] * 6])
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    q2 = rep.questions[1]
    figures = {
        g: (b.answered, [(r.label, r.count, r.percent) for r in b.rows])
        for g, b in [("All", q2.overall), *q2.groups]
    }
    assert figures == {
        "All": (12, [("a", 12, 100.0), ("b", None, None), ("c", 0, 0.0)]),
        "g0": (6, [("a", 6, 100.0), ("b", None, None), ("c", 0, 0.0)]),
        "g1": (6, [("a", 6, 100.0), ("b", None, None), ("c", 0, 0.0)]),
    }
    forms = _forms(rep, english_app)
    _check(rep, forms, 5)
    for name, cells in _option(forms, "b").items():
        assert cells == {"All": None, "g0": None, "g1": None}, name
    with english_app.test_request_context():
        csv_text = exporting.csv_bytes(results.rows_for_export(rep)).decode("utf-8-sig")
        lines = render_text(rep)
    for group in ("All", "g0", "g1"):
        assert f"q2,{group},b,not shown,," in csv_text.splitlines()
        assert f"q2\t{group}\tb\tnot shown\t\t" in lines
    assert not any(
        line.startswith("q2") and ("\t5\t" in line or "\t11\t" in line) for line in lines
    )
    survey.title_en = "t"
    with app.test_request_context("/?lang=ja"):
        rep = results.report(survey, tally, "ja")
        html = render_template("surveys/results.html", survey=survey, report=rep)
    assert "非表示" in html and "回答した人のうち選ばなかった人が5人未満の選択肢" in html
    assert "83.3" not in html and "91.7" not in html


def test_the_few_who_did_not_tick_are_not_the_overall_minus_the_groups(english_app):
    """Across figures, the not-ticked side: k = 5, everyone ticks a; g0 and g1 (10 each) have 5
    ticking b and 5 not, g2 (7) 5 ticking b and 2 not. g2's b is "not shown" (7 − 5 = 2), but
    overall b 15 of 27 leaves 12 who did not tick it, and 12 − 5 − 5 would give g2's 2: so one
    more group's b is left out. Overall b stays (15 and 12 are both at least k)."""
    g = [[0, 1]] * 5
    survey, tally = _ticks(5, [g + [[0]] * 5, g + [[0]] * 5, g + [[0]] * 2])
    with english_app.test_request_context():
        rep = results.report(survey, tally, "en")
    forms = _forms(rep, english_app)
    _check(rep, forms, 5)
    for name, cells in _option(forms, "b").items():
        assert cells["All"] == 15 and cells["g2"] is None, name
        assert sorted([cells["g0"], cells["g1"]], key=str) == [5, None], name


def test_the_results_page_and_csv_hide_the_one_not_pressed_by_hr(client, auth, make, surveys):
    """The review's run through the app: 12 members answer on the no-JavaScript page, 6 Office
    and 6 Technical; on "By whom" 11 tick Manager and HR, one Office member Manager only.
    Headquarters' page and CSV printed HR 11 (91.7%) overall and 5 (83.3%) for Office."""
    from campaign.auth.models import Role
    from tests.surveys.helpers import answer_token, plain_form
    from tests.surveys.screens import results as open_results

    survey = surveys.opened()
    multiple = next(q for q in survey.questions if q.kind == Kind.MULTIPLE)
    anonymous = client.application.test_client()
    for n in range(12):
        data = {
            **plain_form(survey, group=0 if n < 6 else 1),
            "token": answer_token(anonymous, survey.id),
        }
        data[f"q{multiple.id}"] = ["0"] if n == 0 else ["0", "1"]
        assert anonymous.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
    survey = surveys.close(survey)
    auth.login(make.user(role=Role.HQ))
    page = open_results(client, survey).get_data(as_text=True)
    assert "91.7" not in page and "83.3" not in page and "not shown" in page
    assert "not chosen by fewer than 5 of those who answered" in page
    rows = list(
        csv.reader(io.StringIO(open_results(client, survey, "csv").data.decode("utf-8-sig")))
    )
    by_whom = {(r[1], r[2]): r[3] for r in rows if r[0] == "By whom"}
    assert by_whom == {
        **{(g, "Answered"): str(n) for g, n in (("All", 12), ("Office", 6), ("Technical", 6))},
        **{(g, "Manager"): str(n) for g, n in (("All", 12), ("Office", 6), ("Technical", 6))},
        **{(g, "HR"): "not shown" for g in ("All", "Office", "Technical")},
        **{(g, "Colleague"): "0" for g in ("All", "Office", "Technical")},
    }
