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


@dataclass
class Row:
    """One bar: a label, a count and its percentage of those who answered the question."""

    label: str
    count: int
    percent: float


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


def _block(question: Question, count: QuestionCount, locale: str, k: int) -> Block:
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
        Row(label, n, round(100 * n / count.answered, 1) if count.answered else 0.0)
        for label, n in zip(labels, count.options, strict=True)
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
            if not q.is_grouping and q.kind != Kind.TEXT:
                counted = {i: (group_counts[i][key].answered, sizes[i]) for i in shown_order}
                kept = _complementary(answered, tally.n, counted, k) if overall_shown else set()
                groups = [
                    (labels[i], _block(q, group_counts[i][key], locale, k))
                    if i in kept
                    else (labels[i], Block(None, [], suppressed=True))
                    for i in shown_order
                ]
            if q.is_grouping:
                overall = _grouping_block(tally, shown_order, labels, locale, k)
                questions.append(QuestionReport(q, q.text(locale), overall, [], texts))
                continue
            overall = (
                _block(q, overall_counts[key], locale, k)
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
    column of its own (never the percentage's)."""
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
                rows.append([qr.text, group, row.label, row.count, row.percent, ""])
    return rows
