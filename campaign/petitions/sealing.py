"""The signers' personal data is never written in the clear: each petition has a key of its own.

* ``new_key()`` makes a petition's key (32 random bytes) when it opens; the database keeps it
  only wrapped (sealed) by the platform's data key (campaign/datakey.py), which never enters
  the database. So a copy of the database files, of its write-ahead log or of a backup holds
  the signers only as ciphertext, and a key that opens it only under another key kept apart.
* A signature's name, address and email are sealed together under the petition's key
  (``seal_signer``: XSalsa20-Poly1305 with a random nonce, PyNaCl's SecretBox, as the data key
  seals attachments), padded to a multiple of 64 bytes so the length says little. Only the
  signature list, the news emails and the tests open them (``open_signer``).
* A confirmation email waiting in the queue (links.py) keeps the address, the link's token and
  the page's language sealed the same way (``seal_link``), until it is sent.
* The keyed hashes that catch duplicates (and the review's name and address tags) are keyed by
  ``hash_key``, derived from the petition's key alone.

Anonymisation deletes the rows and then the petition's key (crypto-shredding): once the key is
gone, whatever ciphertext or keyed hash a WAL segment or a backup still holds opens for no one,
whoever has the data key. See retention.py for what leaves the files, and when.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from nacl.secret import SecretBox

from campaign import datakey

KEY_SIZE = SecretBox.KEY_SIZE
PAD = 64


class NoKey(Exception):
    """The petition has no key: it never opened, or its signers' data is gone."""


def new_key() -> bytes:
    """A fresh petition key, in the clear (wrap it before it is stored)."""
    return secrets.token_bytes(KEY_SIZE)


def wrap(key: bytes) -> bytes:
    """What the database keeps of a petition key: sealed with the data key."""
    return datakey.seal(key)


def unwrap(wrapped: bytes | None) -> bytes:
    """The petition key from its stored, wrapped form."""
    if wrapped is None:
        raise NoKey
    return datakey.unseal(bytes(wrapped))


def hash_key(key: bytes) -> bytes:
    """The key of the duplicate hashes and review tags, derived from the petition key."""
    return hmac.new(key, b"petition-signers", hashlib.sha256).digest()


@dataclass(frozen=True)
class Signer:
    """A signature's personal data, opened."""

    name: str
    address: str
    email: str | None = None


def seal_signer(key: bytes, signer: Signer) -> bytes:
    """Name, address and email sealed together under the petition key, padded."""
    plain = json.dumps([signer.name, signer.address, signer.email], ensure_ascii=False).encode()
    plain += b" " * (-len(plain) % PAD)  # JSON ignores trailing spaces
    return bytes(SecretBox(key).encrypt(plain))


def opener(key: bytes) -> Callable[[bytes], Signer]:
    """``open_one(sealed) -> Signer`` for the rows of one petition (raises
    ``nacl.exceptions.CryptoError`` for bytes that were changed)."""
    box = SecretBox(key)

    def open_one(sealed: bytes) -> Signer:
        name, address, email = json.loads(box.decrypt(bytes(sealed)))
        return Signer(name, address, email)

    return open_one


def open_signer(key: bytes, sealed: bytes) -> Signer:
    """The personal data of one signature."""
    return opener(key)(sealed)


@dataclass(frozen=True)
class Link:
    """A queued confirmation email, opened: to whom, the link's token, in which language."""

    email: str
    token: str
    locale: str


def seal_link(key: bytes, link: Link) -> bytes:
    """A queued confirmation email sealed under the petition key, padded as signers are."""
    plain = json.dumps([link.email, link.token, link.locale], ensure_ascii=False).encode()
    plain += b" " * (-len(plain) % PAD)
    return bytes(SecretBox(key).encrypt(plain))


def open_link(key: bytes, sealed: bytes) -> Link:
    """A queued confirmation email, opened (raises ``CryptoError`` for changed bytes)."""
    email, token, locale = json.loads(SecretBox(key).decrypt(bytes(sealed)))
    return Link(email, token, locale)
