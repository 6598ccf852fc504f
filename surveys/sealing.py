"""All of the survey cryptography, and nothing else (SECURITY.md promises 2 and 5).

- A survey's key pair is X25519 (libsodium ``crypto_box``). Answers are sealed to the public key
  with ``crypto_box_seal`` (PyNaCl ``SealedBox``): an anonymous sender, 48 bytes of overhead.
  The browser does the same with libsodium-wrappers, so both sides produce the same format.
- Before sealing, the answer (UTF-8 JSON) is padded ISO/IEC 7816-4 style, exactly as libsodium's
  ``sodium_pad``: one 0x80 byte, then zeros, up to the survey's fixed block size. Every sealed
  answer of one survey therefore has the same length, ``block_size + SEAL_OVERHEAD``.
- The private key never rests in the clear: it is wrapped with a passphrase, Argon2id
  (``nacl.pwhash.argon2id.kdf``) deriving a SecretBox key. A key file (for offline counting)
  holds it in the clear and is given only to the person who typed the passphrase.
- A receipt is the SHA-256 of the sealed bytes, shortened: it proves what was sent, not who.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

SEAL_OVERHEAD = 48  # 32-byte ephemeral public key + 16-byte Poly1305 tag
KEY_FILE_FORMAT = "naishin-survey-key-1"
KDF_LIMITS = {
    # name -> (opslimit, memlimit) for Argon2id; "moderate" is libsodium's 256 MiB, ~1 s.
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
    "interactive": (
        nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
        nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
    ),
    "testing": (nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN),
}


class SealingError(Exception):
    """Sealed data or a key could not be used (wrong key, tampered bytes, bad format)."""


@dataclass(frozen=True)
class WrappedKey:
    """What the database keeps of a survey's private key: never the key itself."""

    public_key: bytes
    wrapped: bytes  # SecretBox(nonce + ciphertext) of the 32-byte private key
    salt: bytes
    opslimit: int
    memlimit: int


def new_key_pair(passphrase: str, limits: tuple[int, int]) -> WrappedKey:
    """Make a survey key pair and return it wrapped with the passphrase."""
    private = PrivateKey.generate()
    opslimit, memlimit = limits
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    wrapped = bytes(box.encrypt(bytes(private)))
    return WrappedKey(bytes(private.public_key), wrapped, salt, opslimit, memlimit)


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def unwrap(key: WrappedKey, passphrase: str) -> PrivateKey:
    """The private key, if the passphrase is right; SealingError otherwise."""
    box = nacl.secret.SecretBox(_derive(passphrase, key.salt, key.opslimit, key.memlimit))
    try:
        private = PrivateKey(box.decrypt(key.wrapped))
    except nacl.exceptions.CryptoError as error:
        raise SealingError("wrong passphrase") from error
    if bytes(private.public_key) != key.public_key:  # pragma: no cover - defence in depth
        raise SealingError("the key does not belong to this survey")
    return private


def key_file(survey_id: int, private: PrivateKey) -> bytes:
    """The key file for offline counting (JSON; holds the private key in the clear)."""
    document = {
        "format": KEY_FILE_FORMAT,
        "survey_id": survey_id,
        "public_key": base64.b64encode(bytes(private.public_key)).decode(),
        "private_key": base64.b64encode(bytes(private)).decode(),
    }
    return json.dumps(document, indent=2).encode() + b"\n"


def read_key_file(data: bytes, survey_id: int, public_key: bytes) -> PrivateKey:
    """The private key from a key file, checked against the survey; SealingError otherwise."""
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != KEY_FILE_FORMAT:
            raise ValueError("format")
        private = PrivateKey(base64.b64decode(document["private_key"], validate=True))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
        raise SealingError("not a survey key file") from error
    except RecursionError as error:  # JSON nested thousands deep (review R7a W1)
        raise SealingError("not a survey key file") from error
    except nacl.exceptions.CryptoError as error:  # wrong key length
        raise SealingError("not a survey key file") from error
    if document.get("survey_id") != survey_id or bytes(private.public_key) != public_key:
        raise SealingError("the key file belongs to another survey")
    return private


