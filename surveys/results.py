"""Counting opened answers and deciding what may be shown (SECURITY.md promise 4).

``tally.Tally`` counts (in one streaming pass; surveys/counting.py runs it on every core);
``report`` turns a tally into what a person may see:

- nothing at all while the survey has fewer than k answers (k per survey, default 5, never < 3);
- a breakdown by the grouping question only for groups of at least k, with complementary
  suppression: the groups left out must together hold at least k answers and be at least two
  non-empty groups, else the next-smallest shown group is left out too (so no hidden group can
  be worked out as the total minus the shown ones);
- free text only when at least ``TEXT_MIN`` people answered it (and its overall figure is shown:
  the number of texts is how many answered), in random order, and never split by group (a
  group's texts could otherwise be worked out from the whole minus the others);
- per question, "did not answer" is a cell of every figure (leaving an optional question blank
  is an answer: for a multiple choice without "none of these", it is how "none" is given; review
  R5-7). The overall figure is shown only when at least k answered and n minus them is 0 or at
  least k; a group's figure only when at least k of that group answered it and the group's size
  minus them is 0 or at least k; and the remainder (overall minus every group figure shown for the
  question: the hidden groups, whose combined size is shown, and the shown groups whose figure
  is left out) must have either nobody or at least k people who answered, and nobody or at least
  k who did not: while not, a shown group figure of that question is left out too (complementary
  suppression inside shown groups). The overall figure, the kept group figures and the remainder
  are then disjoint blocks each with 0 or at least k answering and 0 or at least k not answering,
  so every difference "overall (or n) minus a union of shown group figures (or sizes)" describes
  0 or at least k people, among those who answered and among those who did not;
- inside a shown figure, every option (or scale point) is a cell too (review R6-3): a count of 1 to
  k−1 is not printed (nor its percentage), only the mark ``hidden_mark()`` ("not shown"), the same
  mark for every cell left out, so a reader cannot tell a small cell from one hidden to protect it.
  Complementary suppression inside the figure: while the hidden cells of a figure hold together 1
  to k−1 choices, the smallest non-zero shown cell is hidden too. For a single choice or a scale
  the cells and the blank add up to the figure's size, so "answered minus the shown cells" is
  exactly the hidden cells together: 0 or at least k. For a multiple choice the cells overlap (a
  person may tick several), so a hidden option is never "answered minus the others"; what the shown
  cells give is only a lower bound on the hidden ones together (those who ticked none of the shown
  options ticked a hidden one), and the same rule keeps that sum at 0 or at least k, never one
  small option's count. But every option of a multiple choice is a yes/no question of its own
  (review R7b-2): of those who answered the question, each ticked it or did not, and "answered
  minus the option's count" is how many did not. So for a multiple choice an option is two cells,
  ticked and not ticked, and it is shown only when both are 0 or at least k; else it shows the same
  mark as any cell left out (a group of 6 of whom 5 tick an option shows neither 5 nor the 1 who
  did not). With those who left the question blank (a cell of the figure, above), "the figure's
  size minus the option" is the blanks plus the not ticked: two counts of 0 or at least k, so 0 or
  at least k too. A percentage is shown only beside its count and the figure's base, so it tells
  nothing the count does not. Across figures, per option: the option's overall cell minus the shown
  cells of that option in the kept group figures (the hidden groups, the groups whose figure is
  left out and the cells hidden inside kept figures) must be 0 or at least k, else the smallest
  shown non-zero cell of that option in a group is hidden too (and that group's figure is checked
  again); for a multiple choice the same rule holds on the not ticked side: the overall not ticked
  (overall answered minus the option's overall cell) minus the not ticked of the kept group figures
  where the option is shown (their answered minus their cell) must be 0 or at least k, else the
  shown cell of that option whose group has the fewest (non-zero) not ticked is hidden too. An
  option hidden in the overall figure is hidden in every group figure where anyone ticked it (its
  overall count, and so its not ticked, then never comes back as a sum of shown groups). The shown
  cells of an option are then disjoint blocks of 0 or at least k, on both sides, so any difference
  "overall minus a union of shown group cells" is 0 or at least k, among those who ticked and among
  those who did not (and, with the blanks' disjoint blocks, among all of the figure who did not
  tick it). A number question's mean needs nothing more: it is shown only for a figure of at least
  k answers whose blanks and remainder are 0 or at least k, so it is the mean of at least k people.
  What this cannot catch is a follow-up question (one meant for those who chose an option of
  another question): its base minus that option's cell is the follow-up's blanks among them, which
  no rule per question sees (README, survey results: advice to question writers);
- the grouping question itself shows only the groups shown, and the hidden ones as one combined
  figure (which holds at least k, or nothing);
- a figure that is not shown does not show its size either.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from surveys.models import Kind, Question, Survey
from surveys.tally import NUMBER_MAX, TEXT_MAX, TEXT_SAMPLE, QuestionCount, Tally

__all__ = ["NUMBER_MAX", "TEXT_MAX", "TEXT_SAMPLE", "QuestionCount", "Tally"]  # counted there
TEXT_MIN = 10
MIN_K = 3


def effective_k(k: int | None) -> int:
    """The survey's k, never below 3."""
    return max(MIN_K, int(k or 5))


