"""Do two gunicorn workers serve public pages faster than one? (SQLite reads and the write lock)

Starts the production server (campaign/gunicorn_conf.py) on a fresh SQLite database (or the
PostgreSQL database named by ``NAISHIN_DATABASE_URL``; it is emptied first) with the shipped
pages, once with one worker and once with two (Redis at ``NAISHIN_REDIS_URL``, default db 6,
lets gunicorn run several), and has several client processes fetch the Q&A page over kept-alive
connections in short batches. The client is a bare socket loop (a few microseconds of work a
request) so that on a small machine the server, not the client, uses the cores. Rounds alternate
one worker, two workers, one, two…, each starting the server afresh, warming it up and running
``--batches`` batches; each rate is the best of all its batches. (Until 2026-12-04 a round was
one batch of 4 s: a stall of this shared machine during one of the three two-worker batches
was enough to print 1.65 where the other runs of that hour printed 1.89 and 1.96.)

When every transaction began with ``BEGIN IMMEDIATE`` (GETs included), all requests queued for
the one write lock and a second worker gained nothing; read-only requests now begin a deferred
transaction (campaign/db.py). The last line is ``public_workers ratio <two / one>`` (aim 1.7).

    .venv/bin/python benchmarks/public_workers.py [--seconds 1.5] [--batches 3] [--rounds 3]
        [--clients 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness  # benchmarks/harness.py, beside this script
from sqlalchemy.orm import Session

from campaign import create_app
from campaign.db import make_engine
from campaign.org.services import load_prefectures
from campaign.pages import services
from tests.hardening.servers import gunicorn

PATH = "/info/qa"


def prepare(url: str, instance: Path) -> None:
    """Migrate and load the shipped pages, in an app on the servers' own instance folder (its
    data key seals the audit entries the loading writes)."""
    harness.empty_database(url)
    os.environ["NAISHIN_INSTANCE_PATH"] = str(instance)
    app = create_app({"DATABASE_URL": url})
    engine = make_engine(url)
    with app.app_context(), Session(engine) as session:
        load_prefectures(session)
        services.load_shipped(session)
        session.commit()
    engine.dispose()
    app.extensions["naishin.engine"].dispose()


def _read_response(conn: socket.socket, buffer: bytearray) -> None:
    """Read one HTTP/1.1 response with a Content-Length from ``conn`` (rest stays in buffer)."""
    while b"\r\n\r\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    head, _, _ = bytes(buffer).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head[:80])
    length = int(
        next(
            line.split(b":", 1)[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
    )
    total = len(head) + 4 + length
    while len(buffer) < total:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    del buffer[:total]


def client(port: int, seconds: float, start_at: float, results) -> None:
    """Fetch the page as often as possible during ``seconds`` from ``start_at``; put the count."""
    request = (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Language: ja\r\n\r\n"
    ).encode()
    conn = socket.create_connection(("127.0.0.1", port))
    buffer = bytearray()
    while time.time() < start_at:
        time.sleep(0.001)
    done, stop = 0, start_at + seconds
    while time.time() < stop:
        conn.sendall(request)
        _read_response(conn, buffer)
        done += 1
    conn.close()
    results.put(done)


def measure(port: int, clients: int, seconds: float) -> float:
    """Requests per second served to ``clients`` concurrent kept-alive connections."""
    results = multiprocessing.Queue()
    start_at = time.time() + 0.5
    procs = [
        multiprocessing.Process(target=client, args=(port, seconds, start_at, results))
        for _ in range(clients)
    ]
    for proc in procs:
        proc.start()
    total = sum(results.get(timeout=seconds + 60) for _ in procs)
    for proc in procs:
        proc.join()
    return total / seconds


def main() -> None:
    """Prepare, serve with one and with two workers in alternation, print the rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = os.environ.get("NAISHIN_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
        prepare(url, folder / "instance")
        redis = os.environ.get("NAISHIN_REDIS_URL", "redis://127.0.0.1:6379/6")
        best = {1: 0.0, 2: 0.0}
        for round_number in range(args.rounds):
            for workers in (1, 2):
                log = folder / f"gunicorn-{workers}.log"
                with gunicorn(
                    url,
                    folder / "instance",
                    log,
                    NAISHIN_WORKERS=str(workers),
                    NAISHIN_REDIS_URL=redis,
                    NAISHIN_THREADS="4",
                ) as base:
                    port = int(base.rsplit(":", 1)[1])
                    measure(port, args.clients, 1.0)  # warm up: templates, pools, caches
                    rate = max(
                        measure(port, args.clients, args.seconds) for _ in range(args.batches)
                    )
                best[workers] = max(best[workers], rate)
                print(f"round {round_number + 1}: {workers} worker(s) {rate:8.1f} req/s")
        batches = args.rounds * args.batches
        print(f"one worker  {best[1]:8.1f} req/s (best of {batches} batches)")
        print(f"two workers {best[2]:8.1f} req/s (best of {batches} batches)")
        print(f"public_workers ratio {best[2] / best[1]:.2f}")


if __name__ == "__main__":
    main()
