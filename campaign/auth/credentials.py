"""Passwords (Argon2id), TOTP codes and recovery codes: the secrets a staff member holds."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from campaign import clock

PASSWORD_MIN, PASSWORD_MAX = 12, 128
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
TOTP_ISSUER = "Naishin"
RECOVERY_CODES = 10


def hasher() -> PasswordHasher:
    """The app's Argon2id hasher, with the parameters pinned in its configuration."""
    ext = current_app.extensions
    if "naishin.hasher" not in ext:
        ext["naishin.hasher"] = PasswordHasher(type=Type.ID, **current_app.config["ARGON2"])
        # Verified when no account matches, so that the answer takes as long either way.
        ext["naishin.dummy_hash"] = ext["naishin.hasher"].hash(secrets.token_hex(16))
    return ext["naishin.hasher"]


def hash_password(password: str) -> str:
    """Hash a password with the current parameters."""
    return hasher().hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Verify a password; with no stored hash, spend the same time and answer False."""
    ph = hasher()
    try:
        return ph.verify(stored or current_app.extensions["naishin.dummy_hash"], password) and (
            stored is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with other parameters than the pinned ones."""
    return hasher().check_needs_rehash(stored)


def new_totp_secret() -> str:
    """A fresh 160-bit TOTP secret in base32."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def _typed(code: str) -> str:
    """A code as typed, with a Japanese input method on or off: full-width digits, letters,
    hyphens and spaces become their plain forms (NFKC), and spaces go."""
    return "".join(unicodedata.normalize("NFKC", code or "").split())


def totp_step(secret: str, code: str, last_step: int) -> int | None:
    """Return the time step a code belongs to, if it is valid and newer than ``last_step``.

    One step either side is accepted for clock drift; a step at or before ``last_step`` has
    been used already and is refused, so that an observed code cannot be replayed.
    """
    code = _typed(code)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.now())
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of 16 characters (79 random bits), written as four groups of four."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    """Recovery codes carry 79 random bits, so a plain SHA-256 is enough to store them."""
    normalised = _typed(code).lower().replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A random token for a link or a cookie, and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """Tokens are stored hashed, so that a copy of the database cannot be used to log in."""
    return hashlib.sha256(token.encode()).hexdigest()
