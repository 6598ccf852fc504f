"""Opening and counting a closed survey's answers, on every core (issue 13).

``count`` runs tallies (surveys/tally.py) in worker processes: the parent reads the sealed
answers in chunks and hands them to workers forked from it (so they inherit the questions and
the key without pickling either); each opens and counts its chunk and sends back the picklable
``state()``, which the parent merges. The key lives in the workers' memory only for the count.
Chunks go out in the database's order and are merged in whatever order they come back: the
counts do not depend on it. ``Job`` is the same count as an iterable of progress, for the
results page that streams it (surveys/results_views.py).

What each answer costs above libsodium's ``crypto_box_seal_open`` is kept small, because a
survey of 100,000 answers is counted while headquarters waits (benchmarks/survey_tally.py):

- the answer is opened into one reusable ``bytearray`` through PyNaCl's raw cffi binding, the
  padding is checked in place (the last 0x80, then zeros: ``rfind`` and ``endswith`` on a
  memoryview, no copy of the block), and the JSON is decoded from a view of the buffer;
- each answer is parsed on its own (parsing many as one array would be faster, but one crafted
  answer could then reach into its neighbour), with the scanner of ``json`` called directly;
  whatever that fast path does not take is parsed by ``json.loads``, so the same texts are
  accepted as before;
- counting itself is surveys/tally.py's (no Python object per answer beyond the parsed one).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator

from surveys.tally import Tally

__all__ = ["Job", "Tally", "count", "count_sealed", "processes"]
CHUNK = 2000
SEAL_OVERHEAD = 48  # surveys.sealing.SEAL_OVERHEAD: ephemeral public key + Poly1305 tag
_work: dict = {}


def count_sealed(tally: Tally, sealed: Iterable[bytes], private) -> Tally:
    """Open every sealed answer with the survey's private key and count it into ``tally``; one
    that does not open, is badly padded or is no JSON object counts as invalid.

    libsodium's ``crypto_box_seal_open`` through PyNaCl's cffi binding (as sealing.opener),
    into one bytearray per length, padding checked and JSON decoded in place (module docstring).
    """
    from nacl._sodium import ffi, lib

    public_key, secret_key = bytes(private.public_key), bytes(private)
    seal_open = lib.crypto_box_seal_open
    scan = json.JSONDecoder().scan_once
    buffers: dict[int, tuple] = {}
    add = tally.add
    for item in sealed:
        length = len(item) if type(item) is bytes else 0
        buffer = buffers.get(length)
        if buffer is None:
            if length <= SEAL_OVERHEAD:
                tally.invalid += 1
                continue
            out = bytearray(length - SEAL_OVERHEAD)
            buffer = buffers[length] = (
                out,
                ffi.from_buffer(out),
                memoryview(out),
                memoryview(bytes(len(out))),
            )
        out, pointer, view, zeros = buffer
        if seal_open(pointer, item, length, public_key, secret_key) != 0:
            tally.invalid += 1
            continue
        # sodium_pad's marker: the last 0x80 byte, with only zeros after it.
        end = out.rfind(0x80)
        if end < 0 or not out.endswith(zeros[end + 1 :]):
            tally.invalid += 1
            continue
        try:
            text = str(view[:end], "utf-8")
            answer, stop = scan(text, 0)
            if stop != len(text):
                raise ValueError("more than one value")
        except (ValueError, StopIteration):  # leading or trailing spaces, bad UTF-8, not JSON
            answer = _parse(bytes(view[:end]))
        except RecursionError:  # nested deeper than Python recurses: no answer
            answer = None
        if type(answer) is not dict:
            tally.invalid += 1
            continue
        add(answer)
    return tally


def _parse(data: bytes):
    """``json.loads`` for whatever the fast path leaves; None for what is not JSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


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


def _worker_start() -> None:
    """A worker forked from a web server's process inherits its signal handlers: gunicorn's
    SIGTERM handler only sets a flag, so ``Pool.terminate`` would wait for ever on a worker
    that never ends. Give the worker the defaults back."""
    for name in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.set_wakeup_fd(-1)  # nor write the server's wake-up pipe


def _count(chunk: list[bytes]) -> tuple[int, dict]:
    tally = count_sealed(Tally(_work["questions"]), chunk, _work["private"])
    return len(chunk), tally.state()


class Job:
    """A count under way: iterating it counts, chunk by chunk, and yields how many answers each
    chunk held (the progress); then ``tally`` holds the counts.

    With several workers the chunks are counted in processes forked for this job, which inherit
    the key in memory; when the iteration ends, or is abandoned (``close()``, as a web server
    does when the browser goes away), the pool is terminated and the key dropped with it.
    """

    def __init__(
        self, questions: list, sealed: Iterable[bytes], private, *, workers: int | None = None
    ) -> None:
        self.questions, self.workers = questions, workers or processes()
        self._sealed, self._private = sealed, private
        self.tally: Tally | None = None

    def __iter__(self) -> Iterator[int]:
        total = Tally(self.questions)
        private, self._private = self._private, None
        if private is None:
            raise RuntimeError("a count runs once")
        try:
            if self.workers <= 1:
                for chunk in _chunks(self._sealed, CHUNK):
                    count_sealed(total, chunk, private)
                    yield len(chunk)
            else:
                _work.update(questions=self.questions, private=private)
                context = multiprocessing.get_context("fork")
                pool = context.Pool(self.workers, initializer=_worker_start)
                try:
                    _work.clear()  # the workers have their copy; this process needs none
                    for done, state in pool.imap_unordered(_count, _chunks(self._sealed, CHUNK)):
                        total.merge_state(state)
                        yield done
                    pool.close()  # each worker takes its "no more work" and ends
                    pool.join()
                finally:
                    pool.terminate()  # abandoned half-way (or already ended): end the workers
        finally:
            _work.clear()
            del private
        self.tally = total


def count(
    questions: list,
    sealed: Iterable[bytes],
    private,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Tally:
    """Open and count every sealed answer in ``workers`` processes (one: in this process);
    ``progress(n)`` is told of every chunk of n answers counted."""
    job = Job(questions, sealed, private, workers=workers)
    for done in job:
        if progress:
            progress(done)
    return job.tally
