"""The organisation: the 47 prefectures (reference data) and the branches under them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign import clock
from campaign.db import Base, UTCDateTime


class Prefecture(Base):
    """A prefecture, keyed by its JIS X 0401 code ("01" Hokkaido … "47" Okinawa)."""

    __tablename__ = "prefectures"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(8))
    name_en: Mapped[str] = mapped_column(String(16))

    def name(self, locale: str) -> str:
        """The prefecture's name in the given language."""
        return self.name_en if locale == "en" else self.name_ja


class Branch(Base):
    """A local union or branch (単組・支部), the unit an officer is bound to."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    prefecture_code: Mapped[str] = mapped_column(ForeignKey("prefectures.code"), index=True)
    contact: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    prefecture: Mapped[Prefecture] = relationship(lazy="joined")
