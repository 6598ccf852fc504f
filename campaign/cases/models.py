"""Cases, their categories, timeline, comments and encrypted attachments."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
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
from campaign.org.models import Branch

case_category_links = Table(
    "case_category_links",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("case_categories.id"), primary_key=True),
    # Covering, so that "cases of this category" never reads the table itself.
    Index("ix_case_category_links_category_case", "category_id", "case_id"),
)


def heading(case_id: int, title: str) -> str:
    """A case's title, or what stands for it once the retention purge has erased it."""
    if title:
        return title
    return str(_l("Case %(number)s (its text was erased)", number=case_id))


class CaseCategory(Base):
    """A kind of pressure (DOMAIN.md's list, which headquarters may extend), in both languages."""

    __tablename__ = "case_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ja: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=100)

    def name(self, locale: str) -> str:
        """The category's name in the given language."""
        return self.name_en if locale == "en" else self.name_ja


class Case(Base):
    """One report of coercion at a workplace, owned by a branch.

    ``prefecture_code`` and ``occurred_month`` repeat what the branch and the date say, so that
    the national picture is a plain GROUP BY over one indexed table on every database.
    """

    __tablename__ = "cases"
    __table_args__ = (
        # Each GROUP BY of the national picture reads one of these covering indexes in order.
        # With the report time: an officer's own reports per quarter (migration 0031).
        Index("ix_cases_branch_state", "branch_id", "state", "reported_at"),
        # With the id, so that a filtered list is counted from the index alone on PostgreSQL
        # too (SQLite's indexes carry the rowid anyway).
        Index("ix_cases_prefecture_state", "prefecture_code", "state", "id"),
        Index("ix_cases_issuer_state", "issuer_kind", "state", "id"),
        Index("ix_cases_month_state", "occurred_month", "state", "id"),
        Index("ix_cases_state_id", "state", "id"),
        Index("ix_cases_closed", "closed_at", "purged_at"),
        # An officer's national picture reads one quarter of reports at a time (covering).
        Index("ix_cases_reported", "reported_at", "branch_id", "issuer_kind", "prefecture_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    prefecture_code: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    workplace: Mapped[str] = mapped_column(String(200), default="")
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_until: Mapped[date | None] = mapped_column(Date)
    occurred_month: Mapped[str] = mapped_column(String(7))
    issuer_kind: Mapped[str] = mapped_column(String(16))
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16))
    staff_affected: Mapped[int | None] = mapped_column(Integer)
    non_regular: Mapped[bool] = mapped_column(Boolean, default=False)
    new_hires: Mapped[bool] = mapped_column(Boolean, default=False)
    dependents: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship(lazy="joined")
    categories: Mapped[list[CaseCategory]] = relationship(
        secondary=case_category_links, order_by=CaseCategory.position
    )
    actions: Mapped[list[CaseAction]] = relationship(
        back_populates="case", order_by="CaseAction.happened_on, CaseAction.id"
    )
    comments: Mapped[list[CaseComment]] = relationship(
        back_populates="case", order_by="CaseComment.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id"
    )

    @property
    def heading(self) -> str:
        """The title, or what stands for it once the retention purge has erased it."""
        return heading(self.id, self.title)


class CaseStatsVersion(Base):
    """One counter, raised by every change that can move a count of the national picture.

    The dashboard's aggregates are cached per worker under this number, so a cached picture
    is never older than the last committed change.
    """

    __tablename__ = "case_stats_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class CaseCount(Base):
    """How many cases of a state there are in all (``dimension`` "total") and per category,
    issuer kind, month and prefecture (``key``). Kept by database triggers (migration 0018) in
    the same transaction as every change of a case or its categories; never written by the app.
    """

    __tablename__ = "case_counts"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CasePairCount(Base):
    """How many cases of a state there are per pair of the list's filters (``dimension``
    "category|issuer", "category|prefecture", "category|month", "issuer|prefecture",
    "issuer|month", "prefecture|month"): ``key`` holds the values other than the month
    ("3|municipality", "13"), ``month`` the month ("" for a pair without one). Kept by database
    triggers (migration 0022, ``counts.PAIR_TRIGGERS``); never written by the app."""

    __tablename__ = "case_pair_counts"

    dimension: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class FrozenQuarter(Base):
    """A completed fiscal quarter whose figures are frozen (``national.freeze``): what an
    officer's national picture shows of it from then on, whatever is edited or entered late."""

    __tablename__ = "case_frozen_quarters"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # national.Quarter.key
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FrozenCount(Base):
    """One frozen figure of a quarter: the reported cases of one branch (``branch_id``; 0 for
    every branch together) in all (``dimension`` "total", ``key`` "") or per category, issuer
    kind or prefecture. Written once, with its ``FrozenQuarter``; never changed."""

    __tablename__ = "case_frozen_counts"

    quarter: Mapped[str] = mapped_column(
        ForeignKey("case_frozen_quarters.quarter", ondelete="CASCADE"), primary_key=True
    )
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseAction(Base):
    """A dated step on the timeline (a request, a negotiation, the authority's answer, ...)."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    happened_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[Case] = relationship(back_populates="actions")
    recorded_by = relationship("User", lazy="joined")


class CaseComment(Base):
    """A comment (from headquarters or the branch), possibly with a change of state."""

    __tablename__ = "case_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[Case] = relationship(back_populates="comments")
    author = relationship("User", lazy="joined")


class Attachment(Base):
    """An uploaded file, stripped of metadata and stored encrypted (see ``storage``)."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[Case] = relationship(back_populates="attachments")
