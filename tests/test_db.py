"""The database settings the platform relies on."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from campaign.db import make_engine
from tests.helpers import ON_POSTGRES


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite settings")
def test_sqlite_uses_wal_foreign_keys_busy_timeout_and_secure_delete(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000
        assert pragma("secure_delete") == 1
    engine.dispose()


def test_foreign_keys_are_enforced(database_url):
    engine = make_engine(database_url)
    with pytest.raises(Exception, match=r"(?i)foreign key"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO branches (code, name, prefecture_code, contact, created_at) "
                "VALUES ('x', 'x', '99', '', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's VACUUM FULL")
def test_vacuum_full_says_when_an_older_transaction_keeps_the_deleted_rows(app, session):
    """VACUUM FULL copies the rows deleted before any transaction still open, in any database
    of the server: the purge commands must know, not report the data gone (it was found left
    in audit_notes while another database had a transaction open)."""
    from campaign.db import vacuum_full
    from tests.helpers import database_bytes

    url = app.config["DATABASE_URL"]
    marker = "消えるはずの理由-MARKER-91c"
    session.execute(text("CREATE TABLE scrub_probe (note text)"))
    session.execute(text("INSERT INTO scrub_probe VALUES (:m), ('kept')"), {"m": marker})
    session.commit()
    other = make_engine(url.rsplit("/", 1)[0] + "/postgres")  # another database of the server
    try:
        with other.connect() as elsewhere:
            elsewhere.execute(text("SELECT pg_current_xact_id()"))  # holds an xid, stays open
            session.execute(text("DELETE FROM scrub_probe WHERE note = :m"), {"m": marker})
            session.commit()
            engine = app.extensions["naishin.engine"]
            assert vacuum_full(engine, ["scrub_probe"], wait=0.3) is False
            held = database_bytes(session, url, ["scrub_probe"])
            if held is None:
                pytest.skip("this process may not read PostgreSQL's files")
            assert marker.encode() in held  # what the False means
            elsewhere.rollback()
        assert vacuum_full(engine, ["scrub_probe"], wait=5) is True
        assert marker.encode() not in database_bytes(session, url, ["scrub_probe"])
    finally:
        other.dispose()
        session.execute(text("DROP TABLE IF EXISTS scrub_probe"))
        session.commit()
