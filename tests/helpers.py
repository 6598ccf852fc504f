"""Helpers the tests share: a movable clock, an English-speaking client, CSRF tokens, logins,
and the production server (gunicorn) with real HTTP requests for the red-team tests.

Import them from here (``from tests.helpers import Auth, csrf_token``), not from a conftest:
conftest modules hold fixtures, and pytest may import them under another name.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pyotp
from flask.testing import FlaskClient

from tests import factories

PG_URL = os.environ.get("NAISHIN_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")


class FakeClock:
    """A clock the tests move by hand; starts at noon in Japan on the real day there.

    Noon, not the real time: every login moves it 30 s (a fresh authenticator code), and a
    test that started a minute before midnight in Japan crossed into the next day halfway
    (a figure "as of yesterday" then counted a batch entered that day; seen once in CI)."""

    def __init__(self) -> None:
        japan = datetime.now(UTC) + timedelta(hours=9)  # Asia/Tokyo: no daylight saving
        self.current = datetime(japan.year, japan.month, japan.day, 3, tzinfo=UTC)

    def now(self) -> datetime:
        """What campaign.clock.now returns during the test."""
        return self.current

    def advance(self, **delta) -> None:
        """Move time forward, e.g. ``advance(minutes=31)``."""
        self.current += timedelta(**delta)


class EnglishClient(FlaskClient):
    """A test client whose browser prefers English, so assertions read like the source.

    Japanese, the default, has tests of its own (tests/main/test_i18n.py).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Fetch a page and return the CSRF token of its first form."""
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def current_code(secret: str, clock: FakeClock) -> str:
    """The authenticator code for the fake clock's current time."""
    return pyotp.TOTP(secret).at(clock.now())


class Auth:
    """Logs staff members in and out through the real login form."""

    def __init__(self, client, clock: FakeClock) -> None:
        self.client, self.clock = client, clock

    def login(self, user, password: str = factories.PASSWORD, code: str | None = None):
        """Post the login form; a fresh TOTP time step is used unless a code is given."""
        return self.login_with(user.email, password, user.totp_secret, code)

    def login_with(self, email: str, password: str, secret: str, code: str | None = None):
        """Log in with raw credentials, e.g. those a command printed."""
        if code is None:
            self.clock.advance(seconds=30)
            code = current_code(secret, self.clock)
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "code": code, "csrf_token": token},
        )

    def logout(self):
        """Post the logout form from the home page."""
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


