"""Single-use invitation codes (SECURITY.md promises 3, 4 and 11).

A code is 16 characters from Crockford's base32 less Z (no I, L, O, U: nothing that looks like
another letter or digit; 31 symbols, a prime), shown in four groups of four, the last character a
check character (15 random characters: 74 bits). The check: the weighted sum of the 16 values,
weights 1 to 16, is 0 modulo 31. Since 31 is prime and no weight or difference of two values is
a multiple of it, every single wrong character and every swap of two neighbours is caught.
Typing is forgiving: lower case, spaces, hyphens, full-width
characters, O for 0 and I or L for 1 are all accepted; a mistyped character is caught by the
check before the database is asked.

What is stored: for each code a keyed hash (HMAC-SHA256 under a key derived from the app's secret
key and the survey's own salt) and a ``spent`` flag. No time, no order of spending, no link to the
answer: spending is one conditional ``UPDATE … SET spent = true WHERE … AND NOT spent`` in the
same transaction as the answer's write, so of 50 requests with one code exactly one changes the
row and the others are refused. The codes themselves exist only in the slips and the mail-merge
file made at generation; the platform never records who received which slip.

Who makes them (review R3-14): whoever makes codes can keep some and answer with them, so that a
group of k shown answers may hold fewer than k real members. Only headquarters makes codes (the
branch officer, whom the smallest group protects members from, cannot), and each making is
recorded (``CodeBatch``: how many, by headquarters, on which day, the date only) and shown on the
survey's page and its results beside the answers counted, so anyone can compare the two.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session

from campaign.dates import local_today
from campaign.db import begun
from surveys.models import CodeBatch, InvitationCode, Survey

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"  # Crockford's base32 less Z: 31, a prime
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_VALUE.update({"O": 0, "I": 1, "L": 1})
LENGTH = 16
MAX_PER_BATCH = 2000
HEADQUARTERS = "headquarters"  # the only maker of codes (CodeBatch.maker)


_INVERSE_16 = pow(16, -1, 31)


def _check(values: list[int]) -> int:
    """The 16th value that makes the weighted sum of all 16 a multiple of 31."""
    return (-sum((i + 1) * v for i, v in enumerate(values)) * _INVERSE_16) % 31


def new_code() -> str:
    """A fresh code, grouped for reading: ``XXXX-XXXX-XXXX-XXXX``."""
    values = [secrets.randbelow(31) for _ in range(LENGTH - 1)]
    values.append(_check(values))
    text = "".join(ALPHABET[v] for v in values)
    return "-".join(text[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(typed: str) -> str | None:
    """The code as stored (16 characters, no separators), or None if it cannot be one."""
    text = unicodedata.normalize("NFKC", typed or "").upper()
    text = "".join(c for c in text if c not in " -_.\u30fc\u2010\u2011\u2012\u2013\u2014")
    if len(text) != LENGTH or any(c not in _VALUE for c in text):
        return None
    values = [_VALUE[c] for c in text]
    if sum((i + 1) * v for i, v in enumerate(values)) % 31:
        return None
    return "".join(ALPHABET[v] for v in values)


def _key(secret_key: str, survey: Survey) -> bytes:
    return hashlib.sha256(
        b"naishin-survey-code|" + (survey.code_salt or b"") + secret_key.encode()
    ).digest()


def code_hash(secret_key: str, survey: Survey, code: str) -> bytes:
    """The keyed hash a code is stored as."""
    return hmac.new(_key(secret_key, survey), code.encode(), hashlib.sha256).digest()


def generate(db: Session, secret_key: str, survey: Survey, count: int) -> list[str]:
    """Make ``count`` new codes for the survey (headquarters: the caller checks) and record the
    making (how many, by headquarters, today's date); return them (the only time they exist)."""
    if not 1 <= count <= MAX_PER_BATCH:
        raise ValueError("count")
    db.add(CodeBatch(survey_id=survey.id, count=count, maker=HEADQUARTERS, made_on=local_today()))
    if survey.code_salt is None:
        survey.code_salt = secrets.token_bytes(16)
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_code())
    ordered = list(codes)
    secrets.SystemRandom().shuffle(ordered)
    db.execute(
        InvitationCode.__table__.insert(),
        [
            {
                "id": secrets.randbelow(2**62),
                "survey_id": survey.id,
                "code_hash": code_hash(secret_key, survey, normalise(c) or ""),
                "spent": False,
            }
            for c in ordered
        ],
    )
    return ordered


def spend(db: Session | Connection, secret_key: str, survey, code: str) -> bool:
    """Mark the code spent; False when it is unknown or already spent (exactly once).

    PostgreSQL stamps every row it writes with the writing transaction's id (``xmin``, which
    any ``SELECT`` can read), and the answer's slot is written by the same transaction: the
    spent code's row carried the id of its answer's slot (review R4-11). So on PostgreSQL one
    statement writes every code row of the survey, spent or not, in the order they lie: all of
    them then carry this transaction's id, which names no code, and the spent one is not moved
    apart from the others. Answers with codes to one survey take turns (an advisory lock per
    survey, held to the commit): the check and the write see no other answer's spending."""
    digest = code_hash(secret_key, survey, code)
    connection = begun(db)  # a session's, or the answer route's own (campaign/db.py)
    if connection.dialect.name == "postgresql":
        params = {"survey": survey.id, "digest": digest}
        connection.execute(_TURN, params)
        if not connection.scalar(_UNSPENT, params):
            return False
        connection.execute(_SPEND_ALL, params)
        return True
    result = connection.execute(
        update(InvitationCode)
        .where(
            InvitationCode.survey_id == survey.id,
            InvitationCode.code_hash == digest,
            InvitationCode.spent.is_(False),
        )
        .values(spent=True)
    )
    return result.rowcount == 1


_TURN = text("SELECT pg_advisory_xact_lock(1668244581, :survey)")  # 1668244581: "code"
_UNSPENT = text(
    "SELECT count(*) FROM survey_codes"
    " WHERE survey_id = :survey AND code_hash = :digest AND NOT spent"
)
_SPEND_ALL = text(
    "UPDATE survey_codes SET spent = spent OR code_hash = :digest WHERE survey_id = :survey"
)


def counts(db: Session, survey_id: int) -> tuple[int, int]:
    """(codes made, codes spent)."""
    made = db.scalar(select(func.count()).where(InvitationCode.survey_id == survey_id)) or 0
    spent = (
        db.scalar(
            select(func.count()).where(
                InvitationCode.survey_id == survey_id, InvitationCode.spent.is_(True)
            )
        )
        or 0
    )
    return int(made), int(spent)
