"""Every migration runs up and down, and the models agree with the migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from campaign import migrate
from campaign.db import make_engine
from campaign.models import Base
from tests.conftest import ON_POSTGRES, PG_URL


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own: migrating up and down must not touch the suite's schema."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS naishin_migrations"))
        connection.execute(text("CREATE DATABASE naishin_migrations"))
    url = PG_URL.rsplit("/", 1)[0] + "/naishin_migrations"
    yield url
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS naishin_migrations WITH (FORCE)"))
    admin.dispose()


def test_up_down_up_and_models_match(empty_database):
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    engine.dispose()

    migrate.downgrade(empty_database, "base")
    engine = make_engine(empty_database)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()

    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    assert "audit_entries" in inspect(engine).get_table_names()
    engine.dispose()
