"""Alembic, driven from Python: used by ``flask init`` and by the migration tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for the given database, without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the schema down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def schema_differences(database_url: str) -> list:
    """What the database's schema lacks or has beyond the models (Alembic's comparison; empty
    when they agree). ``flask init`` refuses to call a database ready otherwise: a revision
    edited after a database recorded it would leave it without the edit, silently."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from campaign.db import make_engine
    from campaign.models import Base

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
