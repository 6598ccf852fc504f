"""Benchmark: counting sealed survey answers against a bare decrypt loop.

100,000 generated answers to 10 questions are sealed to one key. Two passes run on the same
ciphertexts with the same number of processes (2, one per core): a bare loop that only opens
each sealed box, and the real tally (open, unpad, parse, check, count). They are interleaved,
best of several rounds each. The tally also runs over 10,000 and 100,000 answers under
tracemalloc to show its memory does not grow with the number of answers.

    .venv/bin/python benchmarks/survey_tally.py [--answers N] [--rounds R]

Last line: ``survey_tally ratio <tally rate / decrypt rate>`` (aim: at least 0.8).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nacl.public import PrivateKey, SealedBox

from surveys import results, sealing, services
from surveys.models import Kind, Question

PROCESSES = 2
KEY = PrivateKey.generate()
QUESTIONS = [
    Question(
        id=1, kind=Kind.SINGLE, text_ja="group", options_ja="a\nb\nc\nd\ne\nf", is_grouping=True
    ),
    Question(id=2, kind=Kind.SINGLE, text_ja="q2", options_ja="yes\nno"),
    Question(id=3, kind=Kind.SINGLE, text_ja="q3", options_ja="a\nb\nc"),
    Question(id=4, kind=Kind.MULTIPLE, text_ja="q4", options_ja="a\nb\nc\nd\ne"),
    Question(id=5, kind=Kind.MULTIPLE, text_ja="q5", options_ja="a\nb\nc"),
    Question(id=6, kind=Kind.SCALE5, text_ja="q6"),
    Question(id=7, kind=Kind.SCALE5, text_ja="q7"),
    Question(id=8, kind=Kind.NUMBER, text_ja="q8"),
    Question(id=9, kind=Kind.NUMBER, text_ja="q9"),
    Question(id=10, kind=Kind.TEXT, text_ja="q10"),
]
for _q in QUESTIONS:
    _q.options_en, _q.is_grouping = "", bool(_q.is_grouping)
BLOCK = services.block_size(QUESTIONS)
DATA: list[bytes] = []


def _answer(rng: random.Random) -> dict:
    answer = {
        "1": rng.randrange(6),
        "2": rng.randrange(2),
        "3": rng.randrange(3),
        "4": sorted(rng.sample(range(5), rng.randrange(1, 4))),
        "5": sorted(rng.sample(range(3), rng.randrange(1, 3))),
        "6": rng.randrange(1, 6),
        "7": rng.randrange(1, 6),
        "8": rng.randrange(0, 100),
        "9": rng.randrange(0, 10),
    }
    if rng.random() < 0.2:
        answer["10"] = "職場で説明を求められた" * rng.randrange(1, 5)
    return answer


def _make(args: tuple[int, int]) -> list[bytes]:
    seed, count = args
    rng = random.Random(seed)
    public = bytes(KEY.public_key)
    return [sealing.seal(_answer(rng), public, BLOCK) for _ in range(count)]


def _slice(part: int) -> list[bytes]:
    return DATA[part::PROCESSES]


def _decrypt(part: int) -> int:
    box = SealedBox(KEY)
    n = 0
    for sealed in _slice(part):
        box.decrypt(sealed)
        n += 1
    return n


def _tally(part: int) -> dict:
    tally = results.Tally(QUESTIONS).count_all(_slice(part), sealing.opener(KEY))
    return tally.state()


def _timed(pool, function) -> tuple[float, object]:
    start = time.perf_counter()
    out = pool.map(function, range(PROCESSES))
    return time.perf_counter() - start, out


def _memory(count: int) -> int:
    """Peak bytes tracemalloc sees while one process tallies ``count`` answers (streamed)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    results.Tally(QUESTIONS).count_all(
        (DATA[i % len(DATA)] for i in range(count)), sealing.opener(KEY)
    )
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(PROCESSES) as pool:
        chunk = args.answers // 8
        for part in pool.map(_make, [(seed, chunk) for seed in range(8)]):
            DATA.extend(part)
    assert len({len(s) for s in DATA}) == 1
    print(f"{len(DATA)} sealed answers of {len(QUESTIONS)} questions, {len(DATA[0])} bytes each")
    best_decrypt = best_tally = float("inf")
    with ctx.Pool(PROCESSES) as pool:  # forked after DATA exists: the workers share it
        for round_ in range(args.rounds):
            t_decrypt, counts = _timed(pool, _decrypt)
            t_tally, states = _timed(pool, _tally)
            assert sum(counts) == len(DATA)
            merged = results.Tally.from_state(QUESTIONS, states[0])
            merged.merge(results.Tally.from_state(QUESTIONS, states[1]))
            assert merged.n == len(DATA) and merged.invalid == 0
            best_decrypt, best_tally = min(best_decrypt, t_decrypt), min(best_tally, t_tally)
            print(
                f"round {round_ + 1}: decrypt {len(DATA) / t_decrypt:,.0f}/s, "
                f"tally {len(DATA) / t_tally:,.0f}/s"
            )
    small, large = _memory(len(DATA) // 10), _memory(len(DATA))
    print(
        f"tally memory peak: {small / 1024:,.0f} KiB for {len(DATA) // 10:,} answers, "
        f"{large / 1024:,.0f} KiB for {len(DATA):,}"
    )
    decrypt_rate, tally_rate = len(DATA) / best_decrypt, len(DATA) / best_tally
    print(f"best: decrypt {decrypt_rate:,.0f}/s, tally {tally_rate:,.0f}/s ({PROCESSES} processes)")
    print(f"survey_tally ratio {tally_rate / decrypt_rate:.3f}")


if __name__ == "__main__":
    main()
