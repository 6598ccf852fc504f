"""Surveys, their questions, their key, their codes and custodians, and the answers.

How answers are kept (SECURITY.md promise 3): in preallocated slots filled at random places, rows
that never leave their page; surveys/storage.py says how, and why no byte of the database or of
SQLite's log orders answers by arrival at any moment. A slot row holds the survey id, a random
key, a slot number (0 to capacity - 1), a part number, a ``filled`` flag and bytes: no time, no
sequence.

Invitation codes (``survey_codes``): a keyed hash of each code and a ``spent`` flag, nothing else;
no time, no order, no reference to an answer. Custodians (``survey_custodians``): which staff
account holds which SLIP-39 member index (never the share itself).
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign import clock
from campaign.db import Base, RandomKey, UTCDateTime, random_id
from campaign.workflow import StateMachine

PART = 1536  # bytes of a slot row: below SQLite's in-page limit and PostgreSQL's TOAST threshold


def random_key() -> bytes:
    """A primary key that says nothing about when the row was written."""
    return secrets.token_bytes(16)


DRAFT, OPEN, CLOSED = "draft", "open", "closed"
STATES = {DRAFT: _l("Draft"), OPEN: _l("Taking answers"), CLOSED: _l("No longer taking answers")}
# A survey's life, in the platform's one state-machine style (campaign/workflow.py, as cases):
# built (draft), answered (open), counted (closed); nothing goes back.
WORKFLOW = StateMachine({DRAFT: (OPEN,), OPEN: (CLOSED,), CLOSED: ()}, STATES)


class State:
    """The names of the states, plain strings (``State.OPEN == "open"``)."""

    DRAFT, OPEN, CLOSED = DRAFT, OPEN, CLOSED


# The ends of a 5-point scale unless the builder names them (Japanese and English).
SCALE_ENDS_JA = ("まったくそう思わない", "とてもそう思う")
SCALE_ENDS_EN = ("Strongly disagree", "Strongly agree")
SCALE_END_MAX = 100


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
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
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
    # Key custody: "passphrase" (wrapped_key above) or "custodians" (k of n SLIP-39 shares,
    # nothing of the private key stored at all).
    custody: Mapped[str] = mapped_column(String(16), default="passphrase")
    custody_threshold: Mapped[int | None] = mapped_column(Integer)
    # Answering needs a single-use invitation code; codes are hashed with this survey's salt.
    needs_code: Mapped[bool] = mapped_column(Boolean, default=False)
    code_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    receipts_published: Mapped[bool] = mapped_column(Boolean, default=False)

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan", back_populates="survey"
    )
    code_batches: Mapped[list[CodeBatch]] = relationship(
        order_by="CodeBatch.made_on", viewonly=True
    )

    def title(self, locale: str) -> str:
        """The title in the reader's language (Japanese when no English was given)."""
        return self.title_en if locale == "en" and self.title_en else self.title_ja

    def intro(self, locale: str) -> str:
        """The introduction in the reader's language."""
        return self.intro_en if locale == "en" and self.intro_en else self.intro_ja

    @property
    def sealed_size(self) -> int:
        """The length of every sealed answer of this survey (once open)."""
        return int(self.block_size or 0) + 48

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
    # A 5-point scale's end labels (1 and 5), as the builder wrote them; empty for other kinds.
    scale_low_ja: Mapped[str] = mapped_column(String(SCALE_END_MAX), default="")
    scale_high_ja: Mapped[str] = mapped_column(String(SCALE_END_MAX), default="")
    scale_low_en: Mapped[str] = mapped_column(String(SCALE_END_MAX), default="")
    scale_high_en: Mapped[str] = mapped_column(String(SCALE_END_MAX), default="")

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

    def scale_ends(self, locale: str) -> tuple[str, str]:
        """The labels of points 1 and 5 in the reader's language (English falls back to the
        Japanese ones when the builder gave none)."""
        ja = (self.scale_low_ja or SCALE_ENDS_JA[0], self.scale_high_ja or SCALE_ENDS_JA[1])
        if locale == "en" and self.scale_low_en and self.scale_high_en:
            return self.scale_low_en, self.scale_high_en
        return ja

    def scale_points(self, locale: str) -> list[str]:
        """The five points of a scale as a reader sees them: 「1：まったくそう思わない」, 2, 3, 4,
        「5：とてもそう思う」 (the same on the answer page, in the results and in the exports)."""
        from flask_babel import gettext

        low, high = self.scale_ends(locale)
        return [
            gettext("%(point)d: %(label)s", point=1, label=low),
            "2",
            "3",
            "4",
            gettext("%(point)d: %(label)s", point=5, label=high),
        ]


class Slot(Base):
    """One part of one answer slot: filler until an answer is written over it in place."""

    __tablename__ = "survey_slots"
    __table_args__ = (
        UniqueConstraint("survey_id", "slot", "part"),
        # Room in every heap page for the new version of its rows: updates stay in the page.
        {"postgresql_with": {"fillfactor": 40}},
    )

    id: Mapped[int] = mapped_column(RandomKey, primary_key=True, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    part: Mapped[int] = mapped_column(Integer)
    filled: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InvitationCode(Base):
    """A keyed hash of one invitation code, and whether it was spent (no time, no order)."""

    __tablename__ = "survey_codes"
    __table_args__ = (UniqueConstraint("survey_id", "code_hash"),)

    id: Mapped[int] = mapped_column(RandomKey, primary_key=True, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    spent: Mapped[bool] = mapped_column(Boolean, default=False)


class CodeBatch(Base):
    """One making of invitation codes (review R3-14): how many, by whom (``headquarters``, or
    ``None`` for codes made before this was recorded) and on which day (the date only). Shown
    on the survey's page and its results, so anyone can compare the codes made with the answers
    counted. It says nothing of any code."""

    __tablename__ = "survey_code_batches"

    id: Mapped[int] = mapped_column(RandomKey, primary_key=True, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    count: Mapped[int] = mapped_column(Integer)
    maker: Mapped[str | None] = mapped_column(String(16))
    made_on: Mapped[date | None] = mapped_column(Date)


class Custodian(Base):
    """A staff account that holds one SLIP-39 share of a survey's key (never the share)."""

    __tablename__ = "survey_custodians"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    member_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class PendingShare(Base):
    """A custodian's share waiting for them to log in, sealed to a key of their own.

    surveys/handover.py says how it is sealed and why nothing of it stays once shown.
    """

    __tablename__ = "survey_pending_shares"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
