"""Counting a closed survey's answers on every core (``surveys tally``; issue 13).

The parent reads the sealed answers from the database in chunks and hands them to worker
processes (forked, so they inherit the questions and the key without pickling either); each
opens and counts its chunk with results.Tally and sends back the picklable ``state()``, which
the parent merges. The key lives in the workers' memory only for the count. Chunks go out in the
database's order and are merged in whatever order they come back: the counts do not depend on
it, and the text sample is a reservoir sample either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator

from surveys import results, sealing

CHUNK = 2000
_work: dict = {}


def processes() -> int:
    """How many worker processes: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _chunks(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _count(chunk: list[bytes]) -> tuple[int, dict]:
    tally = results.Tally(_work["questions"]).count_all(chunk, _work["open_one"])
    return len(chunk), tally.state()


def count(
    questions: list,
    sealed: Iterable[bytes],
    private,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> results.Tally:
    """Open and count every sealed answer in ``workers`` processes (one: in this process)."""
    workers = workers or processes()
    total = results.Tally(questions)
    if workers <= 1:
        for chunk in _chunks(sealed, CHUNK):
            total.count_all(chunk, sealing.opener(private))
            if progress:
                progress(len(chunk))
        return total
    _work.update(questions=questions, open_one=sealing.opener(private))
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done, state in pool.imap_unordered(_count, _chunks(sealed, CHUNK)):
                total.merge(results.Tally.from_state(questions, state))
                if progress:
                    progress(done)
    finally:
        _work.clear()
    return total
