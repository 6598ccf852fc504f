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
