"""Counting password guesses before the password is checked (SECURITY.md promise 6).

A guess is counted when it arrives, by one atomic increment in the limiter's store (Redis
when configured, so every worker shares the count), and refused with 429 once the count is
over the limit: ten guesses sent at the same moment against a limit of five check five
passwords, not ten. (Flask-Limiter's ``deduct_when`` counted a guess only after its response,
so every guess in flight passed the check at once.) A guess that turns out right is given
back, so that a good login does not use up the person's allowance.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from flask import abort, current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string

from campaign.auth.services import normalise_email
from campaign.extensions import client_key

# limits' MemoryStorage loses counts when threads create one key at the same moment (each
# ``incr`` first drops a key that has no expiry yet, which a key being created has not): the
# in-process store is used under one lock. Redis counts atomically on its side.
_MEMORY_LOCK = threading.Lock()


def _serialised(store: Storage) -> AbstractContextManager:
    return _MEMORY_LOCK if isinstance(store, MemoryStorage) else nullcontext()


def _store() -> Storage:
    """The app's counter store, made on first use from the limiter's storage address (once:
    requests arriving together must not each make an in-process store of their own)."""
    extensions = current_app.extensions
    if "naishin.attempts" not in extensions:
        with _MEMORY_LOCK:
            if "naishin.attempts" not in extensions:
                extensions["naishin.attempts"] = storage_from_string(
                    current_app.config["RATELIMIT_STORAGE_URI"]
                )
    return extensions["naishin.attempts"]


def account_key(email: str) -> str:
    """The account a guess is against, hashed so that the store holds no address."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


@dataclass
class Attempt:
    """One counted guess: ``succeeded()`` gives it back."""

    counted: list[tuple[str, RateLimitItem]] = field(default_factory=list)

    def succeeded(self) -> None:
        """The guess was right: it does not count against the limits."""
        store = _store()
        with _serialised(store):
            for key, item in self.counted:
                if store.get(key) > 0:  # not when the window ended meanwhile: no credit later
                    store.incr(key, item.get_expiry(), amount=-1)
        self.counted.clear()


def password_guess(email: str) -> Attempt:
    """Count a password guess against the client and the account; 429 when either is over.

    The same account counter serves the login form and every form that asks for the current
    password (a password change, new recovery codes), so a stolen session gives no more
    guesses than the login page does.
    """
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    store = _store()
    attempt = Attempt()
    for limit, scope, who in (
        (config["LOGIN_LIMIT_CLIENT"], "guess-client", client_key()),
        (config["LOGIN_LIMIT_ACCOUNT"], "guess-account", account_key(email)),
    ):
        item = parse(limit)
        key = item.key_for(prefix, scope, who)
        with _serialised(store):
            count = store.incr(key, item.get_expiry())
        attempt.counted.append((key, item))
        if count > item.amount:
            abort(429)
    return attempt


def first_in_window(limit: str, *key: str | int) -> bool:
    """Count one event under ``key``; True for the first one of the window ``limit`` names
    (e.g. ``"1 per minute"``: the first of each minute)."""
    item = parse(limit)
    store = _store()
    full = item.key_for(current_app.config.get("RATELIMIT_KEY_PREFIX", ""), *key)
    with _serialised(store):
        return store.incr(full, item.get_expiry()) <= item.amount
