"""What a new staff password must be (review R2-9), at setup, after a reset and when changed.

Length alone let ``password1234`` or a person's own address through. A new password must have
12 to 128 characters, must not be one of the most common passwords (the list shipped in
``data/``, see its README), and must not contain the person's email name or name. Compared
as typed with an input method on or off (NFKC) and without regard to case.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from campaign.auth.credentials import PASSWORD_MAX as MAX_LENGTH
from campaign.auth.credentials import PASSWORD_MIN as MIN_LENGTH

COMMON_LIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Shorter parts of an address or a name match too much by chance ("hq" in "high quality").
_MIN_PART = {True: 4, False: 2}  # ASCII parts, other scripts (two kanji are a name)


SAME_AS_BEFORE = _l("The new password must differ from the current one.")


class PasswordRejected(Exception):
    """The new password breaks the policy; ``messages`` say how, naming the field."""

    def __init__(self, messages: list) -> None:
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = messages


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _personal_parts(email: str, name: str) -> set[str]:
    local = _folded(email).split("@", 1)[0]
    folded_name = _folded(name)
    parts = {local, *re.split(r"[._+\-]+", local), "".join(folded_name.split())}
    parts.update(folded_name.split())
    return {p for p in parts if len(p) >= _MIN_PART[p.isascii()]}


def problems(password: str, *, email: str, name: str) -> list:
    """What is wrong with ``password`` as the new password of this person; empty when fine."""
    found = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        found.append(
            _l(
                "The new password must have %(min)d to %(max)d characters.",
                min=MIN_LENGTH,
                max=MAX_LENGTH,
            )
        )
    folded = _folded(password)
    if folded.strip() in common_passwords():
        found.append(
            _l(
                "The new password is on the list of the most common passwords, which are "
                "guessed first. Choose another one."
            )
        )
    compact = "".join(folded.split())
    if any(part in compact for part in _personal_parts(email, name)):
        found.append(_l("The new password must not contain your name or your email address."))
    return found


def check(password: str, *, email: str, name: str) -> None:
    """Raise ``PasswordRejected`` unless ``password`` may be this person's new password."""
    found = problems(password, email=email, name=name)
    if found:
        raise PasswordRejected(found)
