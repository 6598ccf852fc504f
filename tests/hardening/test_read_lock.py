"""SQLite: a public page is served while another connection holds the write lock.

Under ``BEGIN IMMEDIATE`` for every transaction, a GET waited for the lock (up to the 15 s busy
timeout, then failed), so a second worker gained nothing; reads now begin deferred.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.helpers import ON_POSTGRES
from tests.pages.factories import PageFactory

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")


def test_a_public_read_does_not_wait_for_the_write_lock(app, make, client):
    PageFactory(make.session).load_shipped()
    client.get("/info/qa")  # warm: the first render compiles templates
    writer = sqlite3.connect(app.config["DATABASE_URL"].removeprefix("sqlite:///"), timeout=1)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")  # another worker in the middle of a write
    try:
        started = time.perf_counter()
        response = client.get("/info/qa")
        elapsed = time.perf_counter() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200
    assert elapsed < 2, f"the read waited {elapsed:.1f} s for the write lock"


def test_a_write_in_a_read_only_request_fails_loudly(app):
    """A public GET runs with query_only on: a write slipping in is caught by the tests."""
    from sqlalchemy import text

    from campaign import db
    from campaign.access import public

    @public
    def sneaky():
        db.session().execute(text("CREATE TABLE sneaky (x)"))
        return "written"

    app.add_url_rule("/sneaky", "sneaky", sneaky)
    app.testing = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/sneaky").status_code == 500


def test_one_connection_switches_between_reading_and_writing_only_when_it_must(app):
    """query_only follows each request (a read after a write cannot write, a write after a read
    can), and is set only when it changes: setting it makes SQLite recompile every statement."""
    from sqlalchemy import event, text

    from campaign import db
    from campaign.access import public

    @public
    def page():
        db.session().execute(text("INSERT INTO switched VALUES (1)"))  # fails on a GET
        return "written"

    app.add_url_rule("/switched", "switched", page, methods=["GET", "POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["WTF_CSRF_ENABLED"] = False
    engine = app.extensions["naishin.engine"]
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE switched (x)"))
    pragmas = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: (
            pragmas.append(statement) if "query_only" in statement else None
        ),
    )
    client = app.test_client()
    codes = [
        client.open("/switched", method=m).status_code
        for m in ("POST", "POST", "GET", "GET", "POST")
    ]
    assert codes == [200, 200, 500, 500, 200]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM switched")).scalar() == 3
    assert pragmas == ["PRAGMA query_only=ON", "PRAGMA query_only=OFF"]
