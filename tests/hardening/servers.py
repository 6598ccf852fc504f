"""Real gunicorn servers for the tests that need one (logs, two servers behind one database)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, instance: Path, log: Path, **env):
    """Serve the app with the production settings (campaign/gunicorn_conf.py) on a free port;
    yields its base URL; the access and error logs go to ``log``."""
    with gunicorn_process(database_url, instance, log, **env) as (base, _process):
        yield base


def workers(master: subprocess.Popen) -> list[int]:
    """The process ids of a gunicorn master's workers (Linux: its children)."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


@contextmanager
def gunicorn_process(database_url: str, instance: Path, log: Path, **env):
    """``gunicorn``, yielding (base URL, the master's Popen) for tests that kill a worker."""
    port = free_port()
    environment = {
        **os.environ,
        "NAISHIN_DATABASE_URL": database_url,
        "NAISHIN_INSTANCE_PATH": str(instance),
        "NAISHIN_BIND": f"127.0.0.1:{port}",
        "NAISHIN_THREADS": "4",
        "NAISHIN_SECRET_KEY": "k" * 16 + "tests-only-secret-key-9f3",
        **env,
    }
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "campaign/gunicorn_conf.py", "wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine boots slowly
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2).read()  # noqa: S310 (our server)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)
