"""Staff accounts, their recovery codes and their server-side sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign import clock
from campaign.datakey import SealedString
from campaign.db import Base, UTCDateTime

if TYPE_CHECKING:  # the org feature's table, joined by name: no import between features
    from campaign.org.models import Branch


class Role(enum.StrEnum):
    """What a staff member may do. Officers are bound to one branch."""

    ADMIN = "admin"
    HQ = "hq"
    OFFICER = "officer"


class User(Base):
    """A staff account. It becomes usable once its invitation has been taken up."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda r: [m.value for m in r])
    )
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Sealed with the data key (as attachments are): a database dump alone gives no codes.
    totp_secret: Mapped[str | None] = mapped_column(SealedString)
    # The last TOTP time step accepted: a code is valid once only.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_totp_secret: Mapped[str | None] = mapped_column(SealedString)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    branch: Mapped[Branch | None] = relationship("Branch", lazy="joined")

    @property
    def enrolled(self) -> bool:
        """True once the person has chosen a password and a second factor."""
        return self.password_hash is not None and self.totp_secret is not None

    @property
    def only_owner_can_enter(self) -> bool:
        """True when nobody but the account's owner can log in to it: active, enrolled, and no
        setup link (invitation or reset) outstanding, which whoever holds it could use to take
        the account over. What waits for the account (a survey key share) reaches its owner."""
        return self.active and self.enrolled and self.invitation_hash is None

    @property
    def is_hq(self) -> bool:
        """Headquarters and admins see the national picture."""
        return self.role in (Role.HQ, Role.ADMIN)

    def can_see_branch(self, branch_id: int | None) -> bool:
        """Whether this person may see a record that belongs to ``branch_id``."""
        return self.is_hq or (branch_id is not None and branch_id == self.branch_id)


class RecoveryCode(Base):
    """A single-use code that stands in for the TOTP when the phone is lost. Stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)


class StaffSession(Base):
    """A logged-in session held on the server; the cookie carries only its random token."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
