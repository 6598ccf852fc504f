"""Formal requests, their addressees, numbered items (with sub-items), the cases items cite,
revisions, the written answers received, outcomes and the sender settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from campaign import clock
from campaign.db import Base, UTCDateTime
from campaign.formal_requests import vocab
from campaign.org.models import Branch

item_case_links = Table(
    "formal_item_cases",
    Base.metadata,
    Column("item_id", ForeignKey("formal_items.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    # "Which requests cite this case" (the case page) reads this index only.
    Index("ix_formal_item_cases_case_item", "case_id", "item_id"),
)


class FormalSettings(Base):
    """The sender printed on the documents of headquarters (``scope`` "hq") or of one branch
    ("branch:<id>"), and headquarters' thresholds: when a request is overdue, and the smallest
    count of cases the evidence appendix shows."""

    __tablename__ = "formal_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(24), unique=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    representative: Mapped[str] = mapped_column(String(200), default="")
    overdue_days: Mapped[int] = mapped_column(Integer, default=30)
    evidence_minimum: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class FormalRequest(Base):
    """One 要請書: headquarters' (``branch_id`` NULL) or a branch's, from draft to closed."""

    __tablename__ = "formal_requests"
    __table_args__ = (
        Index("ix_formal_requests_branch_state", "branch_id", "state"),
        Index("ix_formal_requests_state_sent", "state", "sent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    state: Mapped[str] = mapped_column(String(16), default=vocab.DRAFT)
    subject: Mapped[str] = mapped_column(String(vocab.SUBJECT_MAX))
    preamble: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(String(20), default="以上")
    document_number: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    dated_on: Mapped[date | None] = mapped_column(Date)
    era_dates: Mapped[bool] = mapped_column(Boolean, default=True)
    appendix: Mapped[bool] = mapped_column(Boolean, default=False)
    sender_organisation: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    sender_representative: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    follows_id: Mapped[int | None] = mapped_column(
        ForeignKey("formal_requests.id", ondelete="SET NULL"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_on: Mapped[date | None] = mapped_column(Date)
    sent_how: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    met_on: Mapped[date | None] = mapped_column(Date)
    meeting_place: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    attendees_ours: Mapped[str] = mapped_column(String(500), default="")
    attendees_theirs: Mapped[str] = mapped_column(String(500), default="")
    answered_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    branch: Mapped[Branch | None] = relationship(lazy="joined")
    drafted_by = relationship("User", foreign_keys=[drafted_by_id], lazy="joined")
    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="joined")
    follows: Mapped[FormalRequest | None] = relationship(
        remote_side="FormalRequest.id", foreign_keys=[follows_id]
    )
    addressees: Mapped[list[Addressee]] = relationship(
        back_populates="request", order_by="Addressee.position", cascade="all, delete-orphan"
    )
    # The numbered items, in order (their sub-items hang from them). Items are added and
    # removed through the session (services), the database cascades the rest.
    items: Mapped[list[Item]] = relationship(
        order_by="Item.position",
        primaryjoin="and_(Item.request_id == FormalRequest.id, Item.parent_id.is_(None))",
        viewonly=True,
    )
    files: Mapped[list[AnswerFile]] = relationship(
        back_populates="request", order_by="AnswerFile.id", cascade="all, delete-orphan"
    )
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="request",
        order_by="Outcome.happened_on, Outcome.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_draft(self) -> bool:
        """Whether the wording may still change."""
        return self.state == vocab.DRAFT


class Addressee(Base):
    """Whom the request is addressed to: organisation, title and name, and 殿 or 様."""

    __tablename__ = "formal_addressees"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("formal_requests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    organisation: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    title: Mapped[str] = mapped_column(String(vocab.LINE_MAX), default="")
    name: Mapped[str] = mapped_column(String(100), default="")
    honorific: Mapped[str] = mapped_column(String(2), default="殿")

    request: Mapped[FormalRequest] = relationship(back_populates="addressees")

    @property
    def line(self) -> str:
        """「総務大臣　○○　殿」: title, name and honorific as the document prints them."""
        return "\u3000".join(p for p in (self.title, self.name, self.honorific) if p)


class Item(Base):
    """A numbered demand (要請項目), or a sub-item of one; may follow up an earlier item."""

    __tablename__ = "formal_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("formal_requests.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("formal_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text)
    follows_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("formal_items.id", ondelete="SET NULL"), index=True
    )
    standing: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_en: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[FormalRequest] = relationship(foreign_keys=[request_id])
    children: Mapped[list[Item]] = relationship(
        order_by="Item.position", foreign_keys=[parent_id], viewonly=True
    )
    parent: Mapped[Item | None] = relationship(
        remote_side="Item.id", foreign_keys=[parent_id], viewonly=True
    )
    follows: Mapped[Item | None] = relationship(
        remote_side="Item.id", foreign_keys=[follows_item_id]
    )
    # The coercion cases the item cites (named, not imported: the cases feature owns them).
    cases = relationship("Case", secondary=item_case_links, order_by="Case.id")

    @property
    def fully_confirmed(self) -> bool:
        """Whether the answer settled the item (a follow-up leaves it out)."""
        return self.standing == vocab.CONFIRMED


class Revision(Base):
    """The wording of a draft as it was after one save (JSON of subject, addressees, items)."""

    __tablename__ = "formal_revisions"
    __table_args__ = (Index("ix_formal_revisions_request_number", "request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("formal_requests.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[str] = mapped_column(Text)
    # The 別紙's figures as counted when this revision was approved (JSON, see
    # evidence.figures): the document of a request once approved prints these, not a count
    # made again from cases that may have changed since.
    appendix: Mapped[str | None] = mapped_column(Text)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    saved_by = relationship("User", lazy="joined")


class AnswerFile(Base):
    """The authority's written answer: checked, stripped of metadata and sealed at rest by the
    cases' attachment handling."""

    __tablename__ = "formal_answer_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("formal_requests.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    request: Mapped[FormalRequest] = relationship(back_populates="files")


class Outcome(Base):
    """What came of the answers (a ministry notice, a changed rule), with its date."""

    __tablename__ = "formal_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("formal_requests.id", ondelete="CASCADE"), index=True
    )
    happened_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    request: Mapped[FormalRequest] = relationship(back_populates="outcomes")
