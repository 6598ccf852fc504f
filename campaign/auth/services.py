"""Logging in and out, server-side sessions, and taking up an invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.auth import credentials, passwords
from campaign.auth.models import RecoveryCode, StaffSession, User


class LoginFailed(Exception):
    """Any reason a login was refused. The person is never told which one."""


class InvitationInvalid(Exception):
    """The setup link is unknown, used or expired."""


class SetupRejected(Exception):
    """The confirming code given during setup was not accepted."""


class WrongPassword(Exception):
    """The current password given to confirm a change was not right."""


class WrongCode(Exception):
    """The authenticator code given to confirm a change was not right (or already used)."""


def normalise_email(email: str) -> str:
    """Addresses are compared without surrounding spaces and case."""
    return email.strip().lower()


def authenticate(db: Session, email: str, password: str, code: str) -> User:
    """Check password and second factor; record the outcome in the audit log.

    The second factor is a TOTP code (accepted once only) or one of the recovery codes (which
    is then spent). A password hash made with older parameters is upgraded.
    """
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    password_ok = credentials.check_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active or not user.enrolled:
        audit.record(db, "login.failed", object_kind="user", object_id=user.id if user else None)
        raise LoginFailed
    if not _second_factor(db, user, code):
        audit.record(db, "login.failed", object_kind="user", object_id=user.id)
        raise LoginFailed
    if credentials.needs_rehash(user.password_hash):
        user.password_hash = credentials.hash_password(password)
    audit.record(db, "login", object_kind="user", object_id=user.id, actor_id=user.id)
    return user


def _spend_totp(db: Session, user: User, code: str) -> bool | None:
    """Whether ``code`` is the authenticator's current code, spent now (None: not a TOTP code
    of this account at all). The step is spent in one conditional UPDATE, so that two requests
    racing with the same code cannot both pass: the second finds the step already taken
    (PostgreSQL re-checks the condition after waiting for the first one's row lock)."""
    step = credentials.totp_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return None
    spent = db.execute(
        update(User)
        .where(User.id == user.id, User.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.refresh(user, ["totp_last_step"])
    return spent.rowcount == 1


def _second_factor(db: Session, user: User, code: str) -> bool:
    totp = _spend_totp(db, user, code)
    if totp is not None:
        return totp
    # A recovery code is spent by one conditional DELETE for the same reason: of two logins
    # racing with one code, only the one whose DELETE removed the row passes.
    spent = db.execute(
        delete(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == credentials.hash_recovery_code(code),
        )
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    audit.record(db, "recovery_code.used", object_kind="user", object_id=user.id, actor_id=user.id)
    return True


def open_session(db: Session, user: User) -> str:
    """Start a server-side session; return the token for the cookie."""
    token, token_hash = credentials.new_token()
    now = clock.now()
    db.add(StaffSession(token_hash=token_hash, user_id=user.id, created_at=now, last_seen_at=now))
    db.flush()
    return token


@dataclass(frozen=True)
class Timeouts:
    """How long a session may sit unused, and how long it may last at all."""

    idle: timedelta
    absolute: timedelta


def resume_session(
    db: Session, token: str, timeouts: Timeouts, *, read_only: bool = False
) -> User | None:
    """Return the session's user, or None when it is unknown, expired or the account disabled.

    ``last_seen_at`` is written at most once a minute, so that reading pages does not mean a
    database write on every request. A ``read_only`` request (a public page, which holds no
    write lock: campaign/db.py) writes nothing: an expired record is removed by the next staff
    request, and reading public pages does not count as activity.
    """
    record = db.get(StaffSession, credentials.hash_token(token))
    if record is None:
        return None
    now = clock.now()
    expired = (
        now - record.last_seen_at > timeouts.idle or now - record.created_at > timeouts.absolute
    )
    if expired or not record.user.active:
        if not read_only:
            db.delete(record)
        return None
    if not read_only and now - record.last_seen_at > timedelta(minutes=1):
        record.last_seen_at = now
    return record.user


def close_session(db: Session, token: str) -> None:
    """End a session on the server: its cookie is worthless from now on."""
    record = db.get(StaffSession, credentials.hash_token(token))
    if record is not None:
        audit.record(db, "logout", object_kind="user", object_id=record.user_id)
        db.delete(record)


def end_all_sessions(db: Session, user_id: int) -> None:
    """Log a person out everywhere (after a role change or deactivation)."""
    db.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


def invited_user(db: Session, token: str) -> User:
    """The account a setup link belongs to, if the link is still valid."""
    user = db.scalar(select(User).where(User.invitation_hash == credentials.hash_token(token)))
    if user is None or user.invitation_expires_at is None:
        raise InvitationInvalid
    if clock.now() > user.invitation_expires_at:
        raise InvitationInvalid
    return user


def pending_secret(user: User) -> str:
    """The TOTP secret being enrolled; made once per invitation so a reload shows the same QR."""
    if user.pending_totp_secret is None:
        user.pending_totp_secret = credentials.new_totp_secret()
    return user.pending_totp_secret


def complete_setup(db: Session, user: User, password: str, code: str) -> list[str]:
    """Set the password, enrol the TOTP secret, issue recovery codes; spend the invitation.

    Returns the recovery codes in clear, to be shown once. Raises ``PasswordRejected`` for a
    password the policy refuses, ``SetupRejected`` for a wrong code.
    """
    passwords.check(password, email=user.email, name=user.display_name)
    secret = user.pending_totp_secret
    step = credentials.totp_step(secret, code, 0) if secret else None
    if step is None:
        raise SetupRejected
    user.password_hash = credentials.hash_password(password)
    user.totp_secret, user.totp_last_step = secret, step
    user.pending_totp_secret = None
    user.invitation_hash = user.invitation_expires_at = None
    codes = replace_recovery_codes(db, user)
    audit.record(db, "account.setup", object_kind="user", object_id=user.id, actor_id=user.id)
    return codes


def replace_recovery_codes(db: Session, user: User) -> list[str]:
    """Issue ten new recovery codes, invalidating the old ones."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = credentials.new_recovery_codes()
    db.add_all(
        RecoveryCode(user_id=user.id, code_hash=credentials.hash_recovery_code(c)) for c in codes
    )
    db.flush()
    return codes


def confirm_password(user: User, password: str) -> None:
    """Raise ``WrongPassword`` unless ``password`` is the person's current password."""
    if not credentials.check_password(user.password_hash, password):
        raise WrongPassword


def renew_recovery_codes(db: Session, user: User, current_password: str, code: str) -> list[str]:
    """The person asked for a fresh set of recovery codes (the old ones stop working); their
    current password and a current authenticator code confirm it, so that a session left
    open, or one stolen with the password, is not enough to take ten lasting second factors
    (review R3-9). A recovery code does not confirm it: it is what is being replaced."""
    confirm_password(user, current_password)
    if not _spend_totp(db, user, code or ""):
        raise WrongCode
    codes = replace_recovery_codes(db, user)
    audit.record(db, "recovery_codes.renewed", object_kind="user", object_id=user.id)
    return codes


def change_password(db: Session, user: User, current: str, new: str) -> str:
    """Set a new password after checking the current one and the policy; end every other
    session of the person and renew this one's id. Returns the new session's token.

    Raises ``WrongPassword`` or ``PasswordRejected`` (nothing is changed then).
    """
    confirm_password(user, current)
    passwords.check(new, email=user.email, name=user.display_name)
    if credentials.check_password(user.password_hash, new):
        raise passwords.PasswordRejected([passwords.SAME_AS_BEFORE])
    user.password_hash = credentials.hash_password(new)
    end_all_sessions(db, user.id)
    audit.record(db, "password.changed", object_kind="user", object_id=user.id, actor_id=user.id)
    return open_session(db, user)


def recovery_codes_left(db: Session, user: User) -> int:
    """How many unused recovery codes the person still holds."""
    return db.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    )
