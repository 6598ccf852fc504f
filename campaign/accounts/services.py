"""Managing staff accounts: invitations, roles, branches, deactivation.

Admins manage everyone. Headquarters manages headquarters and officer accounts but cannot
create, change or promote to an admin account.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign import clock, registry
from campaign.audit import services as audit
from campaign.auth import credentials
from campaign.auth.models import Role, User
from campaign.auth.services import end_all_sessions, normalise_email, replace_recovery_codes
from campaign.org.models import Branch


class AccountError(Exception):
    """A rule about accounts was broken; the message is shown to the person."""


def _check_rules(db: Session, actor: User, role: Role, branch_id: int | None) -> None:
    if role == Role.ADMIN and actor.role != Role.ADMIN:
        raise AccountError(_l("Only an administrator can give the administrator role."))
    if role == Role.HQ and actor.role != Role.ADMIN:
        raise AccountError(_l("Only an administrator can give the headquarters role."))
    if role == Role.OFFICER:
        if branch_id is None or db.get(Branch, branch_id) is None:
            raise AccountError(_l("A branch officer must belong to a branch."))
    elif branch_id is not None:
        raise AccountError(_l("Only branch officers belong to a branch."))


def create_account(
    db: Session,
    *,
    email: str,
    role: Role,
    branch: Branch | None,
    name: str,
    password: str,
    totp_secret: str | None = None,
    audit_action: str = "account.created_by_command",
) -> tuple[User, str, list[str]]:
    """Create an enrolled account directly (the ``users create`` command, the demo data);
    return it, its TOTP secret and ten recovery codes. Staff invited from the web enrol
    themselves instead (``invite``). The audit entry names how it was made."""
    secret = totp_secret or credentials.new_totp_secret()
    user = User(
        email=normalise_email(email),
        display_name=name,
        role=role,
        branch_id=branch.id if branch else None,
        password_hash=credentials.hash_password(password),
        totp_secret=secret,
    )
    db.add(user)
    db.flush()
    codes = replace_recovery_codes(db, user)
    audit.record(db, audit_action, object_kind="user", object_id=user.id, branch_id=user.branch_id)
    return user, secret, codes


def can_manage(actor: User, target: User) -> bool:
    """Whether ``actor`` may change ``target``'s account: an administrator any; headquarters
    only branch officers. Headquarters never manages a headquarters account: whoever can reset
    or create one holds its setup link, and could be the "second person" of the four-eyes rule
    (approving a request) themselves (review R3-13)."""
    return actor.role == Role.ADMIN or (actor.role == Role.HQ and target.role == Role.OFFICER)


def invite(
    db: Session,
    actor: User,
    *,
    email: str,
    display_name: str,
    role: Role,
    branch_id: int | None,
    lifetime,
) -> tuple[User, str]:
    """Create an account and its one-time setup link; return the user and the link's token."""
    _check_rules(db, actor, role, branch_id)
    email = normalise_email(email)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(_l("An account with this email address already exists."))
    user = User(email=email, display_name=display_name.strip(), role=role, branch_id=branch_id)
    try:
        with db.begin_nested():  # two invitations of one address at the same moment
            db.add(user)
            db.flush()
    except IntegrityError:
        raise AccountError(_l("An account with this email address already exists.")) from None
    token = _new_invitation(user, lifetime)
    audit.record(db, "account.invited", object_kind="user", object_id=user.id, branch_id=branch_id)
    return user, token


def _new_invitation(user: User, lifetime) -> str:
    token, token_hash = credentials.new_token()
    user.invitation_hash = token_hash
    user.invitation_expires_at = clock.now() + lifetime
    user.pending_totp_secret = None
    return token


def reset_credentials(db: Session, actor: User, user: User, reason: str, lifetime) -> str:
    """Clear password and second factor, log the person out, and issue a new setup link."""
    if not can_manage(actor, user):
        raise AccountError(_l("You may not change this account."))
    refusals = registry.reset_refusals(db, user)
    if refusals:
        raise AccountError(refusals[0])
    user.password_hash = user.totp_secret = None
    user.totp_last_step = 0
    end_all_sessions(db, user.id)
    token = _new_invitation(user, lifetime)
    audit.record(
        db,
        "account.reset",
        object_kind="user",
        object_id=user.id,
        branch_id=user.branch_id,
        note=reason,
    )
    return token


def update(
    db: Session,
    actor: User,
    user: User,
    *,
    role: Role,
    branch_id: int | None,
    active: bool,
    reason: str,
) -> None:
    """Change role, branch or status; every change is audited and ends the person's sessions."""
    if not can_manage(actor, user):
        raise AccountError(_l("You may not change this account."))
    if user.id == actor.id and (role != user.role or not active):
        raise AccountError(_l("You cannot change your own role or deactivate yourself."))
    _check_rules(db, actor, role, branch_id)
    changes = []
    if role != user.role or branch_id != user.branch_id:
        changes.append("account.role_changed")
    if active != user.active:
        changes.append("account.activated" if active else "account.deactivated")
    if not changes:
        return
    user.role, user.branch_id, user.active = role, branch_id, active
    end_all_sessions(db, user.id)
    for action in changes:
        audit.record(
            db, action, object_kind="user", object_id=user.id, branch_id=branch_id, note=reason
        )


def listing(db: Session) -> list[User]:
    """Every account, headquarters first, then by branch and name."""
    return list(db.scalars(select(User).order_by(User.role, User.branch_id, User.display_name)))
