"""Petitions, their signatures (online), paper batches (counted by branches) and, once the
signers' personal data is gone, the counts that stay.

What a signature row keeps (SECURITY.md promises 1 and 9): ``sealed``, the name and address as
typed and an email address only when the signer asked for news, encrypted under the petition's
own key (never in the clear, see sealing.py); the prefecture read from the address; the *date*
of signing (never a time); and keyed hashes under a key derived from the petition's key:
``signer_hash`` (name + address, for duplicates), ``name_tag`` and ``address_tag`` (for
headquarters' review of bursts, shown as counts) and ``token_hash`` (the SHA-256 of the emailed
link's token, never the token). No IP address, user agent, referrer or time of day exists
anywhere to be stored, and no order either: the id is random (``random_id``), and no list is
sorted by it. Anonymisation deletes the rows and the petition's key, and keeps
``PetitionTally`` (online signatures counted per prefecture) and ``PublishedDay`` (the figures
published each day, rounded: nothing beyond what the page showed).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign import clock
from campaign.db import Base, RandomKey, UTCDateTime, random_id
from campaign.org.models import Branch
from campaign.petitions import japanese


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


class State(enum.StrEnum):
    """A petition's life: draft → open → closed → submitted → anonymised."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    SUBMITTED = "submitted"
    ANONYMISED = "anonymised"


class SignatureState(enum.StrEnum):
    """``pending``: waits for its email link; ``counted``; ``invalid``: set aside by headquarters
    (kept until anonymisation so that the same person cannot sign again in its place).

    ``invalid`` is always an acknowledged signature (signed without email, or its link
    confirmed) that holds the person's place and would count, but is in a group headquarters
    set aside (``SetAside``): one that was counted, or one that came to count after the
    set-aside. A signature of such a group that waits for its link stays ``pending`` (nothing
    about its link changes, review R3-11) and becomes ``invalid`` instead of ``counted`` when
    confirmed; so counting the group again counts exactly its ``invalid`` rows, never one that
    was not confirmed.

    ``repeat`` and ``repeat-confirmed``: a person who had signed already signed again with an
    email address. Their link must look like anyone's (the page, the email and the link's page
    are the same for a new signer and for one who had signed, so that the form tells no one
    whether a person signed: review R3-11), so the second signature gets a row of its own that
    waits for its link (``repeat``) and, once its link is pressed, shows as confirmed
    (``repeat-confirmed``); a repeat without an email is ``repeat-confirmed`` at once. A repeat
    is not counted while the person's place is held (by the row whose ``signer_hash`` is the
    person's: ``pending``, ``counted`` or ``invalid``), but it is the person's signature all
    the same (review R5-4): when the holder goes (withdrawn, never confirmed) a
    ``repeat-confirmed`` of the same person takes its place, and an acknowledged repeat
    (without email, or confirmed) never waits behind a ``pending`` holder, which becomes a
    ``repeat`` instead (services ``_hand_over``, ``_demote_waiting``). So a person counts
    exactly once while any acknowledged signature of theirs remains.
    """

    PENDING = "pending"
    COUNTED = "counted"
    INVALID = "invalid"
    REPEAT = "repeat"
    REPEAT_CONFIRMED = "repeat-confirmed"


class Petition(Base):
    """A petition of headquarters, in Japanese and English, to one addressee."""

    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    text_ja: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    addressee_ja: Mapped[str] = mapped_column(String(200))
    addressee_en: Mapped[str] = mapped_column(String(200), default="")
    goal: Mapped[int] = mapped_column(Integer)
    closes_on: Mapped[date] = mapped_column(Date)
    ask_email: Mapped[bool] = mapped_column(Boolean, default=True)
    hourly_limit: Mapped[int] = mapped_column(Integer, default=3000)
    keep_days: Mapped[int] = mapped_column(Integer, default=30)
    unsubmitted_days: Mapped[int] = mapped_column(Integer, default=90)
    state: Mapped[State] = mapped_column(_enum(State, "petition_state"), default=State.DRAFT)
    # The petition's key, wrapped by the data key (sealing.py): made when it opens, NULL
    # before and once anonymised (what was sealed under it opens for no one after that).
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary(72))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    submitted_to: Mapped[str] = mapped_column(String(200), default="")
    submission_note: Mapped[str] = mapped_column(Text, default="")
    anonymised_on: Mapped[date | None] = mapped_column(Date)
    # The version of the normal form (``japanese.NORMAL_FORM_VERSION``) the signatures' hashes
    # and tags were made under: an older one is worked out again before anyone is hashed
    # (services ``up_to_date``), so that a person is never compared under two forms.
    normal_form: Mapped[int] = mapped_column(
        Integer, default=lambda: japanese.NORMAL_FORM_VERSION, server_default="1"
    )

    batches: Mapped[list[PaperBatch]] = relationship(
        order_by="PaperBatch.id", back_populates="petition", cascade="all, delete-orphan"
    )

    def title(self, locale: str) -> str:
        """The title in the reader's language (Japanese when no English was given)."""
        return self.title_en if locale == "en" and self.title_en else self.title_ja

    def text(self, locale: str) -> str:
        """The petition's text in the reader's language."""
        return self.text_en if locale == "en" and self.text_en else self.text_ja

    def addressee(self, locale: str) -> str:
        """To whom it is addressed, in the reader's language."""
        return self.addressee_en if locale == "en" and self.addressee_en else self.addressee_ja

    @property
    def delete_on(self) -> date:
        """The day the signers' personal data is deleted: ``keep_days`` after the submission,
        or ``unsubmitted_days`` after the close when it is never submitted."""
        if self.submitted_on is not None:
            return self.submitted_on + timedelta(days=self.keep_days)
        return (self.closed_on or self.closes_on) + timedelta(days=self.unsubmitted_days)

    @property
    def has_personal_data(self) -> bool:
        """Whether signers' names and addresses may still be held."""
        return self.state != State.ANONYMISED


