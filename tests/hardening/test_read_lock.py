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
