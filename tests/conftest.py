"""Shared fixtures: a fresh database per test, an app, a client, a movable clock, logins.

The suite runs on SQLite by default and on PostgreSQL when ``NAISHIN_DATABASE_URL`` names one.
SQLite tests each get a copy of a migrated template file; PostgreSQL tests share one migrated
schema whose tables are emptied after each test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.orm import Session

from campaign import create_app, migrate
from campaign.config import ARGON2_TESTING
from campaign.db import make_engine
from campaign.extensions import limiter
from campaign.models import Base
from campaign.org.services import load_prefectures
from tests import factories
from tests.helpers import (
    ON_POSTGRES,
    PG_URL,
    Auth,
    EnglishClient,
    FakeClock,
)

KEEP_TABLES = {"prefectures", "alembic_version"}


def _seed(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        load_prefectures(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrate once per run: a template SQLite file, or the PostgreSQL schema."""
    if ON_POSTGRES:
        engine = make_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(PG_URL)
        _seed(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    _seed(url)
    return str(path)


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A database for one test: a copy of the template, or the emptied PostgreSQL schema."""
    if not ON_POSTGRES:
        target = tmp_path / "naishin.sqlite3"
        shutil.copyfile(database_template, target)
        yield f"sqlite:///{target}"
        return
    yield PG_URL
    engine = make_engine(PG_URL)
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in Base.metadata.sorted_tables if t.name in existing - KEEP_TABLES]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """Replace the platform's clock with one the test controls."""
    fake = FakeClock()
    monkeypatch.setattr("campaign.clock.now", fake.now)
    return fake


@pytest.fixture
def app(database_url, tmp_path, monkeypatch, clock):
    """The app on a fresh database, with cheap Argon2 parameters and its own instance folder."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("NAISHIN_SECRET_KEY", raising=False)
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "ARGON2": dict(ARGON2_TESTING),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "naishin.test",
            "BASE_URL": "http://naishin.test",
        }
    )
    application.test_client_class = EnglishClient
    limiter.reset()
    yield application
    application.extensions["naishin.engine"].dispose()


@pytest.fixture
def session(database_url):
    """A session of the test's own, for arranging and checking data.

    It is not the request's session and pushes no app context (requests would share it). On
    SQLite it uses the driver's default transactions, in which a SELECT holds neither a lock
    nor a snapshot, so the test always reads what the requests committed and never blocks them.
    """
    if ON_POSTGRES:
        engine = make_engine(database_url)
    else:
        engine = create_engine(database_url)
        event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=ON"))
    with Session(engine) as test_session:
        yield test_session
    engine.dispose()


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The ``flask`` command runner."""
    return app.test_cli_runner()


@pytest.fixture
def make(app, session):
    """Factories bound to the test's session: ``make.branch()``, ``make.user(role=...)``."""
    return factories.Factory(app, session)


@pytest.fixture
def auth(client, clock) -> Auth:
    """Log in as a given user: ``auth.login(user)``."""
    return Auth(client, clock)


@pytest.fixture
def instance_path(app) -> Path:
    """The test app's instance folder."""
    return Path(app.instance_path)


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own: migrating up and down must not touch the suite's schema."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base, name = PG_URL.rsplit("/", 1)
    scratch = f"{name}_migrations"  # beside the suite's database, named after it
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {scratch}"))
    yield f"{base}/{scratch}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def world(make):
    """Two branches, an officer of the first, an HQ member, an officer account to edit, and
    whatever each feature arranges (the route matrix's records; tests/main/helpers.py)."""
    from tests.main.helpers import build_world

    return build_world(make)
