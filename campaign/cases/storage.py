"""Attachments at rest: sealed with a data key that never enters the database.

The key is 32 random bytes from ``NAISHIN_DATA_KEY`` (64 hex characters) or, failing that,
generated once into ``instance/data_key`` with mode 0600, as the secret key is. Losing the key
loses the attachments: back it up apart from the database dumps.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from nacl.secret import SecretBox

KEY_FILE = "data_key"


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


def load_key(instance_path: Path) -> bytes:
    """The data key from the environment, or from (creating if needed) the instance folder."""
    from_env = os.environ.get("NAISHIN_DATA_KEY")
    if from_env:
        return _parse(from_env)
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


def _box() -> SecretBox:
    key = current_app.extensions.get("naishin.cases.key")
    if key is None:
        key = load_key(Path(current_app.instance_path))
        current_app.extensions["naishin.cases.key"] = key
    return SecretBox(key)


def seal(plaintext: bytes) -> bytes:
    """Encrypt and authenticate (XSalsa20-Poly1305, random nonce stored in front)."""
    return bytes(_box().encrypt(plaintext))


def unseal(sealed: bytes) -> bytes:
    """Decrypt; raises ``nacl.exceptions.CryptoError`` if the bytes were changed."""
    return _box().decrypt(sealed)