def shown_groups(sizes: Mapping[object, int], k: int) -> set:
    """Which groups of a breakdown may be shown (see the module docstring)."""
    k = effective_k(k)
    shown = {g for g, n in sizes.items() if n >= k}

    def safe() -> bool:
        hidden = [n for g, n in sizes.items() if g not in shown and n > 0]
        if not hidden:
            return True
        return sum(hidden) >= k and (len(hidden) >= 2 or hidden[0] >= k)

    while shown and not safe():
        shown.remove(min(shown, key=lambda g: (sizes[g], str(g))))
    return shown


# --- what may be shown ---------------------------------------------------------------------


def hidden_mark() -> str:
    """What a cell left out shows instead of its count, in every form (one mark for all)."""
    from flask_babel import gettext as _

    return _("not shown")


@dataclass
class Row:
    """One bar: a label, a count and its percentage of those who answered the question;
    ``count`` and ``percent`` are None for a cell that is not shown (see the module docstring)."""

    label: str
    count: int | None
    percent: float | None

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass
class Block:
    """One question's shown figures, overall or for one group."""

    answered: int | None  # None when suppressed: not even the size of a hidden figure shows
    rows: list[Row]
    mean: float | None = None
    suppressed: bool = False  # fewer than k answered this question here: no figure shown


@dataclass
class QuestionReport:
    """Everything shown for one question."""

    question: Question
    text: str
    overall: Block
    groups: list[tuple[str, Block]]
    texts: list[str]


@dataclass
class Report:
    """What headquarters may see of a survey's results."""

    survey: Survey
    k: int
    n: int
    invalid: int
    enough: bool  # n >= k: otherwise nothing at all is shown
    group_question: str | None
    groups: list[tuple[str, int]]  # shown groups and their sizes
    hidden_groups: int
    questions: list[QuestionReport]


def _block(
    question: Question, count: QuestionCount, locale: str, k: int, hidden: set[int] = frozenset()
) -> Block:
    # An optional question answered by fewer than k people would show their answers (a mean
    # of one is that person's number), whatever the size of the group around them.
    if count.answered < k:
        return Block(None, [], suppressed=True)
    if question.kind == Kind.NUMBER:
        mean = round(count.total / count.answered, 1) if count.answered else None
        return Block(count.answered, [], mean)
    labels = (
        question.scale_points(locale) if question.kind == Kind.SCALE5 else question.options(locale)
    )
    rows = [
        Row(label, None, None)
        if j in hidden
        else Row(label, n, round(100 * n / count.answered, 1) if count.answered else 0.0)
        for j, (label, n) in enumerate(zip(labels, count.options, strict=True))
    ]
    return Block(count.answered, rows)


def _small(count: int, k: int) -> bool:
    """Whether a count describes 1 to k−1 people."""
    return 0 < count < k


def _shows(answered: int, size: int, k: int) -> bool:
    """Whether a block of ``size`` people, ``answered`` of whom answered the question, may be
    shown: at least k answered, and those who did not (a cell of their own: leaving an optional
    question blank is an answer, "none of these") are 0 or at least k (review R5-7)."""
    return answered >= k and not _small(size - answered, k)