class Signature(Base):
    """One online signature (see the module docstring for what it keeps, and what not)."""

    __tablename__ = "petition_signatures"
    __table_args__ = (
        UniqueConstraint("petition_id", "signer_hash", name="uq_petition_signatures_signer"),
        # Progress and the counts by prefecture are one index-only GROUP BY.
        Index("ix_petition_signatures_count", "petition_id", "state", "prefecture_code"),
        # No index on the review's tags: the review (rare, headquarters only) scans one
        # petition's rows through the index above, and every signature writes two fewer.
    )

    id: Mapped[int] = mapped_column(RandomKey, primary_key=True, default=random_id)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # name, address, email (sealing.py)
    prefecture_code: Mapped[str] = mapped_column(String(2))
    signed_on: Mapped[date] = mapped_column(Date)
    state: Mapped[SignatureState] = mapped_column(_enum(SignatureState, "petition_signature_state"))
    # The person's (name + address) on the row that holds their place; a random value on a
    # repeat (the column is unique per petition). Every row, repeats too, keeps the person's
    # ``name_tag`` and ``address_tag``: the pair finds a person's repeats (services
    # ``_hand_over``).
    signer_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    name_tag: Mapped[bytes] = mapped_column(LargeBinary(16))
    address_tag: Mapped[bytes] = mapped_column(LargeBinary(16))
    token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)

    @property
    def shown_state(self) -> str:
        """What the emailed link's page says of the signature: ``pending`` or ``counted`` (a
        repeat looks like a new signature: see ``SignatureState``; and so does one set aside:
        the page must not tell a prober, who may have typed a person's name, which groups
        headquarters set aside, review R3-11)."""
        return {
            SignatureState.REPEAT: "pending",
            SignatureState.REPEAT_CONFIRMED: "counted",
            SignatureState.INVALID: "counted",
        }.get(self.state, self.state.value)


class SetAside(Base):
    """A group headquarters set aside on the review page: every signature of one address
    (``kind`` ``address``) or one name (``name``) of the petition, by its keyed tag.

    Recorded, and not only applied to the rows counted at that moment: a signature of the
    group that comes to count later (its link confirmed, a repeat taking the person's place,
    one signed after the set-aside) is set aside too, by the one rule of services
    ``_counting``. Deleted when the group is counted again, and with the rows at
    anonymisation (the tags are keyed by the petition's key, ``sealed`` sealed under it).

    ``sealed``: the group's name or address as one of its signatures gave it, sealed under the
    petition's key as signer data is (sealing.py), so that ``rehash`` works the tag out again
    under a new normal form even when no row of the group is left (all withdrawn or expired;
    review R8-3). None for a group set aside before it was kept (then only the tags of rows
    that carry it can be worked out again)."""

    __tablename__ = "petition_set_asides"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    tag: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class PaperBatch(Base):
    """Paper forms a branch collected: when they arrived, how many signatures on how many
    sheets. Corrections by headquarters are audited with their reason."""

    __tablename__ = "petition_paper_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), index=True
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    signatures: Mapped[int] = mapped_column(Integer)
    sheets: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    petition: Mapped[Petition] = relationship(back_populates="batches")
    branch: Mapped[Branch] = relationship(lazy="joined")


class PetitionTally(Base):
    """Online signatures counted per prefecture, written when the rows are deleted."""

    __tablename__ = "petition_tallies"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True
    )
    prefecture_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    online: Mapped[int] = mapped_column(Integer)


class PublishedDay(Base):
    """The figures published of a petition as of the end of one day (``as_of``), stored once
    and never changed (review R7b-1).

    Worked out per process, each gunicorn worker computed its own copy at its first request
    of the day, from the rows as they were then, and after the close every day again: a
    branch officer read the same day's figure several times around a backdated paper batch or
    a withdrawal, recovered the exact total the rounding withholds, and then read whether a
    probe signature in a colleague's name had counted (+0/−1). One row, written by the first
    request that may write (``insert_missing``), is what every worker and server shows.

    Only the published figures, the ones the page shows: the step, the rounded total and the
    named prefectures' rounded online and paper counts (``rows``: ``[[code, online, paper],
    …]``); no time. So the rows are kept at anonymisation, as the tallies are.

    ``online``, on the close's row only: the exact online counts by prefecture at the close
    (``{code: count}``, what the tallies keep at anonymisation). Every later day's figures are
    those plus the paper entered by that day (review R8-5: paper sheets arrive after the
    close), so no withdrawal after the close moves a figure (R7b-1).
    """

    __tablename__ = "petition_published_days"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    step: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    rows: Mapped[list] = mapped_column(JSON)
    online: Mapped[dict | None] = mapped_column(JSON)


class QueuedLink(Base):
    """A confirmation email waiting for the next batch (links.py, review R7b-3): the signer's
    email address, the link's token and the page's language, sealed together under the
    petition's key (``sealing.seal_link``). No time and no order: the id is random, nothing
    else is stored, and the batch goes out shuffled; the row is deleted once the email is
    handed to the SMTP server (or once its signature no longer waits for it)."""

    __tablename__ = "petition_link_queue"

    id: Mapped[int] = mapped_column(RandomKey, primary_key=True, default=random_id)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
