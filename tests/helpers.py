"""Helpers the tests share: a movable clock, an English-speaking client, CSRF tokens, logins.

Import them from here (``from tests.helpers import Auth, csrf_token``), not from a conftest:
conftest modules hold fixtures, and pytest may import them under another name.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pyotp
from flask.testing import FlaskClient

from tests import factories

PG_URL = os.environ.get("NAISHIN_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")


class FakeClock:
    """A clock the tests move by hand; starts at the real time."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC).replace(microsecond=0)

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
