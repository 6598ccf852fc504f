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


def _sealed(key: PrivateKey, payloads: list[bytes]) -> list[bytes]:
    """Payloads padded to the questions' block and sealed as a browser would."""
    from nacl.public import SealedBox

    block = services.block_size(QUESTIONS)
    return [SealedBox(key.public_key).encrypt(sealing.pad(p, block)) for p in payloads]


GOOD = b'{"1":0,"2":[1],"3":7,"4":"ok"}'


def test_one_deeply_nested_answer_is_invalid_and_the_rest_count():
    """A respondent seals what they like: brackets nested past Python's recursion limit used to
    stop the whole count (RecursionError, a 500 on the results page for every answer)."""
    key = PrivateKey.generate()
    block = services.block_size(QUESTIONS)
    sealed = _sealed(key, [GOOD, b"[" * (block - 1), b'{"1":' * ((block - 1) // 5), GOOD])
    for workers in (1, 2):
        tally = counting.count(QUESTIONS, iter(sealed), key, workers=workers)
        assert (tally.n, tally.invalid) == (2, 2)
        assert tally.overall["3"].total == 14


def test_the_fast_parse_takes_what_json_takes_and_nothing_else():
    key = PrivateKey.generate()
    payloads = {
        b' {"1":1} ': True,  # spaces around the object: JSON
        b'{"1":1}\n': True,
        b'{"1":1}{"1":2}': False,  # two values
        b'{"1":1} x': False,
        b"[1]": False,  # not an object
        b'"text"': False,
        b'{"1":1,"4":"\xff"}': False,  # not UTF-8
        b'{"1":1,"4":"\xe8\x81\xb7\xe5\xa0\xb4"}': True,  # 職場
        b'{"1":NaN}': False,  # a float, not a choice
        b'{"1":true}': False,  # a bool is no choice either
        b'{"1":1,"3":1e3}': False,
        b'{"1":1,"3":99999999999999999999999}': False,  # beyond NUMBER_MAX
        b'{"1":3}': False,  # no such group
        b'{"1":1,"2":[0,0]}': False,  # an option twice
        b'{"1":1,"2":[[0]]}': False,
        b'{"1":1,"4":"' + b"x" * 301 + b'"}': False,  # longer than the form allows
        b'{"1":2,"2":[],"3":null}': True,  # an empty choice, a skipped number
    }
    sealed = _sealed(key, list(payloads))
    block = services.block_size(QUESTIONS)
    opened = SealedBoxPadding(key, block)
    sealed += [opened.bad_padding(GOOD), sealed[0][:-1], b"", sealed[0][:40]]
    tally = counting.count(QUESTIONS, iter(sealed), key, workers=1)
    assert tally.n == sum(payloads.values()) == 4
    assert tally.invalid == len(sealed) - 4
    assert tally.group_sizes == [0, 3, 1]
    assert tally.texts["4"] == ["職場"]


class SealedBoxPadding:
    """Sealed payloads whose padding is wrong."""

    def __init__(self, key: PrivateKey, block: int) -> None:
        self.key, self.block = key, block

    def bad_padding(self, payload: bytes) -> bytes:
        from nacl.public import SealedBox

        padded = bytearray(sealing.pad(payload, self.block))
        padded[-1] = 1  # a byte after the marker that is not zero
        return SealedBox(self.key.public_key).encrypt(bytes(padded))


def test_merged_text_samples_stay_uniform():
    """Two processes' samples of 2,000 and 1,000 texts: a third of the merged 500 come from
    the second (feeding its kept texts in one by one would give a fifth)."""
    first = results.Tally(QUESTIONS, rng=random.Random(1))
    second = results.Tally(QUESTIONS, rng=random.Random(2))
    for n in range(2000):
        first.add({"1": 0, "4": f"a{n}"})
    for n in range(1000):
        second.add({"1": 0, "4": f"b{n}"})
    first.merge(results.Tally.from_state(QUESTIONS, second.state()))
    kept = first.texts["4"]
    assert len(kept) == len(set(kept)) == results.TEXT_SAMPLE
    from_second = sum(text.startswith("b") for text in kept)
    assert 140 <= from_second <= 195, from_second
    assert first.n == 3000 and first.overall["4"].answered == 3000


def test_a_malformed_answer_changes_no_counter():
    """Checked whole before it counts: a bad last question leaves the first ones uncounted."""
    tally = results.Tally(QUESTIONS, rng=random.Random(1))
    tally.add({"1": 1, "2": [0, 2], "3": 5, "4": "kept"})
    before = (tally.overall, tally.by_group, tally.texts["4"][:])
    tally.add({"1": 1, "2": [1], "3": 9, "4": "dropped", "x": 1} | {"3": -1})
    tally.add({"1": 2, "2": [1], "3": 9, "4": 5})
    assert (tally.overall, tally.by_group, tally.texts["4"]) == before
    assert (tally.n, tally.invalid) == (1, 2)
