"""Settings read from the environment, and the secret key.

Every setting has a safe default so that a newcomer needs nothing but the quick start; the
secret key is never given a default in code: it comes from ``NAISHIN_SECRET_KEY`` or is
generated once into the instance folder.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from campaign.urls import check_base_url

# Keys that appear in tutorials and documentation. A deployment that copied one is refused.
KNOWN_KEYS = frozenset(
    {
        "dev",
        "development",
        "secret",
        "secret-key",
        "changeme",
        "change-me",
        "please-change-me",
        "your-secret-key",
        "super-secret-key",
        "test",
        "testing",
        '_5#y2L"F4Q8z\\n\\xec]/',
        '_5#y2L"F4Q8z\n\xec]/',
        "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",
    }
)
MIN_KEY_LENGTH = 32

# RFC 9106's second recommended option for Argon2id: 3 passes over 64 MiB, 4 lanes.
ARGON2_PRODUCTION = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}
# Only the test suite may use these: they make a hash take well under a millisecond.
ARGON2_TESTING = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


class WeakSecretKey(RuntimeError):
    """Raised at start-up when the configured secret key is short or publicly known."""


def instance_path_from_env(default: str) -> str:
    """Return the instance folder: ``NAISHIN_INSTANCE_PATH`` or Flask's default."""
    return os.environ.get("NAISHIN_INSTANCE_PATH") or default


def check_secret_key(key: str) -> str:
    """Refuse a secret key that is too short or that anyone could know."""
    if key.strip() in KNOWN_KEYS or key in KNOWN_KEYS:
        raise WeakSecretKey("The secret key is a well-known example value; generate a new one.")
    if len(key) < MIN_KEY_LENGTH:
        raise WeakSecretKey(f"The secret key must be at least {MIN_KEY_LENGTH} characters long.")
    return key


def load_secret_key(instance_path: Path) -> str:
    """Read the key from the environment, or from (creating if needed) ``instance/secret_key``.

    The generated file is created with mode 0600 so that only the service account can read it.
    """
    from_env = os.environ.get("NAISHIN_SECRET_KEY")
    if from_env is not None:
        return check_secret_key(from_env)
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return check_secret_key(path.read_text().strip())


class BadSetting(RuntimeError):
    """Raised at start-up when a setting of the environment is not what it must be."""


def whole_number(name: str, default: int, minimum: int, maximum: int) -> int:
    """The setting ``name`` as a whole number in [minimum, maximum] (ASCII digits: ``int()``
    also takes ``١٢`` and ``+3``), or ``default`` when it is unset; a clear error otherwise,
    never a traceback of ``int()`` or a negative period that would purge everything."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    from campaign.params import parse_int

    number = parse_int(text.strip(), minimum=minimum, maximum=maximum)
    if number is None:
        raise BadSetting(f"{name} must be a whole number from {minimum} to {maximum}: {text!r}")
    return number


def minutes(name: str, default: float, maximum: float) -> float:
    """The setting ``name`` as a number of minutes from 0 to ``maximum`` in ASCII digits, a
    fraction allowed (``0.5``), or ``default`` when it is unset; a clear error otherwise."""
    text = (os.environ.get(name) or "").strip()
    if not text:
        return default
    if re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", text) and float(text) <= maximum:
        return float(text)
    raise BadSetting(f"{name} must be a number of minutes from 0 to {maximum:g}: {text!r}")


def rate_limit(name: str, default: str) -> str:
    """The setting ``name`` as a rate limit (``"5 per 15 minutes"``), checked at start-up: a
    bad one was taken, and then every login answered 500 (review R7a C3)."""
    from limits import parse_many

    text = os.environ.get(name) or default
    try:
        if parse_many(text):
            return text
    except ValueError:
        pass
    raise BadSetting(f"{name} must be a rate limit such as {default!r}: {text!r}")


def time_zone(name: str, default: str) -> str:
    """The setting ``name`` as a time zone of the tz database (``Asia/Tokyo``)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = os.environ.get(name) or default
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadSetting(f"{name} must be a time zone such as {default!r}: {text!r}") from None
    return text


DAYS_MAX = 36500  # a retention period of a hundred years is the longest that means anything


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=whole_number(name, default, 1, 7 * 24 * 60))


