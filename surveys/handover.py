"""Opening a survey with custodians, and handing each their share: once, to them alone, and
then nothing of it is left.

When headquarters opens a survey with custodians (``open_with_custodians``), the key is
split (surveys/custody.py) and each share is left for its custodian in ``survey_pending_shares``,
sealed; headquarters sees none of them. The custodian finds a card on their home page when they
next log in, opens the page that only they can open (the row is looked up by their own account,
so anyone else, headquarters or another custodian, finds nothing: 404), and sees their share once,
as words and as a QR code to print. In that same request the row is erased.

Why this is safe while the share waits
    Each share is sealed (XSalsa20-Poly1305) with a key of its own custodian: BLAKE2b keyed with
    the data key (campaign/datakey.py) over the survey and the custodian's account. The data key
    never enters the database, so a copy of the database, its log or a backup reveals no share;
    the padded plaintext has one length for every share. The server that made the shares could
    read them while they wait, as it could while it split the key: custody protects the results
    from anyone holding the database, not from the running server at the opening.

Why nothing is left once it is shown
    The row is first overwritten in place with zeros of the same length, then deleted, in the
    request that shows it. SQLite: ``secure_delete=ON`` (campaign/db.py) zeroes what a write frees
    and, once the request commits, ``wal_checkpoint(TRUNCATE)`` writes the zeroed page into the
    file and empties the log, so no earlier frame with the sealed share survives. PostgreSQL: an
    UPDATE or DELETE leaves the old row versions in the table's pages, and a plain VACUUM only
    marks their space free; after the commit ``VACUUM FULL`` rewrites this small table into a new
    file and unlinks the old one. The server's write-ahead log segments (pg_wal) and its backups
    still hold the sealed row until recycled: sealed with the data key, which backups of the
    database do not hold. The share never reaches a log line (the access log records the path
    only; the audit entry names the survey and the custodian, never the share), nor the instance
    folder.
"""

from __future__ import annotations

import nacl.exceptions
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from campaign import datakey
from campaign.audit import services as audit
from campaign.audit.models import AuditEntry
from campaign.auth.models import User
from campaign.db import vacuum_full
from surveys import custody, sealing, services
from surveys.models import WORKFLOW, Custodian, PendingShare, State, Survey

PADDED = 512  # bytes of every share before sealing (33 SLIP-39 words take at most 297)


def _key(survey_id: int, user_id: int) -> bytes:
    """The custodian's own sealing key for this survey's share."""
    return datakey.subkey(f"survey-share|{survey_id}|{user_id}")


def open_with_custodians(
    db: Session,
    survey: Survey,
    custodians: list[User],
    threshold: int,
    *,
    expected: int | None = None,
    opener: User | None = None,
) -> None:
    """Open with the key split among custodians. Each share is left sealed to its custodian,
    who sees it once when they log in (surveys/handover.py); nobody else ever sees it.

    ``opener`` (the person opening) may not name as custodian an account they invited or
    reset: they held its setup link, so its share could reach them (review R3-13). Nor may
    anyone name an account that someone other than its owner could still enter (review R4-14):
    see ``refusal``."""
    from nacl.public import PrivateKey

    ids = [u.id for u in custodians]
    if opener is not None and _set_up_by(db, opener, ids):
        raise services.SurveyError(
            _l(
                "Choose custodians whose accounts you did not invite or reset yourself: you "
                "held their setup links, so their key shares could reach you."
            )
        )
    for user in custodians:
        reason = refusal(user)
        if reason is not None:
            raise services.SurveyError(reason)
    if (
        len(set(ids)) != len(ids)
        or not custody.MIN_CUSTODIANS <= len(ids) <= custody.MAX_CUSTODIANS
    ):
        raise services.SurveyError(_l("Choose between 2 and 16 different custodians."))
    if not 2 <= threshold <= len(ids):
        raise services.SurveyError(
            _l("The number of custodians needed must be at least 2 and at most the custodians.")
        )
    if not WORKFLOW.can(survey.state, State.OPEN):
        raise services.SurveyError(_l("Only a draft can be opened."))
    private = PrivateKey.generate()
    shares = custody.split(private, len(ids), threshold)
    survey.custody, survey.custody_threshold = "custodians", threshold
    survey.wrapped_key = survey.key_salt = None
    for user_id, share in zip(ids, shares, strict=True):
        db.add(
            Custodian(
                survey_id=survey.id, member_index=custody.member_index(share), user_id=user_id
            )
        )
        leave(db, survey, user_id, share)
    services.start(db, survey, bytes(private.public_key), None, expected)
    del private, shares


def eligible(user: User) -> bool:
    """Whether a share may wait for this account: only its owner can enter it."""
    return user.only_owner_can_enter


def refusal(user: User) -> str | None:
    """Why a share may not wait for this account, whoever invited it; ``None`` if it may.

    A share waits for an account, so it reaches whoever can enter that account: an unused
    invitation or reset link is held by the person who made it (and by anyone it was
    forwarded to), an account without a password or authenticator is set up by whoever next
    gets a link for it, and a deactivated one shows its share to nobody until someone turns
    it back on."""
    if eligible(user):
        return None
    if not user.active:
        return gettext(
            "%(name)s cannot be a custodian: the account is deactivated, so nobody could see "
            "its key share unless someone turned the account back on.",
            name=user.display_name,
        )
    if user.invitation_hash is not None:
        return gettext(
            "%(name)s cannot be a custodian: the account's setup link has not been used yet, "
            "so whoever holds the link could take its key share. Ask them to set up the "
            "account first.",
            name=user.display_name,
        )
    return gettext(
        "%(name)s cannot be a custodian: the account has no password or authenticator yet, "
        "so whoever sets it up could take its key share.",
        name=user.display_name,
    )


