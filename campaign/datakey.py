"""The data key: what is encrypted at rest (attachments, TOTP secrets) is sealed with it.

The key is 32 random bytes from ``NAISHIN_DATA_KEY`` (64 hex characters) or, failing that,
generated once into ``instance/data_key`` with mode 0600, as the secret key is. It never enters
the database, so a copy of the database alone (a stolen dump, a backup) reveals neither the
attachments nor the second factors. Losing the key loses both: back it up apart from the
database dumps.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, current_app, has_app_context
from nacl.secret import SecretBox
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

KEY_FILE = "data_key"
# The key of the app made last in this process, for sessions used outside an app context (the
# test suite's, a migration's). One process serves one app in production.
_last_key: bytes | None = None


class DataKeyError(RuntimeError):
    """The configured data key is unusable."""


def _parse(text: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as error:
        raise DataKeyError("NAISHIN_DATA_KEY must be 64 hexadecimal characters") from error
    if len(key) != SecretBox.KEY_SIZE:
        raise DataKeyError("NAISHIN_DATA_KEY must be 64 hexadecimal characters")
    return key


def load_key(instance_path: Path, configured: str | None = None) -> bytes:
    """The configured data key (``DATA_KEY``, from ``NAISHIN_DATA_KEY``), or the one kept in
    (and created if needed in) the instance folder."""
    if configured:
        return _parse(configured)
    path = instance_path / KEY_FILE
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(SecretBox.KEY_SIZE))
    return _parse(path.read_text())


def init_app(app: Flask) -> None:
    """Load (or create) the key at start-up, so that a bad key stops the app, not a request."""
    global _last_key
    key = load_key(Path(app.instance_path), app.config.get("DATA_KEY"))
    app.extensions["naishin.data_key"] = key
    _last_key = key


def _key() -> bytes:
    if has_app_context() and "naishin.data_key" in current_app.extensions:
        return current_app.extensions["naishin.data_key"]
    if _last_key is None:
        raise DataKeyError("no data key loaded: create the app first")
    return _last_key


def subkey(context: str, key: bytes | None = None) -> bytes:
    """A 32-byte key of its own for ``context`` (BLAKE2b keyed with the data key, or ``key``),
    for sealing one kind of thing apart from the rest (a survey custodian's share)."""
    import hashlib

    return hashlib.blake2b(
        context.encode(), key=key or _key(), person=b"naishin-subkey", digest_size=32
    ).digest()


def seal(plaintext: bytes, key: bytes | None = None) -> bytes:
    """Encrypt and authenticate (XSalsa20-Poly1305, random nonce stored in front)."""
    return bytes(SecretBox(key or _key()).encrypt(plaintext))


def unseal(sealed: bytes, key: bytes | None = None) -> bytes:
    """Decrypt; raises ``nacl.exceptions.CryptoError`` if the bytes were changed."""
    return SecretBox(key or _key()).decrypt(sealed)


class SealedString(TypeDecorator):
    """A short text column stored sealed with the data key (a TOTP secret).

    Python sees the text; the database holds only the ciphertext.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return seal(value.encode())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return unseal(bytes(value)).decode()
