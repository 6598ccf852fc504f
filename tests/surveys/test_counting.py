"""Counting on every core (issue 13): the same figures as one process, and the CLI's progress."""

from __future__ import annotations

import random

from nacl.public import PrivateKey

from surveys import counting, results, sealing, services
from surveys.models import Kind, Question

QUESTIONS = [
    Question(id=1, kind=Kind.SINGLE, text_ja="g", options_ja="a\nb\nc", is_grouping=True),
    Question(id=2, kind=Kind.MULTIPLE, text_ja="m", options_ja="a\nb\nc"),
    Question(id=3, kind=Kind.NUMBER, text_ja="n"),
    Question(id=4, kind=Kind.TEXT, text_ja="t"),
]
for _question in QUESTIONS:
    _question.options_en, _question.is_grouping = "", bool(_question.is_grouping)


def test_two_processes_count_what_one_counts():
    key = PrivateKey.generate()
    block = services.block_size(QUESTIONS)
    rng = random.Random(7)
    sealed = [
        sealing.seal(
            {"1": rng.randrange(3), "2": sorted(rng.sample(range(3), 2)), "3": n, "4": f"t{n}"},
            bytes(key.public_key),
            block,
        )
        for n in range(5000)
    ]
    sealed.append(b"\x00" * len(sealed[0]))  # one that does not open: invalid, nothing else
    done = []
    one = counting.count(QUESTIONS, iter(sealed), key, workers=1)
    two = counting.count(QUESTIONS, iter(sealed), key, workers=2, progress=done.append)
    assert sum(done) == len(sealed) and len(done) == 3  # chunks of 2,000
    assert (two.n, two.invalid) == (one.n, one.invalid) == (5000, 1)
    assert two.group_sizes == one.group_sizes and sum(one.group_sizes) == 5000
    assert two.overall == one.overall and two.by_group == one.by_group
    assert sorted(two.texts["4"]) != [] and set(two.texts["4"]) <= {f"t{n}" for n in range(5000)}
    assert isinstance(two, results.Tally)
