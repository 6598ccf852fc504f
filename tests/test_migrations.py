"""Every migration runs up and down, and the models agree with the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from campaign import migrate
from campaign.db import make_engine
from campaign.models import Base


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


def test_the_migrations_have_one_head():
    """A new migration has one parent to follow; parallel branches are merged."""
    from alembic.script import ScriptDirectory

    from campaign.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"merge the heads {heads}"