def database_bytes(session, database_url: str, tables) -> bytes | None:
    """What is on disk of a database: on SQLite the file and its WAL; on PostgreSQL the files of
    ``tables`` (heap, indexes, TOAST) after a CHECKPOINT, or ``None`` if this process may not
    read them. Commits the session first, so that the database is read as others see it."""
    from pathlib import Path

    from sqlalchemy import text

    session.commit()
    if not database_url.startswith("postgresql"):
        path = Path(database_url.removeprefix("sqlite:///"))
        wal = Path(f"{path}-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    session.execute(text("CHECKPOINT"))
    directory = session.execute(text("SHOW data_directory")).scalar()
    relations = session.execute(
        text(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.relname = ANY(:names) "
            "OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(:names)) OR c.oid IN (SELECT reltoastrelid FROM pg_class "
            "WHERE relname = ANY(:names))"
        ),
        {"names": list(tables)},
    ).scalars()
    content = b""
    try:
        for relative in relations:
            if relative:
                for path in Path(directory).glob(relative + "*"):
                    content += path.read_bytes()
    except OSError:
        content = None
    session.commit()
    return content


@contextmanager
def served(app):
    """The app on a real threaded HTTP server in this process (for requests at the same moment,
    which the test client cannot make); yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# --- the production server, for the red-team tests ------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_request(url: str, data: bytes | dict | None = None, headers: dict | None = None):
    """``(status, text)`` of a real HTTP request (a POST when ``data`` is given: bytes as they
    are, a dict form-encoded); an error status is returned, not raised."""
    if isinstance(data, dict):
        data = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Gunicorn:
    """gunicorn with ``campaign/gunicorn_conf.py``, as in production, on a free port of
    127.0.0.1, writing its output (access log included) to ``log_path``::

        with Gunicorn(database_url, tmp_path, NAISHIN_DATA_KEY=key) as server:
            status, page = http_request(f"{server.base}/petitions/1")

    It trusts one proxy (``X-Forwarded-For`` becomes the client's address), runs without Redis
    and, unless given, with a secret key of its own instance folder. Pass ``NAME=None`` to drop
    a variable from the environment.
    """

    def __init__(self, database_url: str, tmp_path: Path, **env: str | None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance = tmp_path / "gunicorn-instance"
        self.log_path = tmp_path / "gunicorn.log"
        self.env = {
            **os.environ,
            "NAISHIN_DATABASE_URL": database_url,
            "NAISHIN_INSTANCE_PATH": str(self.instance),
            "NAISHIN_BIND": f"127.0.0.1:{self.port}",
            "NAISHIN_PROXY_COUNT": "1",
            "NAISHIN_THREADS": "4",
        }
        for name in ("NAISHIN_REDIS_URL", "NAISHIN_SECRET_KEY"):
            self.env.pop(name, None)
        for name, value in env.items():
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = value
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        """Start it and wait until ``/health`` answers (fails the test if it never does)."""
        import pytest

        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "campaign/gunicorn_conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(150):
            try:
                if http_request(f"{self.base}/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("gunicorn did not start: " + self.log_path.read_text())

    def stop(self) -> None:
        """Stop it (SIGTERM to its process group) and close its log."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self._log.close()

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def sqlite_log_pages(database_file) -> tuple[list[int], list[int]]:
    """The page numbers SQLite's log files name: those of the frames in the WAL, and those the
    WAL index (the ``-shm`` file) lists in its first block, stale entries included (what a copy
    of the two files would show)."""
    import struct
    from pathlib import Path

    wal, shm = Path(f"{database_file}-wal"), Path(f"{database_file}-shm")
    frames = []
    if wal.exists():
        content = wal.read_bytes()
        page = struct.unpack(">I", content[8:12])[0] if len(content) >= 32 else 0
        for at in range(32, len(content) - 23, 24 + page):
            frames.append(struct.unpack(">I", content[at : at + 4])[0])
    listed = []
    if shm.exists():
        index = shm.read_bytes()[136 : 136 + 4 * 4062]  # after the headers: aPgno of block 0
        listed = [n for n in struct.unpack(f"<{len(index) // 4}I", index) if n]
    return frames, listed


# --- forms: hints and errors tied to their controls (review R5-6) ----------------------------

CONTROLS = {"input", "select", "textarea", "button", "fieldset"}
VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


class FormElements(HTMLParser):
    """The elements inside the page's forms: ``(tag, attrs, text)``, text for legends."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict] = []
        self.depth = 0  # inside a form
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.depth += 1
            return
        if not self.depth:
            return
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1
        elif self.depth and self.open and self.open[-1]["tag"] == tag:
            self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data


def untied(html: str) -> list[str]:
    """What is wrong with the page's forms: hints and errors no control lists in its
    aria-describedby, references to no element, aria-labels copying a legend."""
    parser = FormElements()
    parser.feed(html)
    elements = parser.elements
    ids = {e["id"] for e in elements if e.get("id")}
    described = set()
    problems = []
    for e in elements:
        if e["tag"] in CONTROLS:
            for ref in (e.get("aria-describedby", "") + " " + e.get("aria-labelledby", "")).split():
                if ref not in ids:
                    problems.append(f"{e['tag']} {e.get('name')} points to missing #{ref}")
            described.update(e.get("aria-describedby", "").split())
    for e in elements:
        classes = e.get("class", "").split()
        if {"hint", "error", "error-text"} & set(classes) and e.get("id") not in described:
            problems.append(f"untied {classes} {e.get('id')!r}: {e['text'].strip()[:40]}")
    legends = {" ".join(e["text"].split()) for e in elements if e["tag"] == "legend"}
    for e in elements:
        label = e.get("aria-label")
        if label and any(label in legend for legend in legends):
            problems.append(f"aria-label copies a legend: {label}")
    return problems
