"""Defaults that keep personal data where it belongs (SECURITY.md promises 1, 8 and 12): the
database file is its owner's alone, a failing statement logs no values, and a public page that
carries one visitor's own message is never stored by a cache."""

from __future__ import annotations

import logging
import os
import stat

import pytest
from sqlalchemy import text

from campaign.auth.models import Role
from campaign.db import make_engine
from tests.helpers import ON_POSTGRES, csrf_token
from tests.pages.factories import PageFactory


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's own file")
def test_a_new_sqlite_database_and_its_log_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'naishin.sqlite3'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x)"))
            connection.execute(text("INSERT INTO t VALUES ('山田花子')"))
            files = sorted((tmp_path / "new").iterdir())
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        engine.dispose()
    finally:
        os.umask(old)
    assert "naishin.sqlite3" in modes
    assert set(modes.values()) == {0o600}, modes


def test_a_failing_statement_logs_no_values(database_url, caplog):
    engine = make_engine(database_url)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as failure, engine.begin() as connection:
        connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "山田花子"})
    engine.dispose()
    assert "山田花子" not in str(failure.value)
    assert "山田花子" not in caplog.text


def test_a_public_page_showing_a_visitors_own_message_is_not_stored(client, auth, make, session):
    PageFactory(session).load_shipped()
    auth.login(make.user(role=Role.HQ))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    page = client.get("/info/qa")  # the logout message is shown here, to this visitor only
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/info/qa")  # the message is gone: the page is everyone's again
    assert again.headers["Cache-Control"].startswith("public")
