"""Counting opened answers: ``Tally``, overall and per group of the grouping question
(surveys/counting.py opens the answers and runs tallies on every core; surveys/results.py
decides what of a tally may be shown).

Memory depends on the questions, not on the number of answers (free text is kept as a bounded
uniform random sample). An answer is checked completely before it counts; counting appends the
index of each counter it touches to a list (rolled back if a later question of the answer is
malformed), and the list is folded into flat counters with ``collections.Counter`` (in C) every
so often. Each group of the grouping question has its own block of counters; the overall
figures are the sum of the blocks, and a single-choice question's "answered" is the sum of its
options.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from surveys.models import Kind, Question

TEXT_SAMPLE = 500  # free-text answers kept per question (a uniform random sample)
NUMBER_MAX = 10**9
TEXT_MAX = 300
_FOLD_AT = 8_192  # pending counter hits folded into the counters past this many
_ANSWERED, _TOTAL, _FIRST = 0, 1, 2  # layout of one question's counters in a block


@dataclass
class QuestionCount:
    """The counts of one question, overall or within one group."""

    answered: int = 0
    options: list[int] = field(default_factory=list)  # per option (or scale point)
    total: int = 0  # sum of numbers


def _width(question: Question) -> int:
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        return len(question.options("ja"))
    if question.kind == Kind.SCALE5:
        return 5
    return 0


class Tally:
    """Streaming counts of a survey's answers, overall and per group of the grouping question.

    An answer is checked completely before anything is counted, so a malformed one (it could
    come from any browser) counts as invalid and changes nothing else.
    """

    def __init__(self, questions: list[Question], rng: random.Random | None = None) -> None:
        self.questions = questions
        # Which texts the sample keeps is no secret (nobody sees the generator's output, and the
        # texts shown are shuffled again with SystemRandom, results.report), and the parent
        # process merges a sample per chunk: a generator seeded by the system, not a system
        # call per draw (1.2 ms a chunk, on the path that feeds the workers, down to 0.2 ms).
        self.rng = rng or random.Random(secrets.randbits(256))  # noqa: S311
        self.grouping = next((q for q in questions if q.is_grouping), None)
        self.group_count = len(self.grouping.options("ja")) if self.grouping else 0
        self._group_key = str(self.grouping.id) if self.grouping else None
        self.n = 0
        self.invalid = 0
        self._offsets: dict[str, int] = {}
        offset = 0
        for q in questions:
            self._offsets[str(q.id)] = offset
            offset += _FIRST + _width(q)
        self._block = offset
        self._flat = [0] * (offset * max(1, self.group_count))
        self._hits: list[int] = []
        self._sums: list[int] = []  # counter index, amount, counter index, amount, …
        self._new_texts: list[str] = []  # question key, text, question key, text, …
        self._texts: dict[str, list[str]] = {
            str(q.id): [] for q in questions if q.kind == Kind.TEXT
        }
        self._seen_texts = dict.fromkeys(self._texts, 0)
        # The grouping question (single choice) is counted by the group itself.
        by_group = self.grouping is not None and self.grouping.kind == Kind.SINGLE
        self._group_hits = [
            g * offset + self._offsets[self._group_key] + _FIRST + g
            for g in range(self.group_count if by_group else 0)
        ]
        planned = [q for q in questions if not (by_group and q.is_grouping)]
        self._plans = [self._plan(planned, b * offset) for b in range(max(1, self.group_count))]

    def _plan(self, questions: list[Question], base: int) -> tuple:
        """Per kind of question, what to read from an answer and which counters it touches."""
        choices, multiples, numbers, texts = [], [], [], []
        for q in questions:
            key, width = str(q.id), _width(q)
            at = base + self._offsets[key]
            if q.kind == Kind.SCALE5:
                choices.append((key, {v: at + _FIRST + v - 1 for v in range(1, 6)}))
            elif q.kind == Kind.SINGLE:
                choices.append((key, {v: at + _FIRST + v for v in range(width)}))
            elif q.kind == Kind.MULTIPLE:
                multiples.append((key, {v: at + _FIRST + v for v in range(width)}, at + _ANSWERED))
            elif q.kind == Kind.NUMBER:
                numbers.append((key, at + _ANSWERED, at + _TOTAL))
            else:
                texts.append((key, at + _ANSWERED))
        return tuple(choices), tuple(multiples), tuple(numbers), tuple(texts)

    def add(self, answer: dict) -> None:
        """Count one opened answer; one that does not fit the questions counts as invalid."""
        hits, sums, new_texts = self._hits, self._sums, self._new_texts
        marks = len(hits), len(sums), len(new_texts)
        hit = hits.append
        try:
            get = answer.get
            if self._group_key is None:
                plan = self._plans[0]
            else:
                group = get(self._group_key)
                if type(group) is not int or not 0 <= group < self.group_count:
                    raise ValueError("no group")
                plan = self._plans[group]
                if self._group_hits:
                    hit(self._group_hits[group])
            choices, multiples, numbers, texts = plan
            for key, slots in choices:
                value = get(key)
                if value is not None:
                    if type(value) is not int:
                        raise ValueError(key)
                    hit(slots[value])
            for key, slots, answered in multiples:
                value = get(key)
                if value is not None:
                    if type(value) is not list or len(set(value)) != len(value):
                        raise ValueError(key)
                    for index in value:
                        if type(index) is not int:
                            raise ValueError(key)
                        hit(slots[index])
                    hit(answered)
            for key, answered, total in numbers:
                value = get(key)
                if value is not None:
                    if type(value) is not int or not 0 <= value <= NUMBER_MAX:
                        raise ValueError(key)
                    hit(answered)
                    sums += (total, value)
            for key, answered in texts:
                value = get(key)
                if value is not None:
                    if type(value) is not str or len(value) > TEXT_MAX:
                        raise ValueError(key)
                    hit(answered)
                    new_texts += (key, value)
        except (AttributeError, TypeError, ValueError, KeyError):
            del hits[marks[0] :], sums[marks[1] :], new_texts[marks[2] :]
            self.invalid += 1
            return
        self.n += 1
        if len(hits) > _FOLD_AT:
            self._fold()

    def _fold(self) -> None:
        """Add the pending counter hits, sums and texts into the counters and the sample."""
        flat = self._flat
        for index, times in Counter(self._hits).items():
            flat[index] += times
        sums = self._sums
        for i in range(0, len(sums), 2):
            flat[sums[i]] += sums[i + 1]
        new_texts = self._new_texts
        for i in range(0, len(new_texts), 2):
            self._sample(new_texts[i], new_texts[i + 1])
        self._hits.clear()
        sums.clear()
        new_texts.clear()

    def _sample(self, key: str, text: str) -> None:
        """Reservoir sampling: a uniform sample of at most TEXT_SAMPLE texts."""
        self._seen_texts[key] += 1
        kept = self._texts[key]
        if len(kept) < TEXT_SAMPLE:
            kept.append(text)
        else:
            slot = self.rng.randrange(self._seen_texts[key])
            if slot < TEXT_SAMPLE:
                kept[slot] = text

    def _merge_sample(self, key: str, theirs: list[str], their_seen: int) -> None:
        """Merge another uniform sample into this one: still uniform over both."""
        mine, my_seen = self._texts[key], self._seen_texts[key]
        self._seen_texts[key] = my_seen + their_seen
        if my_seen + their_seen <= TEXT_SAMPLE:  # both kept everything they saw
            mine.extend(theirs)
            return
        # How many of TEXT_SAMPLE drawn without replacement from both come from this side.
        left_mine, left_theirs, from_mine = my_seen, their_seen, 0
        for _ in range(TEXT_SAMPLE):
            if self.rng.randrange(left_mine + left_theirs) < left_mine:
                from_mine, left_mine = from_mine + 1, left_mine - 1
            else:
                left_theirs -= 1
        mine[:] = self.rng.sample(mine, from_mine) + self.rng.sample(
            theirs, TEXT_SAMPLE - from_mine
        )

    def count_all(self, sealed: Iterable[bytes], open_one: Callable[[bytes], dict]) -> Tally:
        """Open each answer with ``open_one`` (say sealing.opener) and count it; one that does
        not open counts as invalid. ``count_sealed`` does the same, faster, with the key."""
        from surveys.sealing import SealingError

        add = self.add
        for item in sealed:
            try:
                answer = open_one(item)
            except SealingError:
                self.invalid += 1
                continue
            add(answer)
        return self

    # --- reading the counts -----------------------------------------------------------------

    def _counts(self, block: list[int]) -> dict[str, QuestionCount]:
        out = {}
        for q in self.questions:
            key = str(q.id)
            at, width = self._offsets[key], _width(q)
            options = block[at + _FIRST : at + _FIRST + width]
            single = q.kind in (Kind.SINGLE, Kind.SCALE5)
            answered = sum(options) if single else block[at + _ANSWERED]
            out[key] = QuestionCount(answered, options, block[at + _TOTAL])
        return out

    def _blocks(self) -> list[list[int]]:
        self._fold()
        size = self._block
        return [self._flat[b * size : (b + 1) * size] for b in range(max(1, self.group_count))]

    @property
    def overall(self) -> dict[str, QuestionCount]:
        """Per question, the counts over all answers."""
        return self._counts([sum(column) for column in zip(*self._blocks(), strict=True)])

    @property
    def by_group(self) -> list[dict[str, QuestionCount]]:
        """Per group of the grouping question, per question, the counts."""
        if not self.group_count:
            return []
        return [self._counts(block) for block in self._blocks()]

    @property
    def group_sizes(self) -> list[int]:
        """How many valid answers each group of the grouping question holds."""
        if not self.group_count:
            return []
        return [counts[self._group_key].options[g] for g, counts in enumerate(self.by_group)]

    @property
    def texts(self) -> dict[str, list[str]]:
        """Per free-text question, the sample of texts kept."""
        self._fold()
        return self._texts

    # --- several processes ------------------------------------------------------------------

    def merge(self, other: Tally) -> None:
        """Add another tally of the same survey (counted by another process) into this one."""
        self.merge_state(other.state())

    def merge_state(self, state: dict) -> None:
        """Add another tally's ``state()`` into this one (no Tally built for it)."""
        self._fold()
        self.n += state["n"]
        self.invalid += state["invalid"]
        flat = self._flat
        for i, value in enumerate(state["flat"]):
            if value:
                flat[i] += value
        for key, texts in state["texts"].items():
            self._merge_sample(key, texts, state["seen"][key])

    def state(self) -> dict:
        """A picklable summary, for counting in several processes."""
        self._fold()
        return {
            "n": self.n,
            "invalid": self.invalid,
            "flat": self._flat,
            "texts": self._texts,
            "seen": self._seen_texts,
        }

    @classmethod
    def from_state(cls, questions: list[Question], state: dict) -> Tally:
        """Rebuild a tally from ``state()``."""
        tally = cls(questions)
        tally.n, tally.invalid = state["n"], state["invalid"]
        tally._flat[:] = state["flat"]
        tally._texts, tally._seen_texts = state["texts"], state["seen"]
        return tally
