"""TOTP secrets rest sealed with the data key, as attachments do (no second factor in a dump)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyotp
from sqlalchemy import text

from campaign import datakey, migrate
from campaign.auth.models import Role
from campaign.db import make_engine
from tests.helpers import ON_POSTGRES


def test_the_database_holds_no_totp_secret_in_the_clear(app, make, session, auth):
    user = make.user(role=Role.HQ)
    raw = session.execute(text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id})
    stored = bytes(raw.scalar_one())
    assert user.totp_secret.encode() not in stored
    with app.app_context():
        assert datakey.unseal(stored).decode() == user.totp_secret
    assert auth.login(user).status_code == 302  # and the login still works
    if not ON_POSTGRES:
        path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
        session.close()
        blob = Path(path).read_bytes() + _wal(path)
        assert user.totp_secret.encode() not in blob


def _wal(path: str) -> bytes:
    wal = Path(path + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_the_migration_seals_existing_secrets_and_back(app, empty_database, monkeypatch):
    """0010 seals what 0009 stored in the clear; its downgrade restores the clear text."""
    url = empty_database
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", app.instance_path)  # the same data key
    migrate.upgrade(url, "0009_survey_codes")
    secret = pyotp.random_base32()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (email, display_name, role, totp_secret, totp_last_step,"
                " active, created_at) VALUES ('a@example.org', 'A', 'hq', :s, 0, :t, :at)"
            ),
            {"s": secret, "t": True, "at": datetime(2026, 1, 1)},
        )
    migrate.upgrade(url)
    with engine.connect() as connection:
        stored = bytes(connection.execute(text("SELECT totp_secret FROM users")).scalar_one())
    assert secret.encode() not in stored
    assert datakey.unseal(stored, app.extensions["naishin.data_key"]).decode() == secret
    migrate.downgrade(url, "0009_survey_codes")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT totp_secret FROM users")).scalar_one() == secret
    engine.dispose()
