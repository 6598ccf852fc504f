"""Review R2-11: guesses sent at the same moment are counted when they arrive, so that no more
passwords are checked than the per-account limit allows (SECURITY.md promise 6)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from campaign import create_app
from campaign.auth import credentials
from campaign.config import ARGON2_TESTING
from tests.auth.helpers import parallel_logins
from tests.factories import PASSWORD
from tests.helpers import Auth, current_code, served

REDIS_URL = "redis://127.0.0.1:6379/14"


class CountedChecks:
    """Counts the passwords checked; each check takes a while, so that the guesses overlap."""

    def __init__(self, monkeypatch) -> None:
        self.count, self._lock = 0, threading.Lock()
        original = credentials.check_password

        def counted(stored, password):
            with self._lock:
                self.count += 1
            time.sleep(0.2)
            return original(stored, password)

        monkeypatch.setattr(credentials, "check_password", counted)


def test_ten_guesses_at_once_check_five_passwords(app, make, clock, monkeypatch):
    user = make.user()
    checks = CountedChecks(monkeypatch)
    guesses = [f"wrong guess number {n}" for n in range(10)]
    with served(app) as base:
        statuses = parallel_logins([base], user.email, guesses, "123456")
        assert checks.count == 5, statuses
        assert sorted(statuses) == [401] * 5 + [429] * 5
        # The right password and code do not get in either: no more passwords are checked.
        clock.advance(seconds=30)
        right = parallel_logins(
            [base], user.email, [PASSWORD], current_code(user.totp_secret, clock)
        )
    assert right == [429]
    assert checks.count == 5


def test_throttled_account_does_not_lock_another(app, make, clock, monkeypatch):
    victim, colleague = make.user(), make.user()
    CountedChecks(monkeypatch)
    with served(app) as base:
        guesses = [f"wrong guess number {n}" for n in range(8)]
        assert 429 in parallel_logins([base], victim.email, guesses, "123456")
        clock.advance(seconds=30)
        code = current_code(colleague.totp_secret, clock)
        assert parallel_logins([base], colleague.email, [PASSWORD], code) == [302]


def test_a_good_login_works_after_the_window_and_is_not_counted(app, make, client, clock):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "5 per 2 seconds"
    user = make.user()
    auth = Auth(client, clock)
    for _ in range(4):
        assert auth.login(user, password="wrong password guess").status_code == 401
    # A right login is given back: the person keeps their last try.
    assert auth.login(user).status_code == 302
    auth.logout()
    assert auth.login(user, password="wrong password guess").status_code == 401
    assert auth.login(user).status_code == 429
    time.sleep(2.1)
    assert auth.login(user).status_code == 302


@pytest.fixture
def redis_prefix():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def test_two_workers_share_the_count_of_guesses_at_once(
    redis_prefix, database_url, make, monkeypatch, tmp_path
):
    """With Redis, two app servers taking guesses at the same moment check five in all."""
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(tmp_path / "instance"))
    workers = [
        create_app(
            {
                "DATABASE_URL": database_url,
                "ARGON2": dict(ARGON2_TESTING),
                "REDIS_URL": REDIS_URL,
                "RATELIMIT_KEY_PREFIX": redis_prefix,
            }
        )
        for _ in range(2)
    ]
    user = make.user()
    checks = CountedChecks(monkeypatch)
    guesses = [f"wrong guess number {n}" for n in range(10)]
    with served(workers[0]) as first, served(workers[1]) as second:
        statuses = parallel_logins([first, second], user.email, guesses, "123456")
    assert checks.count == 5, statuses
    assert sorted(statuses) == [401] * 5 + [429] * 5
    for worker in workers:
        worker.extensions["naishin.engine"].dispose()
