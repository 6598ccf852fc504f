"""The secret key and the instance folder."""

from __future__ import annotations

import stat

import pytest

from campaign import create_app
from campaign.config import WeakSecretKey


@pytest.fixture
def instance(tmp_path, monkeypatch, database_url):
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(folder))
    monkeypatch.delenv("NAISHIN_SECRET_KEY", raising=False)
    return folder


def test_a_key_is_generated_once_with_mode_0600(instance, database_url):
    first = create_app({"DATABASE_URL": database_url})
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app({"DATABASE_URL": database_url})
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 32
    assert first.instance_path == str(instance)


def test_the_key_from_the_environment_wins(instance, database_url, monkeypatch):
    monkeypatch.setenv("NAISHIN_SECRET_KEY", "k" * 20 + "0123456789abcdef")
    app = create_app({"DATABASE_URL": database_url})
    assert app.secret_key == "k" * 20 + "0123456789abcdef"
    assert not (instance / "secret_key").exists()


@pytest.mark.parametrize("key", ["short", "changeme", "dev", "x" * 31])
def test_a_short_or_known_key_is_refused(instance, database_url, monkeypatch, key):
    monkeypatch.setenv("NAISHIN_SECRET_KEY", key)
    with pytest.raises(WeakSecretKey):
        create_app({"DATABASE_URL": database_url})


def test_create_app_does_not_migrate(tmp_path, monkeypatch):
    """Schema changes are a deploy step: a new database stays empty until ``flask init``."""
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(tmp_path / "fresh"))
    monkeypatch.delenv("NAISHIN_SECRET_KEY", raising=False)
    monkeypatch.delenv("NAISHIN_DATABASE_URL", raising=False)
    app = create_app()
    from sqlalchemy import inspect

    assert inspect(app.extensions["naishin.engine"]).get_table_names() == []
