"""Key custody among k of n custodians with SLIP-39 (SECURITY.md promise 5).

When headquarters opens a survey with custodians, the survey's X25519 private key (32 bytes) is
split with SLIP-39 (``shamir-mnemonic``, Trezor's reference implementation) into n shares of 33
words, any k of which give the key back; k-1 give nothing (Shamir's scheme over GF(256), and
SLIP-39's digest share makes a wrong combination fail loudly instead of giving a wrong key).

Nothing of the key is stored in the clear: the database keeps the public key and, per custodian,
which member index of the split they hold (``survey_custodians``). Each share waits for its
custodian sealed to a key of their own, is shown to them alone once, as words and as a QR code
to print, and is then erased (surveys/handover.py).
"""

from __future__ import annotations

import unicodedata

import nacl.exceptions
import shamir_mnemonic
from nacl.public import PrivateKey
from shamir_mnemonic.share import Share
from shamir_mnemonic.utils import MnemonicError

MIN_CUSTODIANS, MAX_CUSTODIANS = 2, 16


class CustodyError(Exception):
    """Shares that do not open the key (too few, mistyped, of another survey)."""


def split(private: PrivateKey, n: int, k: int) -> list[str]:
    """n SLIP-39 mnemonics, any k of which rebuild the private key."""
    if not MIN_CUSTODIANS <= n <= MAX_CUSTODIANS or not 1 <= k <= n:
        raise ValueError("custodians: 2 to 16, threshold 1 to n")
    groups = shamir_mnemonic.generate_mnemonics(1, [(k, n)], bytes(private), b"")
    return list(groups[0])


def normalise(words: str) -> str:
    """What a custodian typed or scanned, as SLIP-39 wants it: lower case, single spaces."""
    text = unicodedata.normalize("NFKC", words or "").lower()
    return " ".join(text.replace(",", " ").split())


def member_index(mnemonic: str) -> int:
    """Which share of the split this is (0 to n-1); CustodyError if it is no share."""
    try:
        return Share.from_mnemonic(normalise(mnemonic)).index
    except (MnemonicError, ValueError, KeyError) as error:
        raise CustodyError("not a share") from error


def combine(mnemonics: list[str], public_key: bytes) -> tuple[PrivateKey, list[int]]:
    """The private key from k shares, and the member indexes that took part.

    CustodyError when there are too few, a word is wrong, or they belong to another survey.
    """
    cleaned = [normalise(m) for m in mnemonics if normalise(m)]
    try:
        indexes = sorted({Share.from_mnemonic(m).index for m in cleaned})
        secret = shamir_mnemonic.combine_mnemonics(cleaned, b"")
        private = PrivateKey(secret)
    except (MnemonicError, ValueError, KeyError, nacl.exceptions.CryptoError) as error:
        raise CustodyError("the shares do not open this survey") from error
    if bytes(private.public_key) != public_key:
        raise CustodyError("the shares belong to another survey")
    return private, indexes


def qr_svg(mnemonic: str) -> str:
    """The share as a QR code (SVG, no XML declaration, for inline use)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(mnemonic, error="m").save(buffer, kind="svg", scale=3, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