def _complementary(overall: int, n: int, groups: dict, k: int) -> set:
    """Which groups' figures of one question may be shown. ``groups`` maps a shown group to
    (answered, size). Each kept group passes ``_shows``; and the remainder (overall minus all of
    them: the hidden groups, and the shown groups whose figure is left out) must have 0 or at
    least k who answered and 0 or at least k who did not (its size, n minus the kept groups'
    sizes, is shown too); while it has not, a kept group is left out, again: the smallest by
    answers, or, when only the non-answers are short, the one with the fewest non-answers."""
    kept = {g for g, (answered, size) in groups.items() if _shows(answered, size, k)}
    while kept:
        rest_answered = overall - sum(groups[g][0] for g in kept)
        rest_blank = (n - overall) - sum(groups[g][1] - groups[g][0] for g in kept)
        if _small(rest_answered, k):
            drop = min(kept, key=lambda g: (groups[g][0], str(g)))
        elif _small(rest_blank, k):
            blank = [g for g in kept if groups[g][1] > groups[g][0]] or list(kept)
            drop = min(blank, key=lambda g: (groups[g][1] - groups[g][0], groups[g][0], str(g)))
        else:
            break
        kept.remove(drop)
    return kept


def _hidden_cells(
    counts: list[int], hidden: set[int], k: int, answered: int | None = None
) -> set[int]:
    """The cells of one shown figure to leave out: every count of 1 to k−1 and those already
    ``hidden``; for a multiple choice (``answered`` given: how many answered the question in
    this figure) also every option that 1 to k−1 of them answered without ticking; then, while
    they hold together 1 to k−1, the smallest non-zero shown one too."""
    hidden = set(hidden) | {
        j
        for j, c in enumerate(counts)
        if _small(c, k) or (answered is not None and _small(answered - c, k))
    }
    while _small(sum(counts[j] for j in hidden), k):
        rest = [j for j, c in enumerate(counts) if j not in hidden and c > 0]
        if not rest:  # cannot happen for a figure of at least k answers; withhold every cell
            return set(range(len(counts)))
        hidden.add(min(rest, key=lambda j: (counts[j], j)))
    return hidden


def _cell_suppression(
    overall: list[int], groups: dict, k: int, answered: tuple[int, dict] | None = None
) -> tuple[set, dict]:
    """Which cells to hide in the overall figure and in each kept group figure (``groups``
    maps a kept group to its option counts): inside each figure by ``_hidden_cells``, and per
    option across figures so that overall minus the shown group cells is 0 or at least k. For
    a multiple choice ``answered`` is (how many answered overall, {kept group: how many of it
    answered}): each option is then two cells, ticked and not ticked among those who answered;
    it is shown in a figure only when both are 0 or at least k, and the rule across figures
    holds for both sides."""
    top_answered, group_answered = answered if answered else (None, {})
    top = _hidden_cells(overall, set(), k, top_answered)
    inner = {g: _hidden_cells(c, set(), k, group_answered.get(g)) for g, c in groups.items()}

    def sides(j: int):
        # The option's overall cell and its cell in each group: ticked, then (multiple
        # choice) not ticked.
        yield overall[j], {g: counts[j] for g, counts in groups.items()}
        if answered:
            not_ticked = {g: group_answered[g] - counts[j] for g, counts in groups.items()}
            yield top_answered - overall[j], not_ticked

    changed = True
    while changed:
        changed = False
        for j in range(len(overall)):
            shown = [g for g in groups if j not in inner[g]]
            drop = []
            if j in top:
                drop = [g for g in shown if groups[g][j] > 0]
            else:
                for total, cells in sides(j):
                    if _small(total - sum(cells[g] for g in shown), k):
                        positive = [g for g in shown if cells[g] > 0]
                        if positive:
                            drop = [min(positive, key=lambda g: (cells[g], str(g)))]
                        break
            for g in drop:
                inner[g] = _hidden_cells(groups[g], inner[g] | {j}, k, group_answered.get(g))
                changed = True
    return top, inner


