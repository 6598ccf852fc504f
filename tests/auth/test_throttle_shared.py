"""With Redis configured, the login throttle is shared by every worker process."""

from __future__ import annotations

import uuid

import pytest
import redis

from campaign import create_app
from campaign.config import ARGON2_TESTING
from tests.helpers import Auth

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")


def _worker(database_url, prefix):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "ARGON2": dict(ARGON2_TESTING),
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    return app


def test_two_workers_share_the_account_throttle(
    redis_available, database_url, make, clock, tmp_path, monkeypatch
):
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(tmp_path / "instance"))
    prefix = f"test-{uuid.uuid4().hex}"
    user = make.user()
    first = Auth(_worker(database_url, prefix).test_client(), clock)
    for _ in range(5):
        assert first.login(user, password="wrong password guess").status_code == 401
    # A second process (a second app object) sees the same count in Redis.
    second = Auth(_worker(database_url, prefix).test_client(), clock)
    assert second.login(user).status_code == 429
