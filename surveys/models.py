"""Surveys, their questions, their key, and the answers (SECURITY.md promises 2, 3 and 5).

How answers are kept (promise 3)
--------------------------------
An answer row holds the survey id, a random 16-byte key and the sealed bytes: nothing else. No
timestamp, address, user agent, sequence, counter or anything else that could order answers or
link one to a person. All sealed answers of a survey have the same length (see sealing.py).

A new answer first goes into ``survey_answer_pool``. When the pool of a survey holds
``POOL_FLUSH`` answers or more (and when the survey closes), the whole pool is taken out with one
``DELETE … RETURNING`` and written to ``survey_answers`` in a shuffled order. On close, every
answer of the survey is additionally rewritten once more in a fresh random order.

SQLite: both tables are ``WITHOUT ROWID``, so rows live in the B-tree ordered by their random key,
not by arrival; ``PRAGMA secure_delete=ON`` (set for every connection in campaign/db.py) zeroes
what the pool leaves behind, and the WAL is checkpointed and truncated after each flush, so the
log never holds more than the current pool. Reading without ``ORDER BY`` follows the random key.

PostgreSQL: a heap table keeps rows roughly in the order they were inserted and ``ctid`` has no
other meaning, so what matters there is that rows only ever reach ``survey_answers`` as a
shuffled batch (and the whole survey is rewritten shuffled at close); the pool's deleted tuples
remain on disk until VACUUM (autovacuum, or ``VACUUM survey_answer_pool`` after closing) and
hold only ciphertext of at most one batch. The application always reads ``ORDER BY id`` (the
random key), never relying on the physical order. The limit, measured by the red-team test: while
a PostgreSQL survey is open, its heap (and an unordered ``SELECT``) still follows the order of
the *batches* (Spearman's rho about 0.99 over 200 answers), so someone reading the disk during
collection can tell which batch of 20 an answer came in, though never when; closing rewrites
all answers in one shuffled batch and runs ``VACUUM FULL`` (rho then within ±0.25).

Single-use invitation codes (next issue) fit beside this without a redesign: a separate table of
spent code hashes (``survey_id``, ``code_hash``), with no time and no reference to any answer, is
written in the same transaction as the pool row; nothing on the answer side changes.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign import clock
from campaign.db import Base, UTCDateTime

POOL_FLUSH = 20


def random_key() -> bytes:
    """A primary key that says nothing about when the row was written."""
    return secrets.token_bytes(16)


class State(enum.StrEnum):
    """A survey's life: built (draft), answered (open), counted (closed)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Kind(enum.StrEnum):
    """The kinds of question."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE5 = "scale5"
    NUMBER = "number"
    TEXT = "text"


class Survey(Base):
    """A survey, of the whole federation (``branch_id`` empty) or of one branch."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    intro_ja: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[State] = mapped_column(
        Enum(State, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=State.DRAFT,
    )
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_group: Mapped[int] = mapped_column(Integer, default=5)  # k, never below 3
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when the survey opens; the private key only ever wrapped (see sealing.WrappedKey).
    block_size: Mapped[int | None] = mapped_column(Integer)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    key_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    key_opslimit: Mapped[int | None] = mapped_column(Integer)
    key_memlimit: Mapped[int | None] = mapped_column(Integer)

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan", back_populates="survey"
    )

    def title(self, locale: str) -> str:
        """The title in the reader's language (Japanese when no English was given)."""
        return self.title_en if locale == "en" and self.title_en else self.title_ja

    def intro(self, locale: str) -> str:
        """The introduction in the reader's language."""
        return self.intro_en if locale == "en" and self.intro_en else self.intro_ja

    @property
    def grouping(self) -> Question | None:
        """The question whose answer splits the results into groups, if any."""
        return next((q for q in self.questions if q.is_grouping), None)


class Question(Base):
    """One question; its options are one per line, in both languages."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[Kind] = mapped_column(
        Enum(Kind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    text_ja: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500), default="")
    options_ja: Mapped[str] = mapped_column(Text, default="")
    options_en: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    is_grouping: Mapped[bool] = mapped_column(Boolean, default=False)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    def text(self, locale: str) -> str:
        """The question in the reader's language."""
        return self.text_en if locale == "en" and self.text_en else self.text_ja

    @property
    def option_count(self) -> int:
        """How many choices the question offers."""
        return len(self.options("ja"))

    def options(self, locale: str) -> list[str]:
        """The choices in the reader's language (English falls back to Japanese per line)."""
        ja = [line.strip() for line in (self.options_ja or "").splitlines() if line.strip()]
        en = [line.strip() for line in (self.options_en or "").splitlines() if line.strip()]
        if locale == "en" and len(en) == len(ja):
            return en
        return ja


class PooledAnswer(Base):
    """An answer waiting to be moved, shuffled with others, into ``survey_answers``."""

    __tablename__ = "survey_answer_pool"
    __table_args__: ClassVar[dict] = {"sqlite_with_rowid": False}

    id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True, default=random_key)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class Answer(Base):
    """A sealed answer: its survey, a random key, the ciphertext. Nothing else, on purpose."""

    __tablename__ = "survey_answers"
    __table_args__: ClassVar[dict] = {"sqlite_with_rowid": False}

    id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True, default=random_key)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
