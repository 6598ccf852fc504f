"""Benchmark: counting sealed survey answers against a bare decrypt loop.

100,000 generated answers to 10 questions are sealed to one key and stored as a closed survey's
slots in the database (``NAISHIN_DATABASE_URL``, or a fresh SQLite file). Two passes read the
same rows the same way (storage.iter_sealed), cut them into the same chunks and hand them to the
same number of processes (2, one per core): the baseline calls libsodium's raw
``crypto_box_seal_open`` on each and nothing else; the other is what ``surveys tally`` runs
(surveys/counting.py: open, unpad, parse, check, count, merge). They are interleaved, best of
several rounds each; a ratio above 1 (impossible: the tally does the baseline's work and more)
is refused, not printed; the processor time of both passes is printed too, as a cross-check
less disturbed by other load than the clock (the ratio is the clock's). The tally also runs
over 10,000 and 100,000 answers under tracemalloc to show its memory does not grow with the
number of answers.

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

from nacl.public import PrivateKey

import campaign.models  # noqa: F401  (every model, before a Question is made)
from surveys import counting, sealing, services
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


_KEYS: dict = {}


def _raw_open(chunk: list[bytes]) -> int:
    """The baseline: libsodium's crypto_box_seal_open on each answer, nothing else (the same
    cffi call and reused output buffer as sealing.opener)."""
    from nacl._sodium import ffi, lib

    public_key, secret_key = _KEYS["public"], _KEYS["secret"]
    size = len(chunk[0]) - sealing.SEAL_OVERHEAD
    out = ffi.new("unsigned char[]", size)
    for sealed in chunk:
        if lib.crypto_box_seal_open(out, sealed, len(sealed), public_key, secret_key) != 0:
            raise RuntimeError("baseline could not open an answer")
    return len(chunk)


def _store(url: str) -> int:
    """The sealed answers as a closed survey's filled slots in the database; its id."""
    import secrets

    from sqlalchemy.orm import Session

    from campaign.db import make_engine
    from surveys import storage
    from surveys.models import Slot, Survey

    engine = make_engine(url)
    with Session(engine) as session:
        survey = Survey(title_ja="bench", min_group=5, state="closed", block_size=BLOCK)
        survey.public_key = bytes(KEY.public_key)
        session.add(survey)
        session.flush()
        rows = []
        for number, sealed in enumerate(DATA):
            for part, piece in enumerate(storage._split(sealed)):
                rows.append(
                    {
                        "id": secrets.randbelow(2**62),
                        "survey_id": survey.id,
                        "slot": number,
                        "part": part,
                        "filled": True,
                        "data": piece,
                    }
                )
        for start in range(0, len(rows), 5000):
            session.execute(Slot.__table__.insert(), rows[start : start + 5000])
        session.commit()
        return survey.id


def _timed(function) -> tuple[float, float, object]:
    """Wall-clock seconds, processor seconds (this process and its reaped workers), result."""
    import os

    before, start = os.times(), time.perf_counter()
    out = function()
    wall, after = time.perf_counter() - start, os.times()
    return wall, sum(after[:4]) - sum(before[:4]), out


def _memory(count: int) -> int:
    """Peak bytes tracemalloc sees while one process tallies ``count`` answers (streamed)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    counting.count_sealed(
        counting.Tally(QUESTIONS), (DATA[i % len(DATA)] for i in range(count)), KEY
    )
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def main() -> None:
    import os
    import tempfile

    from sqlalchemy.orm import Session

    from benchmarks.harness import empty_database
    from campaign.db import make_engine
    from surveys import storage

    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="survey-tally-")
    url = os.environ.get("NAISHIN_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    empty_database(url)  # a PostgreSQL database is emptied first: never point it at data
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(PROCESSES) as pool:
        chunk = args.answers // 8
        for part in pool.map(_make, [(seed, chunk) for seed in range(8)]):
            DATA.extend(part)
    assert len({len(s) for s in DATA}) == 1
    survey_id = _store(url)
    engine = make_engine(url)
    _KEYS.update(public=bytes(KEY.public_key), secret=bytes(KEY))
    print(f"{len(DATA)} sealed answers of {len(QUESTIONS)} questions, {len(DATA[0])} bytes each,")
    print(f"read from {url.split(':', 1)[0]} by both passes ({PROCESSES} processes each)")

    def baseline() -> int:
        # The same rows, read the same way, cut into the same chunks, on the same processes.
        with Session(engine) as session, ctx.Pool(PROCESSES) as pool:
            rows = storage.iter_sealed(session, survey_id)
            return sum(pool.imap_unordered(_raw_open, counting._chunks(rows, counting.CHUNK)))

    def tally() -> int:
        with Session(engine) as session:
            rows = storage.iter_sealed(session, survey_id)
            return counting.count(QUESTIONS, rows, KEY, workers=PROCESSES).n

    best_decrypt = best_tally = cpu_decrypt = cpu_tally = float("inf")
    for round_ in range(args.rounds):
        # Alternate which pass goes first, so that a change of load favours neither.
        if round_ % 2:
            t_tally, c_tally, counted = _timed(tally)
            t_decrypt, c_decrypt, opened = _timed(baseline)
        else:
            t_decrypt, c_decrypt, opened = _timed(baseline)
            t_tally, c_tally, counted = _timed(tally)
        assert opened == counted == len(DATA), (opened, counted)
        best_decrypt, best_tally = min(best_decrypt, t_decrypt), min(best_tally, t_tally)
        cpu_decrypt, cpu_tally = min(cpu_decrypt, c_decrypt), min(cpu_tally, c_tally)
        print(
            f"round {round_ + 1}: raw crypto_box_seal_open {len(DATA) / t_decrypt:,.0f}/s, "
            f"tally {len(DATA) / t_tally:,.0f}/s"
        )
    small, large = _memory(len(DATA) // 10), _memory(len(DATA))
    print(
        f"tally memory peak: {small / 1024:,.0f} KiB for {len(DATA) // 10:,} answers, "
        f"{large / 1024:,.0f} KiB for {len(DATA):,}"
    )
    decrypt_rate, tally_rate = len(DATA) / best_decrypt, len(DATA) / best_tally
    print(f"best: raw open {decrypt_rate:,.0f}/s, tally {tally_rate:,.0f}/s")
    # A cross-check that other load on the machine disturbs less than the clock: processor
    # time of the reading process and its workers (not the database server's), per answer.
    print(
        f"processor time per answer: raw open {cpu_decrypt / len(DATA) * 1e6:.1f} us, "
        f"tally {cpu_tally / len(DATA) * 1e6:.1f} us (ratio {cpu_decrypt / cpu_tally:.3f})"
    )
    ratio = tally_rate / decrypt_rate
    if ratio > 1:
        # Counting does the baseline's work and more: above 1 the baseline was disturbed
        # (this machine is shared). Refuse to print an impossible figure.
        raise SystemExit(f"measured {ratio:.3f} > 1: the baseline was disturbed; run again")
    print(f"survey_tally ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
