"""Information pages and their revisions.

A page's content lives only in its revisions; the page row says which revision the public
sees (``published_number``) and keeps a normalised plain text of it for search.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign import clock
from campaign.db import Base, UTCDateTime


class Page(Base):
    """A public page with a stable address (slug)."""

    __tablename__ = "info_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=100)
    latest_number: Mapped[int] = mapped_column(Integer, default=0)
    published_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # NFKC + casefold plain text of the published revision, both languages: the search column.
    search_text: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_published(self) -> bool:
        """Whether the public can read some revision of this page."""
        return self.published_number is not None

    @property
    def has_unpublished_changes(self) -> bool:
        """Whether the latest revision is newer than the published one."""
        return self.published_number is not None and self.latest_number != self.published_number


class PageRevision(Base):
    """One saved state of a page, in Japanese and in English (Markdown)."""

    __tablename__ = "info_page_revisions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("info_pages.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(String(300), default="")
    description_en: Mapped[str] = mapped_column(String(300), default="")
    body_ja: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def title(self, locale: str) -> str:
        """The title in the given language."""
        return self.title_en if locale == "en" else self.title_ja

    def description(self, locale: str) -> str:
        """The sharing description in the given language."""
        return self.description_en if locale == "en" else self.description_ja

    def body(self, locale: str) -> str:
        """The Markdown body in the given language."""
        return self.body_en if locale == "en" else self.body_ja