def trusted_hosts(base_url: str | None) -> list[str] | None:
    """The hosts requests may name: ``NAISHIN_TRUSTED_HOSTS`` (comma-separated), else the base
    URL's host, else any (development, where no base URL is set)."""
    from urllib.parse import urlsplit

    listed = [h.strip() for h in os.environ.get("NAISHIN_TRUSTED_HOSTS", "").split(",")]
    if any(listed):
        return [h for h in listed if h]
    return [urlsplit(base_url).hostname] if base_url else None


def settings(instance_path: Path) -> dict:
    """Build the Flask configuration mapping from the environment."""
    https = os.environ.get("NAISHIN_HTTPS", "0") == "1"
    database_url = os.environ.get("NAISHIN_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'naishin.sqlite3'}"
    )
    base_url = check_base_url(os.environ.get("NAISHIN_BASE_URL"))
    return {
        "DATABASE_URL": database_url,
        # The data key (64 hex characters); when unset, campaign/datakey.py keeps one in the
        # instance folder.
        "DATA_KEY": os.environ.get("NAISHIN_DATA_KEY") or None,
        "BASE_URL": base_url,
        "TRUSTED_HOSTS": trusted_hosts(base_url),
        "REDIS_URL": os.environ.get("NAISHIN_REDIS_URL") or None,
        "IDLE_TIMEOUT": _minutes("NAISHIN_IDLE_TIMEOUT_MINUTES", 30),
        "ABSOLUTE_TIMEOUT": _minutes("NAISHIN_ABSOLUTE_TIMEOUT_MINUTES", 12 * 60),
        "INVITATION_LIFETIME": timedelta(hours=72),
        "ARGON2": dict(ARGON2_PRODUCTION),
        # Login throttling: failed attempts allowed per account and per client.
        "LOGIN_LIMIT_ACCOUNT": rate_limit("NAISHIN_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes"),
        # Answers to a survey per client (a keyed per-window tag, see campaign/publicforms.py).
        "SURVEY_ANSWER_LIMIT": rate_limit("NAISHIN_SURVEY_ANSWER_LIMIT", "20 per 10 minutes"),
        "LOGIN_LIMIT_CLIENT": rate_limit("NAISHIN_LOGIN_LIMIT_CLIENT", "30 per 15 minutes"),
        # How many reverse proxies set X-Forwarded-For/-Proto in front of the app.
        "PROXY_COUNT": whole_number("NAISHIN_PROXY_COUNT", 0, 0, 10),
        "SESSION_COOKIE_NAME": "naishin_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Flask-WTF's HTTPS check wants a Referer, which Referrer-Policy: no-referrer never
        # lets a browser send: security.refuse_cross_site_posts checks Origin and
        # Sec-Fetch-Site instead.
        "WTF_CSRF_SSL_STRICT": False,
        "BABEL_DEFAULT_LOCALE": "ja",
        # Times are stored in UTC and shown in this zone (campaign/dates.py).
        "TIMEZONE": time_zone("NAISHIN_TIMEZONE", "Asia/Tokyo"),
        "BABEL_DEFAULT_TIMEZONE": time_zone("NAISHIN_TIMEZONE", "Asia/Tokyo"),
        "LANGUAGES": ("ja", "en"),
        # Features' settings, read here at start-up (features read app.config, never the
        # environment). Case attachments: per-file limit; retention purge.
        "CASES_MAX_ATTACHMENT_BYTES": whole_number("NAISHIN_CASES_MAX_ATTACHMENT_MB", 10, 1, 100)
        * 1024
        * 1024,
        "CASES_RETENTION_DAYS": whole_number("NAISHIN_CASES_RETENTION_DAYS", 3 * 365, 1, DAYS_MAX),
        # What staff typed as reasons (audit notes): deleted after this many days.
        "AUDIT_NOTE_DAYS": whole_number("NAISHIN_AUDIT_NOTE_DAYS", 365, 1, DAYS_MAX),
        # Petitions: the mean interval of each gunicorn worker's confirmation-link sender thread
        # (it wakes after 0.5 to 1.5 times it, at random; campaign/petitions/links.py; 0: cron
        # only, no thread).
        "PETITION_LINK_FLUSH_MINUTES": minutes("NAISHIN_PETITION_LINK_FLUSH_MINUTES", 10, 24 * 60),
        # Where gunicorn listens (for commands that print an address).
        "BIND": os.environ.get("NAISHIN_BIND", "127.0.0.1:8000"),
    }