def _grouping_block(
    tally: Tally, shown: list[int], labels: list[str], locale: str, k: int
) -> Block:
    """The grouping question's own figure: the shown groups, the others only combined."""
    from flask_babel import gettext as _

    n = tally.n
    rows = [
        Row(labels[i], tally.group_sizes[i], round(100 * tally.group_sizes[i] / n, 1) if n else 0.0)
        for i in shown
    ]
    rest = n - sum(tally.group_sizes[i] for i in shown)
    if rest:
        rows.append(Row(_("Other groups (combined)"), rest, round(100 * rest / n, 1)))
    return Block(n, rows)


def report(survey: Survey, tally: Tally, locale: str) -> Report:
    """Apply the suppression rules to a tally."""
    k = effective_k(survey.min_group)
    enough = tally.n >= k
    grouping = tally.grouping
    labels = grouping.options(locale) if grouping else []
    shown = shown_groups(dict(enumerate(tally.group_sizes)), k) if enough and grouping else set()
    shown_order = [i for i in range(tally.group_count) if i in shown]
    questions: list[QuestionReport] = []
    if enough:
        overall_counts, group_counts = tally.overall, tally.by_group
        sizes = tally.group_sizes
        for q in tally.questions:
            key = str(q.id)
            answered = overall_counts[key].answered
            # The overall figure, like every figure, leaves 0 or at least k unanswered.
            overall_shown = _shows(answered, tally.n, k)
            texts: list[str] = []
            if q.kind == Kind.TEXT and answered >= TEXT_MIN and overall_shown:
                texts = list(tally.texts[key])
                secrets.SystemRandom().shuffle(texts)
            groups = []
            top: set[int] = set()
            if not q.is_grouping and q.kind != Kind.TEXT:
                counted = {i: (group_counts[i][key].answered, sizes[i]) for i in shown_order}
                kept = _complementary(answered, tally.n, counted, k) if overall_shown else set()
                # A multiple choice's options overlap: each is ticked or not by those who
                # answered, and both sides are cells.
                bases = (
                    (answered, {i: group_counts[i][key].answered for i in kept})
                    if q.kind == Kind.MULTIPLE
                    else None
                )
                top, inner = _cell_suppression(
                    overall_counts[key].options,
                    {i: group_counts[i][key].options for i in kept},
                    k,
                    bases,
                )
                groups = [
                    (labels[i], _block(q, group_counts[i][key], locale, k, inner[i]))
                    if i in kept
                    else (labels[i], Block(None, [], suppressed=True))
                    for i in shown_order
                ]
            if q.is_grouping:
                overall = _grouping_block(tally, shown_order, labels, locale, k)
                questions.append(QuestionReport(q, q.text(locale), overall, [], texts))
                continue
            overall = (
                _block(q, overall_counts[key], locale, k, top)
                if overall_shown
                else Block(None, [], suppressed=True)
            )
            questions.append(QuestionReport(q, q.text(locale), overall, groups, texts))
    return Report(
        survey=survey,
        k=k,
        n=tally.n if enough else 0,
        invalid=tally.invalid if enough else 0,
        enough=enough,
        group_question=grouping.text(locale) if grouping else None,
        groups=[(labels[i], tally.group_sizes[i]) for i in shown_order],
        hidden_groups=(tally.group_count - len(shown_order)) if enough and grouping else 0,
        questions=questions,
    )


def rows_for_export(rep: Report) -> list[list[object]]:
    """The aggregates as a table (the same figures the page shows): per shown figure, how many
    answered it, then its choices with count and percentage; a number question's mean has a
    column of its own (never the percentage's); a cell left out shows the mark "not shown" in
    the count column and nothing in the percentage's."""
    from flask_babel import gettext as _

    header = [_("Question"), _("Group"), _("Answer"), _("Count"), _("Percent"), _("Mean")]
    rows: list[list[object]] = [header]
    if not rep.enough:
        return rows
    for qr in rep.questions:
        for group, block in [(_("All"), qr.overall), *qr.groups]:
            if block.suppressed:
                continue
            # Every shown figure with its base: how many people it describes.
            mean = "" if block.mean is None else block.mean
            rows.append([qr.text, group, _("Answered"), block.answered, "", mean])
            for row in block.rows:
                if row.hidden:
                    rows.append([qr.text, group, row.label, hidden_mark(), "", ""])
                else:
                    rows.append([qr.text, group, row.label, row.count, row.percent, ""])
    return rows