def _set_up_by(db: Session, opener: User, ids: list[int]) -> bool:
    """Whether ``opener`` invited or reset any of these accounts (the audit log says)."""
    found = db.scalar(
        select(AuditEntry.seq)
        .where(
            AuditEntry.actor_id == opener.id,
            AuditEntry.action.in_(("account.invited", "account.reset")),
            AuditEntry.object_kind == "user",
            AuditEntry.object_id.in_([str(i) for i in ids]),
        )
        .limit(1)
    )
    return found is not None


def reset_refusal(db: Session, user: User) -> str | None:
    """Why this account may not be reset now: a key share waits for it, and a reset would hand
    it to whoever sets the account up again (registered with ``registry.add_reset_guard``)."""
    waiting = waiting_for(db, user.id)
    if not waiting:
        return None
    return gettext(
        "This account cannot be reset while a survey key share waits for its owner "
        "(“%(title)s”): a reset would hand the share to whoever sets the account up again. "
        "Ask them to log in and see their share first.",
        title=waiting[0].title(str(get_locale() or "ja")),
    )


def custodians(db: Session, survey_id: int) -> dict[int, int]:
    """member index -> user id of a survey's custodians."""
    rows = db.execute(
        select(Custodian.member_index, Custodian.user_id).where(Custodian.survey_id == survey_id)
    )
    return dict(rows.all())


def leave(db: Session, survey: Survey, user_id: int, words: str) -> None:
    """Keep one custodian's share, sealed to them, until they see it."""
    padded = sealing.pad(words.encode(), PADDED)
    sealed = datakey.seal(padded, _key(survey.id, user_id))
    db.add(PendingShare(survey_id=survey.id, user_id=user_id, sealed=sealed))


def waiting_for(db: Session, user_id: int) -> list[Survey]:
    """The surveys whose share is waiting for this person."""
    return list(
        db.scalars(
            select(Survey)
            .join(PendingShare, PendingShare.survey_id == Survey.id)
            .where(PendingShare.user_id == user_id)
            .order_by(Survey.id)
        )
    )


def has_waiting(user) -> bool:
    """For the home page's card: whether a share waits for the logged-in person."""
    from campaign import db

    return (
        db.session().scalar(
            select(PendingShare.survey_id).where(PendingShare.user_id == user.id).limit(1)
        )
        is not None
    )


def waiting_count(db: Session, survey_id: int) -> int:
    """How many custodians of a survey have not seen their share yet."""
    rows = db.scalars(select(PendingShare.user_id).where(PendingShare.survey_id == survey_id))
    return len(rows.all())


def collect(db: Session, survey_id: int, user_id: int) -> tuple[Survey, str] | None:
    """The share waiting for ``user_id`` in this survey, erased as it is returned; ``None`` when
    there is none (never was, already shown, or it is someone else's)."""
    row = db.get(PendingShare, (survey_id, user_id))
    if row is None:
        return None
    try:
        words = sealing.unpad(datakey.unseal(bytes(row.sealed), _key(survey_id, user_id)))
    except (nacl.exceptions.CryptoError, ValueError):  # pragma: no cover - another data key
        words = None
    where = (PendingShare.survey_id == survey_id, PendingShare.user_id == user_id)
    db.execute(
        update(PendingShare)
        .where(*where)
        .values(sealed=bytes(len(row.sealed)))
        .execution_options(synchronize_session=False)
    )
    db.execute(delete(PendingShare).where(*where).execution_options(synchronize_session=False))
    db.expunge(row)
    survey = db.get(Survey, survey_id)
    audit.record(
        db,
        "survey.share_shown",
        object_kind="survey",
        object_id=survey_id,
        branch_id=survey.branch_id if survey else None,
        actor_id=user_id,
    )
    scrub_after_commit(db)
    if words is None or survey is None:  # pragma: no cover
        return None
    return survey, words.decode()


def scrub_after_commit(db: Session) -> None:
    """Once this transaction commits, make sure the erased row leaves the files (see above)."""
    bind = db.get_bind()
    if db.info.get("survey_share_scrub"):
        return
    db.info["survey_share_scrub"] = True

    def _scrub(session):
        session.info.pop("survey_share_scrub", None)
        try:
            scrub(bind)
        except Exception:  # never fails the request that showed the share
            current_app.logger.warning("custodian share table not scrubbed yet")

    event.listen(db, "after_commit", _scrub, once=True)


def scrub(engine, *, patience: float = 2.0) -> None:
    """Write erased shares out of the database files (also run by ``surveys close-due``).

    SQLite: checkpoint the log into the file and truncate it. PostgreSQL: wait (up to
    ``patience`` seconds) until no transaction older than this call is open, then ``VACUUM
    FULL`` the table into a new file (campaign/db.py ``vacuum_full``).
    """
    if engine.dialect.name == "sqlite":
        import sqlite3

        connection = sqlite3.connect(engine.url.database, timeout=10, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        return
    if engine.dialect.name != "postgresql":
        return
    vacuum_full(engine, ["survey_pending_shares"], wait=patience, lock_timeout="5s")