def pad(data: bytes, block_size: int) -> bytes:
    """``sodium_pad`` to exactly one block: data, 0x80, zeros. ValueError if it does not fit."""
    if len(data) + 1 > block_size:
        raise ValueError("answer too long for the survey's block size")
    return data + b"\x80" + bytes(block_size - len(data) - 1)


def unpad(padded: bytes) -> bytes:
    """Undo ``pad``; ValueError if the padding is not well formed."""
    end = padded.rfind(b"\x80")
    if end < 0 or padded[end + 1 :] != bytes(len(padded) - end - 1):
        raise ValueError("bad padding")
    return padded[:end]


def sealed_size(block_size: int) -> int:
    """The length of every sealed answer of a survey with this block size."""
    return block_size + SEAL_OVERHEAD


def seal(answer: dict, public_key: bytes, block_size: int) -> bytes:
    """Encode, pad and seal an answer on the server (the no-JavaScript path)."""
    data = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return SealedBox(PublicKey(public_key)).encrypt(pad(data, block_size))


def opener(private: PrivateKey):
    """A function that opens one sealed answer into its dict (SealingError if it cannot).

    This runs once per answer when counting, so it calls libsodium's ``crypto_box_seal_open``
    directly through PyNaCl's cffi binding, into one output buffer reused for every answer of
    the same length (what ``SealedBox.decrypt`` does, minus its checks and allocations).
    """
    from nacl._sodium import ffi, lib

    public_key, secret_key = bytes(private.public_key), bytes(private)
    loads = json.loads
    buffers: dict[int, object] = {}

    def open_raw(sealed: bytes) -> bytes:
        """The answer's JSON text, unparsed."""
        if type(sealed) is not bytes or len(sealed) <= SEAL_OVERHEAD:
            raise SealingError("cannot open this answer")
        size = len(sealed) - SEAL_OVERHEAD
        out = buffers.get(size)
        if out is None:
            out = buffers[size] = ffi.new("unsigned char[]", size)
        if lib.crypto_box_seal_open(out, sealed, len(sealed), public_key, secret_key) != 0:
            raise SealingError("cannot open this answer")
        padded = ffi.buffer(out, size)[:]
        # The marker is the last 0x80 byte and only zeros follow it (memrchr and memcmp, much
        # faster than rstrip over a mostly empty block).
        end = padded.rfind(b"\x80")
        if end < 0 or padded[end + 1 :] != bytes(size - end - 1):
            raise SealingError("bad padding")
        return padded[:end]

    def open_one(sealed: bytes) -> dict:
        try:
            document = loads(open_raw(sealed))
        except ValueError as error:
            raise SealingError("cannot open this answer") from error
        if type(document) is not dict:
            raise SealingError("not an answer")
        return document

    return open_one


def receipt(sealed: bytes) -> str:
    """A short fingerprint of the sealed answer, for the respondent to keep."""
    digest = hashlib.sha256(sealed).hexdigest()[:20]
    return "-".join(digest[i : i + 4] for i in range(0, 20, 4))


def decode_sealed(text: str, expected_length: int) -> bytes:
    """Base64 from the browser → bytes of exactly the survey's sealed length (ValueError)."""
    try:
        sealed = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64") from error
    if len(sealed) != expected_length:
        raise ValueError("wrong length")
    return sealed


def form_token(secret: bytes, survey_id: int, window: int) -> str:
    """The answer form's anti-forgery token (campaign.publicforms.token_for, purpose
    ``survey-answer``), for code that holds the key itself (the benchmarks)."""
    from campaign.publicforms import token_for

    return token_for(secret, "survey-answer", survey_id, window)


def form_secret(secret_key: str) -> bytes:
    """The public-form token key derived from the app's secret key (campaign.publicforms)."""
    from campaign.publicforms import derive_key

    return derive_key(secret_key, "public-form")


def check_form_token(secret: bytes, survey_id: int, token: str, now_window: int) -> bool:
    """Whether the token was made with ``secret`` for this survey in this window or the one
    before (the pure form of campaign.publicforms.verify_token)."""
    from campaign.params import parse_int

    window_text, _, _mac = (token or "").partition(".")
    window = parse_int(window_text, maximum=now_window)  # ASCII digits only, and not 5,000
    if window not in (now_window, now_window - 1):
        return False
    return hmac.compare_digest(form_token(secret, survey_id, window), token)
