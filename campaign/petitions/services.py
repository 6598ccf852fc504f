"""The rules of petitions: their life, signing, confirming, withdrawing, and the counts.

Services take the session, flush only, and raise ``PetitionError`` (a message for the person).
Signing writes one row; nothing about the request (address, user agent, time) reaches it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from campaign import clock, dates
from campaign import db as campaign_db
from campaign.access import is_public_endpoint
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.org.models import Branch
from campaign.petitions import japanese, sealing
from campaign.petitions.models import (
    PaperBatch,
    Petition,
    PetitionTally,
    PublishedDay,
    QueuedLink,
    SetAside,
    Signature,
    SignatureState,
    State,
)

PENDING_DAYS = 7  # an unconfirmed signature is dropped after this many days
GOAL_MAX = 100_000_000
BATCH_MAX = 1_000_000


class PetitionError(Exception):
    """A petition could not be changed as asked; the message is shown to the person."""


class NotAccepting(PetitionError):
    """The petition takes no signatures (not open, or past its closing date)."""


class Outdated(ServiceUnavailable):
    """A public request (signing, a link pressed) found the petition hashed under an older
    normal form: ``flask init`` has not brought it up to date yet (``up_to_date_all``). Not
    rehashed here (review R8-6): the rehash's audit entry would carry the moment a member
    pressed "sign" (as review R4-15 found of the closing), and the request would open and hash
    every signature holding the petition's lock; nor hashed under the new form beside rows of
    the old. Nothing is written; the person is asked to come back (503)."""

    title = _l("Please try again shortly")
    message = _l(
        "This petition is being updated and cannot take your signature for a few minutes. "
        "Nothing was saved. Please send it again later."
    )


class InvalidSignature(PetitionError):
    """The name or address cannot be used; ``problems`` says which field and why."""

    def __init__(self, problems: list[japanese.Problem]) -> None:
        super().__init__("invalid signature")
        self.problems = problems


def today() -> date:
    """Today in Japan (``NAISHIN_TIMEZONE``): a petition closes at the end of its closing day."""
    return dates.local_today()


# --- keys and hashes ------------------------------------------------------------------------


def petition_key(petition: Petition) -> bytes:
    """The petition's own key, unwrapped with the data key (sealing.py)."""
    try:
        return sealing.unwrap(petition.sealed_key)
    except sealing.NoKey:
        raise PetitionError(_l("This petition takes no signatures.")) from None


def signer_key(petition: Petition) -> bytes:
    """The petition's duplicate-check key, derived from the petition's key.

    The petition's key is stored only under the data key, which never enters the database: a
    copy of the database does not let anyone test "did this person sign?"; the same person
    gets unrelated hashes on two petitions; and once the petition's key is deleted (at
    anonymisation) no one can test it any more, whatever copy of the hashes survives.
    """
    return sealing.hash_key(petition_key(petition))


@dataclass(frozen=True)
class Hashes:
    """The keyed hashes of one signer."""

    signer: bytes
    name: bytes
    address: bytes


def hashes(key: bytes, name: str, address: str) -> Hashes:
    """Keyed hashes over the normalised name and address (see japanese.py)."""
    normal_name, normal_address = japanese.normal_name(name), japanese.normal_address(address)

    def mac(label: bytes, *parts: str) -> bytes:
        message = label + b"\x00" + "\x1f".join(parts).encode()
        return hmac.new(key, message, hashlib.sha256).digest()

    return Hashes(
        signer=mac(b"signer", normal_name, normal_address),
        name=mac(b"name", normal_name)[:16],
        address=mac(b"address", normal_address)[:16],
    )


def token_hash(token: str) -> bytes:
    """What is stored of an emailed link's token: its SHA-256 (the token is 256 random bits)."""
    return hashlib.sha256(token.encode()).digest()


# --- the petition's life --------------------------------------------------------------------

EDITABLE = (
    "title_ja",
    "title_en",
    "text_ja",
    "text_en",
    "addressee_ja",
    "addressee_en",
    "goal",
    "closes_on",
    "ask_email",
    "hourly_limit",
    "keep_days",
    "unsubmitted_days",
)


def _check_fields(fields: dict) -> None:
    if not (fields.get("title_ja") or "").strip():
        raise PetitionError(_l("Enter the title in Japanese."))
    if not (fields.get("addressee_ja") or "").strip():
        raise PetitionError(_l("Enter the addressee in Japanese."))
    if not 1 <= int(fields.get("goal") or 0) <= GOAL_MAX:
        raise PetitionError(_l("The goal must be a number of signatures from 1."))


def create_petition(db: Session, user: User, **fields) -> Petition:
    """Headquarters starts a draft."""
    _check_fields(fields)
    petition = Petition(created_by=user.id, **{k: v for k, v in fields.items() if k in EDITABLE})
    db.add(petition)
    db.flush()
    audit.record(db, "petition.created", object_kind="petition", object_id=petition.id)
    return petition


def update_petition(db: Session, petition: Petition, **fields) -> None:
    """Change a draft (an open petition's text is what people signed: it stays)."""
    if petition.state != State.DRAFT:
        raise PetitionError(_l("Only a draft can be changed."))
    _check_fields(fields)
    for name in EDITABLE:
        if name in fields:
            setattr(petition, name, fields[name])
    db.flush()
    audit.record(db, "petition.updated", object_kind="petition", object_id=petition.id)


def open_petition(db: Session, petition: Petition) -> None:
    """Start taking signatures; the petition's key is made now (stored wrapped)."""
    if petition.state != State.DRAFT:
        raise PetitionError(_l("Only a draft can be opened."))
    if petition.closes_on < today():
        raise PetitionError(_l("The closing date has passed. Choose a later one first."))
    petition.state = State.OPEN
    petition.sealed_key = sealing.wrap(sealing.new_key())
    petition.normal_form = japanese.NORMAL_FORM_VERSION  # no hash made yet, under any form
    petition.opened_on = today()
    db.flush()
    audit.record(db, "petition.opened", object_kind="petition", object_id=petition.id)


def close_petition(
    db: Session, petition: Petition, *, on: date | None = None, system: bool = False
) -> None:
    """Stop taking signatures: headquarters now, or (``system``) the platform once the
    closing day has ended."""
    if petition.state != State.OPEN:
        raise PetitionError(_l("Only an open petition can be closed."))
    _freeze(db, petition)
    petition.state = State.CLOSED
    petition.closed_on = on or today()
    db.flush()
    # The figures of the close, stored now, with the exact online counts: from the day after
    # the closing day the online part of every figure is those for good (review R7b-1),
    # whatever is withdrawn later; paper entered later is added by the day it was entered
    # (review R8-5, ``_counts_after_close``).
    _published(db, petition, petition.closed_on)
    _keep_online(db, petition)
    audit.record(
        db,
        "petition.closed",
        object_kind="petition",
        object_id=petition.id,
        reason="closing date passed" if system else None,
        system=system,
    )


def _due(petition: Petition) -> bool:
    return petition.state == State.OPEN and today() > petition.closes_on


def close_if_due(db: Session, petition: Petition) -> bool:
    """Close, as the system, an open petition whose closing day has ended (in Japan).

    For staff requests and ``petitions close-due`` only. A public request never closes (it
    refuses by the date: ``accepting``): its session may not write (a GET of a public page is
    read-only, review R4-16), and the closing's audit entry would carry the moment a member
    opened the page or pressed "sign" (review R4-15)."""
    if not _due(petition) or _public_request():
        return False
    close_petition(db, petition, on=petition.closes_on, system=True)
    return True


def close_due(db: Session) -> list[Petition]:
    """Close every open petition whose closing day has ended, as the system (the cron
    command ``petitions close-due``; ``petitions anonymise`` does it first too); and store the
    day's published figures of every open or closed one, so that run just after midnight the
    day's figures are those of the midnight (``_published``)."""
    stmt = select(Petition).where(Petition.state == State.OPEN).order_by(Petition.id)
    closed = [p for p in db.scalars(stmt).all() if close_if_due(db, p)]
    stmt = select(Petition).where(Petition.state.in_((State.OPEN, State.CLOSED)))
    for petition in db.scalars(stmt.order_by(Petition.id.desc())).all():  # as the staff list
        _freeze(db, petition)
    return closed


def _public_request() -> bool:
    return has_request_context() and is_public_endpoint(request.endpoint)


def accepting(petition: Petition) -> bool:
    """Whether the petition takes signatures today."""
    return petition.state == State.OPEN and today() <= petition.closes_on


def submit(
    db: Session, petition: Petition, *, submitted_on: date, submitted_to: str, note: str = ""
) -> list[str]:
    """Record the hand-over; return the email addresses of signers who asked for news."""
    if petition.state != State.CLOSED:
        raise PetitionError(_l("A petition is submitted after it has closed."))
    if submitted_on < (petition.closed_on or petition.closes_on) or submitted_on > today():
        raise PetitionError(_l("The date of submission must be between the close and today."))
    if not submitted_to.strip():
        raise PetitionError(_l("Enter to whom the petition was handed over."))
    petition.state = State.SUBMITTED
    petition.submitted_on = submitted_on
    petition.submitted_to = submitted_to.strip()
    petition.submission_note = note.strip()
    db.flush()
    audit.record(db, "petition.submitted", object_kind="petition", object_id=petition.id)
    open_one = sealing.opener(petition_key(petition))
    sealed = db.scalars(
        select(Signature.sealed).where(
            Signature.petition_id == petition.id, Signature.state == SignatureState.COUNTED
        )
    )
    # Sorted: the rows come in heap order, which on PostgreSQL follows signing (review R4-5),
    # and the mail server's log would keep it.
    return sorted({signer.email for signer in map(open_one, sealed) if signer.email})


# --- signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """What the signer is told: ``counted`` or ``pending`` (an email link to send); ``token`` is
    the emailed link's secret (pending only). ``duplicate`` says that the person had signed
    already, so nothing was counted: it is for the tests and never changes what the signer
    sees (the form must not tell whether a person signed, review R3-11)."""

    outcome: str
    token: str | None = None
    duplicate: bool = False


def check_signer(name: str, address: str) -> list[japanese.Problem]:
    """Every problem with a name and an address (empty when both are fine)."""
    return [p for p in (japanese.check_name(name), japanese.check_address(address)) if p]


def sign(
    db: Session,
    petition: Petition,
    *,
    name: str,
    address: str,
    email: str | None = None,
    wants_news: bool = False,
) -> Signed:
    """Add one signature. With an email it waits for the emailed link; without, it counts.

    A second signature of the same person (same normalised name and address) is not counted
    again, and the signer is told exactly what a new signer is told: the form is not a "did
    this person sign?" oracle (review R3-11: an employer holding the staff's names and home
    addresses could test each of them). The unique index decides (see ``_insert_signature``):
    two at once cannot both get in. With an email address, the repeat gets a row of its own
    (``SignatureState.REPEAT``, never counted) so that its email and its link's page are a new
    signer's; confirming it counts nothing more (see ``confirm``). Whoever signs first in a
    person's name does not own the person (review R5-4): every repeat keeps the person's tags,
    takes the count over when the counted one goes (``_hand_over``), and an acknowledged one
    counts at once when the person's place is only held by a signature waiting for its link.
    """
    if not accepting(petition):
        raise NotAccepting(_l("This petition is not taking signatures."))
    _refuse_if_outdated(petition)
    # A signature counts from today on and moves no past day; the day's figures are stored
    # here all the same, so that the first signature of a day spares the public pages the count.
    _freeze(db, petition)
    # What shows nothing is not part of a name or an address: gone before the check, the
    # hashes and the seal (review R3-12).
    name, address = japanese.visible(name), japanese.visible(address)
    email = japanese.visible(email) if email else email
    problems = check_signer(name, address)
    if problems:
        raise InvalidSignature(problems)
    key = petition_key(petition)
    up_to_date(db, petition)
    keyed = hashes(sealing.hash_key(key), name, address)
    token = secrets.token_urlsafe(32) if email else None
    signer = sealing.Signer(
        name=japanese.tidy(name),
        address=japanese.tidy(japanese.strip_postcode(address)),
        email=email if email and wants_news else None,
    )
    row = {
        "petition_id": petition.id,
        "sealed": sealing.seal_signer(key, signer),
        "prefecture_code": japanese.prefecture_of(address),
        "signed_on": today(),
        "state": SignatureState.PENDING,
        "signer_hash": keyed.signer,
        "name_tag": keyed.name,
        "address_tag": keyed.address,
        "token_hash": token_hash(token) if token else None,
    }
    outcome = "pending" if email else "counted"
    _lock_person(db, petition.id, keyed.name, keyed.address)
    if not email:
        row["state"] = _counting(db, petition.id, keyed.name, keyed.address)
    if db.execute(_insert_signature(db), row).scalar() is not None:
        return Signed(outcome, token)
    # The person had signed. Without an email, a signature is acknowledged at once: if the
    # person's signature only waits for its link (perhaps typed by someone else, who may never
    # confirm it), this one counts now and the waiting one becomes the repeat (its link still
    # behaves as a new signer's, see ``_demote_waiting``); review R5-4.
    # The holder's row is locked until the commit (PostgreSQL; SQLite has one writer at a
    # time): a withdrawal of it at the same moment waits, and then hands its place to this
    # repeat (``_hand_over``); one that came first leaves no holder, and this one takes the place.
    holder = _lock_holder(db, petition.id, keyed.signer)
    if not token and holder in (None, SignatureState.PENDING):
        if holder == SignatureState.PENDING:
            _demote_waiting(db, petition, keyed.signer, key)
        if db.execute(_insert_signature(db), row).scalar() is not None:
            return Signed(outcome, token, duplicate=True)
    # Otherwise, with an email, a row that waits for its link like a new one; without, a row
    # that is never counted nor shown, so that a repeat writes (and commits) a row as a new
    # signature does, and takes as long (a commit that writes nothing is faster by the log
    # flush, which a patient prober could time). It keeps the person's tags, so that it takes
    # the count over if the counted one goes (``_hand_over``).
    row["state"] = SignatureState.REPEAT if token else SignatureState.REPEAT_CONFIRMED
    row["signer_hash"] = _repeat_hash(key, token or secrets.token_urlsafe(32))
    db.execute(_insert_signature(db), row)
    return Signed(outcome, token, duplicate=True)


def _lock_holder(db: Session, petition_id: int, signer: bytes) -> SignatureState | None:
    """The state of the row holding the person's place (None: no one holds it), locked
    ``FOR UPDATE`` until the commit on PostgreSQL, so that a withdrawal or a discard of it
    cannot slip between this look and the repeat's row (it waits, then hands the place over)."""
    return db.scalar(
        select(Signature.state)
        .where(Signature.petition_id == petition_id, Signature.signer_hash == signer)
        .with_for_update()
    )


# Serialising one person's signatures (review R6-4). Every path that gives a row the person's
# place (``signer_hash``: sign, confirming a repeat, the hand-over of a withdrawal or a discard)
# first takes a lock on the person, in its transaction, and only then looks at who holds the
# place: ``_lock_holder``'s ``FOR UPDATE`` locks nothing when no row holds it, and another
# transaction's uncommitted row is invisible to it, so without this two of them could both
# see the place free and the second write hit the unique index (a 500). On PostgreSQL a
# transaction-level advisory lock keyed by the person (the petition and the keyed tags,
# hashed to 64 bits: a collision only makes two people wait for each other); ``rehash``,
# which moves every person's place at once, and ``mark_group``, which changes what comes to
# count for a whole group, take the petition's lock exclusively, the others share it. SQLite
# needs none: every writing transaction there takes the one write lock first (``BEGIN
# IMMEDIATE``, campaign/db.py).
_PETITION_LOCK_CLASS = 0x70657469  # "peti": pg_advisory_xact_lock(int, int), its own key space


def _on_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _lock_petition(db: Session, petition_id: int, *, shared: bool) -> None:
    if _on_postgres(db):
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        db.execute(
            text(f"SELECT {function}(:kind, :petition)"),
            {"kind": _PETITION_LOCK_CLASS, "petition": petition_id},
        )


def _person_key(petition_id: int, name_tag: bytes, address_tag: bytes) -> int:
    digest = hashlib.sha256(
        b"naishin petition person\x00" + petition_id.to_bytes(8, "big") + name_tag + address_tag
    ).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_person(db: Session, petition_id: int, name_tag: bytes, address_tag: bytes) -> None:
    """Wait until no other transaction works on this person's signatures, and keep them to
    this one until its commit (PostgreSQL; SQLite: the write lock does it)."""
    _lock_people(db, [(petition_id, name_tag, address_tag)])


def _lock_people(db: Session, people) -> None:
    """``_lock_person`` for several people, in one order for every transaction (no deadlock:
    the others hold one person at a time)."""
    if not _on_postgres(db):
        return
    keys = sorted({(p, _person_key(p, name, address)) for p, name, address in people})
    for petition_id in sorted({p for p, _ in keys}):
        _lock_petition(db, petition_id, shared=True)
        for _, key in (k for k in keys if k[0] == petition_id):
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _in_set_aside(petition_id, name_tag, address_tag):
    """SQL: whether a signature with these tags (values, or ``Signature``'s columns) is in a
    group of the petition that headquarters set aside (``SetAside``)."""
    return exists().where(
        SetAside.petition_id == petition_id,
        or_(
            and_(SetAside.kind == "name", SetAside.tag == name_tag),
            and_(SetAside.kind == "address", SetAside.tag == address_tag),
        ),
    )


def _counting(db: Session, petition_id: int, name_tag: bytes, address_tag: bytes) -> SignatureState:
    """What a signature becomes when it comes to count: ``invalid`` if its address or its name
    is a group headquarters set aside, else ``counted``. The one rule for every way a
    signature comes to count (signed without email, its link confirmed, a repeat confirmed in
    the place of a waiting one, the hand-over of a withdrawal or a discard): a set-aside holds
    for the group, not only for the rows counted when it was made, so no signature of the group
    escapes it by waiting for its link or by coming later. Nothing shows it to the signer:
    the pages say what they say to anyone (``Signature.shown_state``, review R3-11). The
    caller holds the person's lock, which shares the petition's lock that ``mark_group`` takes
    exclusively: the group cannot be set aside between this look and the row's write."""
    values = {"petition": petition_id, "name_tag": name_tag, "address_tag": address_tag}
    aside = db.connection().execute(_SET_ASIDE, values).scalar()
    return SignatureState.INVALID if aside else SignatureState.COUNTED


# Built once: building the statement for each signature cost 73 µs and running it through the
# session 80 more, against 2 µs for SQLite to run it.
_SET_ASIDE = select(
    _in_set_aside(bindparam("petition"), bindparam("name_tag"), bindparam("address_tag"))
)


def _demote_waiting(db: Session, petition: Petition, signer: bytes, key: bytes) -> bool:
    """Make the person's signature that waits for its link (``pending``) a repeat that waits
    (``repeat``), freeing the person's place for an acknowledged one; whether there was one.
    Its link behaves as before (the page says "waiting", confirming says "counted", it can be
    withdrawn): its holder learns nothing of the other signature (review R3-11)."""
    return (
        db.execute(
            update(Signature)
            .where(
                Signature.petition_id == petition.id,
                Signature.signer_hash == signer,
                Signature.state == SignatureState.PENDING,
            )
            .values(
                state=SignatureState.REPEAT,
                signer_hash=_repeat_hash(key, secrets.token_urlsafe(32)),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _remove(db: Session, *where) -> None:
    """Delete the signatures ``where`` selects, handing each held place to a repeat of the same
    person: the one rule for every way a signature goes (withdrawn, never confirmed, its email
    not sent). Their people are locked first (``_lock_person``), and the rows read again under
    the lock: what they are now decides (a concurrent sign may have made a pending one a
    repeat, a concurrent confirm may have counted a stale one)."""
    gone = db.execute(select(*_REMOVED).where(*where)).all()
    for petition_id in sorted({g.petition_id for g in gone}):
        _freeze(db, db.get(Petition, petition_id))  # a withdrawal moves yesterday's count
    if gone and _on_postgres(db):
        _lock_people(db, [(g.petition_id, g.name_tag, g.address_tag) for g in gone])
        ids = [g.id for g in gone]
        gone = db.execute(select(*_REMOVED).where(Signature.id.in_(ids), *where)).all()
    if not gone:
        return
    db.execute(delete(Signature).where(Signature.id.in_([g.id for g in gone])))
    for g in gone:
        _hand_over(db, g)


# What holds the person's place (``signer_hash`` is the person's): a repeat holds none.
HOLDING = (SignatureState.PENDING, SignatureState.COUNTED, SignatureState.INVALID)


def _hand_over(db: Session, gone) -> None:
    """After the signature ``gone`` was deleted: if it held the person's place, an
    acknowledged repeat of the same person (``repeat-confirmed``: signed without email, or its
    link confirmed) takes it, in the same transaction, so that a person counts exactly once
    while any acknowledged signature of theirs remains (review R5-4: whoever signed first in
    a person's name could otherwise remove the person's own signature by withdrawing theirs,
    even after the close, or by never confirming it).

    The person is found by the pair of keyed tags, which every row of theirs carries, repeats
    too (the tags of one normalised name and one normalised address, 128 bits each, so the
    pair is the person as much as ``signer_hash`` is; nothing is stored for it that the review
    did not already store). The heir is the repeat with the smallest id (ids are random: not
    the first or last to sign). It takes the place as the gone one stood: set aside
    (``invalid``) if that one was, else as any signature that comes to count (``_counting``:
    set aside if its group is). A repeat that still waits for its link is
    left to wait: confirming it counts it then (``_confirm_repeat``: no one holds the place)."""
    if gone.state not in HOLDING:
        return
    heir = db.scalar(
        select(Signature.id)
        .where(
            Signature.petition_id == gone.petition_id,
            Signature.state == SignatureState.REPEAT_CONFIRMED,
            Signature.name_tag == gone.name_tag,
            Signature.address_tag == gone.address_tag,
        )
        .order_by(Signature.id)
        .limit(1)
    )
    if heir is None:
        return
    state = gone.state
    if state != SignatureState.INVALID:
        state = _counting(db, gone.petition_id, gone.name_tag, gone.address_tag)
    db.execute(
        update(Signature)
        .where(Signature.id == heir)
        .values(state=state, signer_hash=gone.signer_hash)
        .execution_options(synchronize_session=False)
    )


_REMOVED = (
    Signature.id,
    Signature.petition_id,
    Signature.state,
    Signature.signer_hash,
    Signature.name_tag,
    Signature.address_tag,
)


def _repeat_hash(key: bytes, token: str) -> bytes:
    """A repeat's own value for the unique signer column (its person's is taken)."""
    return hmac.new(sealing.hash_key(key), b"repeat\x00" + token.encode(), hashlib.sha256).digest()


def _insert_signature(db: Session):
    """``INSERT … ON CONFLICT (petition_id, signer_hash) DO NOTHING RETURNING id`` (rowcount is
    not reliable with the RETURNING SQLAlchemy adds on PostgreSQL): the unique index decides
    (two at once cannot both get in), a duplicate inserts nothing and raises nothing, so the
    transaction goes on without a savepoint; one Core statement, compiled once."""
    dialect = db.get_bind().dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = (
            insert(Signature.__table__)
            .on_conflict_do_nothing(index_elements=["petition_id", "signer_hash"])
            .returning(Signature.__table__.c.id)  # no row back: a duplicate
        )
        _INSERTS[dialect] = statement
    return statement


_INSERTS: dict = {}


WAITING = (SignatureState.PENDING, SignatureState.REPEAT)  # what an emailed link confirms


def discard_pending(db: Session, token: str) -> None:
    """Remove a pending signature whose confirmation email could not be sent. (Queued emails
    are retried instead, links.py: their signatures go as every unconfirmed one does, after
    ``PENDING_DAYS``.)"""
    _remove(db, Signature.token_hash == token_hash(token), Signature.state.in_(WAITING))


def find_by_token(db: Session, token: str) -> Signature | None:
    """The signature an emailed link belongs to."""
    if not token or len(token) > 100:
        return None
    return db.scalar(select(Signature).where(Signature.token_hash == token_hash(token)))


def confirm(db: Session, token: str) -> str:
    """Count a pending signature: ``confirmed``, ``already`` (counted before), ``closed`` or
    ``unknown``. One conditional UPDATE, so twenty clicks at once count it once."""
    signature = find_by_token(db, token)
    if signature is None:
        return "unknown"
    if signature.state not in WAITING:
        return "already"
    petition = db.get(Petition, signature.petition_id)
    if not accepting(petition):
        return "closed"
    # The person is locked before anything is decided (review R6-4), and the row read again
    # under the lock: a signature in the same name, another of the person's links or a
    # withdrawal may have changed it, or who holds the place, in the meantime.
    _refuse_if_outdated(petition)
    key = petition_key(petition)
    up_to_date(db, petition)
    signer = sealing.open_signer(key, signature.sealed)
    keyed = hashes(sealing.hash_key(key), signer.name, signer.address)
    _lock_person(db, petition.id, keyed.name, keyed.address)
    signature = db.scalar(
        select(Signature)
        .where(Signature.id == signature.id)
        .execution_options(populate_existing=True)
    )
    if signature is None:
        return "unknown"
    if signature.state not in WAITING:
        return "already"
    counting = _counting(db, petition.id, keyed.name, keyed.address)
    values: dict = {"state": counting}
    if signature.state == SignatureState.REPEAT:
        values = _confirm_repeat(db, petition, keyed.signer, counting)
    # The date a signature came to count: the published table is as of the end of a past day
    # (see ``prefecture_table``), so a confirmation today must not move a past day's figures.
    values["signed_on"] = today()
    changed = db.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.state == signature.state)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.expire(signature)
    return "confirmed" if changed == 1 else "already"


def _confirm_repeat(db: Session, petition: Petition, real: bytes, counting: SignatureState) -> dict:
    """What confirming a repeat changes. The person's signature counts already (or was set
    aside): the repeat becomes ``repeat-confirmed`` and counts nothing. Their first signature
    still waits for its link (an email that never came, or typed by someone else), or is gone
    (withdrawn): then the repeat takes its place and counts, once, and the waiting one becomes
    a repeat that waits (``_demote_waiting``: its link behaves as before, review R3-11).
    ``real``: the person's ``signer_hash``; ``counting``: what a signature of the person
    becomes when it comes to count (``_counting``); the caller holds the person's lock."""
    key = petition_key(petition)
    holder = _lock_holder(db, petition.id, real)
    if holder not in (None, SignatureState.PENDING):
        return {"state": SignatureState.REPEAT_CONFIRMED}
    if holder == SignatureState.PENDING:
        _demote_waiting(db, petition, real, key)
    return {"state": counting, "signer_hash": real}


def withdraw(db: Session, token: str) -> bool:
    """Delete the signature the link belongs to (all of it: nothing of the signer stays).

    Allowed while the petition is open or closed (a signer may take their name off the list
    until it is handed over). If the signature held the person's place, an acknowledged repeat
    of the same person takes it (``_hand_over``): withdrawing a signature typed in someone
    else's name never removes that person's own (review R5-4)."""
    signature = find_by_token(db, token)
    if signature is None:
        return False
    petition = db.get(Petition, signature.petition_id)
    if petition.state not in (State.OPEN, State.CLOSED):
        return False  # already handed over: the list left the building
    db.expunge(signature)
    _remove(db, Signature.id == signature.id)
    return True


# --- paper batches --------------------------------------------------------------------------


def _check_batch(received_on: date, signatures: int, sheets: int) -> None:
    if not (0 <= signatures <= BATCH_MAX and 1 <= sheets <= BATCH_MAX):
        raise PetitionError(
            _l("Give the number of signatures (0 or more) and of sheets (1 or more).")
        )
    if received_on > today():
        raise PetitionError(_l("The date received cannot be in the future."))


def add_batch(
    db: Session,
    user: User,
    petition: Petition,
    *,
    branch_id: int,
    received_on: date,
    signatures: int,
    sheets: int,
    note: str = "",
) -> PaperBatch:
    """A branch officer (for their own branch) or headquarters enters a batch of paper forms."""
    if not user.can_see_branch(branch_id):
        raise PetitionError(_l("Choose your own branch."))
    if petition.state not in (State.OPEN, State.CLOSED):
        raise PetitionError(
            _l("Paper signatures are entered while the petition is open or closed.")
        )
    _check_batch(received_on, signatures, sheets)
    _freeze(db, petition)
    batch = PaperBatch(
        petition_id=petition.id,
        branch_id=branch_id,
        received_on=received_on,
        signatures=signatures,
        sheets=sheets,
        note=note.strip(),
        created_by=user.id,
        created_at=clock.now(),  # when it was entered: what the published figures count by
    )
    db.add(batch)
    db.flush()
    audit.record(
        db,
        "petition.paper_added",
        object_kind="paper_batch",
        object_id=batch.id,
        branch_id=branch_id,
    )
    return batch


def correct_batch(
    db: Session,
    batch: PaperBatch,
    *,
    received_on: date,
    signatures: int,
    sheets: int,
    note: str,
    reason: str,
) -> None:
    """Headquarters corrects a batch; the reason goes to the audit log with the old numbers."""
    if not reason.strip():
        raise PetitionError(_l("Give the reason for the correction."))
    if batch.petition.state not in (State.OPEN, State.CLOSED):
        raise PetitionError(
            _l("Paper signatures are entered while the petition is open or closed.")
        )
    _check_batch(received_on, signatures, sheets)
    _freeze(db, batch.petition)
    before = f"{batch.signatures}/{batch.sheets}"
    batch.received_on, batch.signatures, batch.sheets = received_on, signatures, sheets
    batch.note = note.strip()
    batch.corrected_at = clock.now()
    db.flush()
    audit.record(
        db,
        "petition.paper_corrected",
        object_kind="paper_batch",
        object_id=batch.id,
        branch_id=batch.branch_id,
        reason=f"{before} → {signatures}/{sheets}",
        note=reason,
    )


# --- counts ---------------------------------------------------------------------------------


@dataclass
class Counts:
    """Signatures counted: online (confirmed), on paper, and by prefecture code."""

    online: int = 0
    paper: int = 0
    pending: int = 0
    invalid: int = 0
    by_prefecture: dict[str, list[int]] = field(default_factory=dict)  # code -> [online, paper]

    @property
    def total(self) -> int:
        """Online and paper together: what the progress bar shows."""
        return self.online + self.paper


def counts(db: Session, petition: Petition, *, through: date | None = None) -> Counts:
    """The petition's counts, from the rows while they exist, from the tallies after.

    ``through`` (the published figures): only the signatures that came to count by the end of
    that day (``signed_on``, a confirmation's day) and the paper batches *entered* by then, in
    Japan. Not by the ``received_on`` an officer types (review R7b-1): a batch dated a past
    day would have moved that day's figure, and an officer controls its size; the date
    received stays the batch's record for headquarters (its list, the exact counts)."""
    result = Counts()
    by_prefecture: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if petition.state == State.ANONYMISED:
        for code, online in db.execute(
            select(PetitionTally.prefecture_code, PetitionTally.online).where(
                PetitionTally.petition_id == petition.id
            )
        ):
            by_prefecture[code][0] += online
            result.online += online
    else:
        rows_stmt = select(Signature.state, Signature.prefecture_code, func.count()).where(
            Signature.petition_id == petition.id
        )
        if through is not None:
            rows_stmt = rows_stmt.where(Signature.signed_on <= through)
        rows = db.execute(rows_stmt.group_by(Signature.state, Signature.prefecture_code))
        for state, code, number in rows:
            if state == SignatureState.COUNTED:
                by_prefecture[code][0] += number
                result.online += number
            elif state == SignatureState.PENDING:
                result.pending += number
            elif state == SignatureState.INVALID:
                result.invalid += number  # repeats count nowhere
    paper_stmt = (
        select(Branch.prefecture_code, func.sum(PaperBatch.signatures))
        .join(Branch, Branch.id == PaperBatch.branch_id)
        .where(PaperBatch.petition_id == petition.id)
    )
    if through is not None:
        paper_stmt = paper_stmt.where(PaperBatch.created_at < _day_ends(through))
    paper = db.execute(paper_stmt.group_by(Branch.prefecture_code))
    for code, number in paper:
        by_prefecture[code][1] += int(number or 0)
        result.paper += int(number or 0)
    result.by_prefecture = dict(sorted(by_prefecture.items()))
    return result


def _day_ends(day: date) -> datetime:
    """The moment ``day`` ends in Japan (``NAISHIN_TIMEZONE``), as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=dates.timezone())


def published_step(total: int) -> int:
    """The step every published figure of a petition is rounded down to: 10 below 1,000
    signatures, 100 from there."""
    return 10 if total < 1000 else 100


@dataclass(frozen=True)
class PrefectureTable:
    """The counts by prefecture as shown: ``rows`` of (code, online, paper).

    Published (``step`` set): every figure is rounded down to ``step``, the headline's own
    (``published_figures``); a prefecture is named when its online or paper count is at least
    ``step``; ``other`` is the rest of the headline's ``total``: the prefectures not named and
    what the rounding took off the named ones, so the table adds up to the headline, and no
    sum or difference of its figures is a number the headline withholds; ``withheld`` while
    the headline is below one step (nothing by prefecture is shown then, for no signature as
    for nine). ``as_of`` the last day counted. Live (``step`` None, headquarters): the exact
    counts now, every prefecture named."""

    rows: tuple[tuple[str, int, int], ...]
    other: int = 0
    withheld: bool = False
    as_of: date | None = None
    step: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class PublicProgress:
    """The progress the public sees: the total as of the end of the previous day in Japan
    (``final`` once the petition has closed: the online signatures as they were at the close,
    the paper ones as entered by that day, ``_counts_after_close``), rounded down to a step
    (10 below 1,000 signatures, 100 from there). A live, exact total was an oracle: sign a
    person's name and address, read the total again, and +1 or +0 told whether they had
    already signed (review R3-11, seen by the petitions helper)."""

    total: int  # rounded down to ``step``
    step: int
    as_of: date
    final: bool = False  # the figures of the close (``_published_day``): they no longer move


@dataclass(frozen=True)
class PublishedFigures:
    """Everything the public and branch officers see of a petition's counts, worked out at
    once from one count so that the headline and the table agree."""

    progress: PublicProgress
    table: PrefectureTable


def published_figures(found: Counts, as_of: date) -> PublishedFigures:
    """One rule for every figure shown outside headquarters (review R5-2): the exact total,
    and each prefecture's online and paper counts, rounded down to the headline's step.

    The table once gave the exact counts with small ones merged, and its rows added up to the
    exact total the progress bar rounds down (「160筆以上」 beside a table of 165): the "did
    this person sign?" oracle of review R3-11/R4-1 again, and per prefecture. Now every shown
    figure is a multiple of the step, the named rows add up to at most the rounded total, and
    「その他」 is the rounded total less those rows: so the table sums to the headline, and
    what the headline withholds (the total's last digits) no figure nor any sum or difference
    of them gives back. A figure of a step or more stands for at least that many signers, so
    no row is ever a handful of people (review R3-3)."""
    step = published_step(found.total)
    total = found.total // step * step
    rows = []
    for code, (online, paper) in sorted(found.by_prefecture.items()):
        shown = (online // step * step, paper // step * step)
        if any(shown):
            rows.append((code, *shown))
    other = total - sum(online + paper for _, online, paper in rows)
    table = PrefectureTable(tuple(rows), other, total == 0, as_of, step, total)
    return PublishedFigures(PublicProgress(total, step, as_of), table)


def _published_day(petition: Petition) -> date:
    """The last day the published figures count: the end of the previous day in Japan; while
    the petition is open, no later than its closing day (closed by ``close-due`` after it);
    once anonymised, its anonymisation day (no paper is entered after that, so every later
    day would be the same)."""
    yesterday = today() - timedelta(days=1)
    if petition.closed_on is None:
        return min(yesterday, petition.closes_on)
    if petition.state == State.ANONYMISED and petition.anonymised_on is not None:
        return min(yesterday, petition.anonymised_on)
    return yesterday


def _published_counts(db: Session, petition: Petition, as_of: date) -> Counts:
    """The counts a day's published figures are worked out from (``_published``)."""
    if petition.closed_on is None or as_of <= petition.closed_on:
        return counts(db, petition, through=as_of)
    return _counts_after_close(db, petition, as_of)


def _counts_after_close(db: Session, petition: Petition, as_of: date) -> Counts:
    """A day after the close: the online signatures as they were at the close (kept on the
    close's row, ``_keep_online``), and the paper batches entered by the end of ``as_of``.

    Paper sheets arrive after the online close: frozen at the close, the published figure
    never showed them (review R8-5). The online part stays frozen, because that is what
    review R7b-1 needs: the probe (a signature in a colleague's name, then its withdrawal,
    −1 or +0 on the exact total) acts online, and after the close no member's action moves
    the figure — a confirmation is refused, a withdrawal changes headquarters' exact counts
    only. What can still move it is paper, entered by staff, counted by the day it was entered
    (never a past day's row) and rounded as before: an officer who recovers the exact total
    with batches of 1 recovers the online count at the close, which a withdrawal no longer
    changes, so it tells nothing of who had signed."""
    found = counts(db, petition, through=as_of)
    close = db.get(PublishedDay, (petition.id, petition.closed_on))
    if close is not None and close.online is not None:
        online = {code: int(number) for code, number in close.online.items()}
    else:  # no row of the close kept them (only if it was deleted): the rows through the close
        at_close = counts(db, petition, through=petition.closed_on)
        online = {code: number for code, (number, _) in at_close.by_prefecture.items()}
    by_prefecture = {code: [0, paper] for code, (_, paper) in found.by_prefecture.items()}
    for code, number in online.items():
        by_prefecture.setdefault(code, [0, 0])[0] = number
    return Counts(
        online=sum(online.values()),
        paper=found.paper,
        by_prefecture={code: by_prefecture[code] for code in sorted(by_prefecture)},
    )


def _keep_online(db: Session, petition: Petition) -> None:
    """Keep on the close's row the exact online counts at the close (``PublishedDay.online``),
    the online part of every later day's figures (``_counts_after_close``)."""
    close = db.get(PublishedDay, (petition.id, petition.closed_on))
    if close is None or close.online is not None:
        return
    found = counts(db, petition, through=petition.closed_on)
    close.online = {code: online for code, (online, _) in found.by_prefecture.items() if online}
    db.flush()


def _published(db: Session, petition: Petition, as_of: date | None = None) -> PublishedFigures:
    """The petition's published figures as of ``as_of`` (``_published_day`` by default): the
    stored row (``PublishedDay``), written here first if this request may write.

    A public page's GET writes nothing (it is read-only, review R4-16); without a row it works
    the figures out from the rows, which gives what the row will hold: every change that moves
    a past day's count (a withdrawal or a discard and its hand-over, a set-aside, a rehash, a
    paper batch entered or corrected, the close, anonymisation) first stores the day's row
    here (``_freeze``), in the change's own transaction, so while no row exists nothing has
    changed since the day began. The row is looked up again after the count: on PostgreSQL each
    statement sees the latest commits, and a row that appeared meanwhile may have come with a
    change the count already saw; that row is then the figure."""
    as_of = as_of or _published_day(petition)
    key = (petition.id, as_of)
    stored = db.get(PublishedDay, key)
    if stored is None:
        writes = petition.state != State.DRAFT and not campaign_db.read_only_request()
        # A read-only page keeps what it worked out, per process, for the day: it is what the
        # row will hold (above), so every public view until the day's first change need not
        # count again; the stored row, once there, is read first all the same.
        values = None if writes else _worked_out().get(key)
        if values is None:
            values = _day_values(petition.id, _published_counts(db, petition, as_of), as_of)
        if writes:
            campaign_db.insert_missing(db, PublishedDay, values, key=("petition_id", "as_of"))
        else:
            _keep_worked_out(key, values)
        stored = db.get(PublishedDay, key) or PublishedDay(**values)  # not added: read-only
    return _figures_of(stored, final=as_of >= (petition.closed_on or petition.closes_on))


_WORKED_OUT_MAX = 256


def _worked_out() -> dict[tuple[int, date], dict]:
    """(petition, day) -> its published values, per app (each app has its own database)."""
    return current_app.extensions.setdefault("petitions.worked_out", {})


def _keep_worked_out(key: tuple[int, date], values: dict) -> None:
    kept = _worked_out()
    while len(kept) >= _WORKED_OUT_MAX:
        kept.pop(next(iter(kept)), None)
    kept[key] = values


def _freeze(db: Session, petition: Petition) -> None:
    """Store today's published figures before a change that could move them (``_published``).
    First in its transaction: the insert may wait for another's, which must hold no lock
    this one takes later."""
    if petition.state == State.DRAFT:
        return
    as_of = _published_day(petition)
    values = {"petition": petition.id, "as_of": as_of}
    if db.connection().execute(_DAY_STORED, values).first() is None:
        _published(db, petition, as_of)


# Whether a day's figures are stored: what every signature after the day's first finds, read
# without loading the row and working its figures out (0.2 ms of each signature).
_DAY_STORED = select(PublishedDay.petition_id).where(
    PublishedDay.petition_id == bindparam("petition"), PublishedDay.as_of == bindparam("as_of")
)


def _day_values(petition_id: int, found: Counts, as_of: date) -> dict:
    table = published_figures(found, as_of).table
    return {
        "petition_id": petition_id,
        "as_of": table.as_of,
        "step": table.step,
        "total": table.total,
        "rows": [list(row) for row in table.rows],
    }


def _figures_of(day: PublishedDay, *, final: bool) -> PublishedFigures:
    """The published figures from a stored row (the table's rest and "withheld" follow from
    the rounded total, as in ``published_figures``)."""
    rows = tuple((code, int(online), int(paper)) for code, online, paper in day.rows)
    other = day.total - sum(online + paper for _, online, paper in rows)
    table = PrefectureTable(rows, other, day.total == 0, day.as_of, day.step, day.total)
    return PublishedFigures(PublicProgress(day.total, day.step, day.as_of, final), table)


def prefecture_table(db: Session, petition: Petition, *, live: bool = False) -> PrefectureTable:
    """The counts by prefecture as the public and branch officers see them: as of the end of
    the previous day in Japan (a signature has a date, no time), rounded down as the total is
    (``published_figures``; review R3-3: a table recomputed on every request told a watcher
    the minute one person in a prefecture signed). Stored once a day for every worker and
    server (``_published``), so that a withdrawal later in the day does not move it either;
    after the close, the online counts of the close and the paper entered by then
    (``_counts_after_close``). ``live``: headquarters' own figures, exact."""
    if live:
        return _live_table(counts(db, petition))
    return _published(db, petition).table


def _live_table(found: Counts) -> PrefectureTable:
    return PrefectureTable(tuple((c, o, p) for c, (o, p) in found.by_prefecture.items()))


def public_progress(db: Session, petition: Petition) -> PublicProgress:
    """The petition's public progress (see ``PublicProgress``), stored once a day with the
    prefecture table, from the same count (``_published``)."""
    return _published(db, petition).progress


@dataclass(frozen=True)
class StaffFigures:
    """What a staff page shows of a petition's figures. Headquarters: ``live``, the exact
    counts now (online, paper, awaiting confirmation, set aside), and the live table, labelled
    as such. Anyone else (a branch officer): ``progress``, the public's figure (the total as of
    the end of the previous day, rounded down, no online/paper split), and the public table.
    A live total shown to officers was the "did this person sign?" oracle again: sign a
    person's name and address, read the total, +1 or +0; and, polled, it timed every signature
    (review R4-1). ``table`` is None unless asked for."""

    live: Counts | None
    progress: PublicProgress | None
    table: PrefectureTable | None = None


def figures_for(
    db: Session, petition: Petition, user: User, *, table: bool = False
) -> StaffFigures:
    """The figures ``user`` may see of the petition (see ``StaffFigures``): every staff page
    that shows a petition's figures takes them from here."""
    if user.is_hq:
        found = counts(db, petition)
        return StaffFigures(found, None, _live_table(found) if table else None)
    progress = public_progress(db, petition)
    return StaffFigures(None, progress, prefecture_table(db, petition) if table else None)


def paper_by_branch(db: Session, petition: Petition) -> list[tuple[Branch, int, int, int]]:
    """Per branch: the branch, its number of batches, signatures and sheets (headquarters)."""
    rows = db.execute(
        select(
            Branch,
            func.count(PaperBatch.id),
            func.sum(PaperBatch.signatures),
            func.sum(PaperBatch.sheets),
        )
        .join(Branch, Branch.id == PaperBatch.branch_id)
        .where(PaperBatch.petition_id == petition.id)
        .group_by(Branch.id)
        .order_by(Branch.prefecture_code, Branch.code)
    )
    return [(b, int(n), int(s or 0), int(h or 0)) for b, n, s, h in rows]


# --- review of bursts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Signatures sharing one address (or one name): how many, how many set aside (rows that
    would count and do not), and whether the group itself is set aside (``SetAside``: what
    comes to count in it is set aside too)."""

    kind: str
    tag: str
    count: int
    invalid: int
    set_aside: bool = False


def review(db: Session, petition: Petition, *, threshold: int = 5) -> dict:
    """What headquarters checks for abuse, as counts only: addresses and names that recur at
    least ``threshold`` times, and signatures per day. The tags are those of the current
    normal form (``up_to_date``), which ``mark_group`` will be given back."""
    up_to_date(db, petition)
    aside = {
        (kind, bytes(tag))
        for kind, tag in db.execute(
            select(SetAside.kind, SetAside.tag).where(SetAside.petition_id == petition.id)
        )
    }
    groups: dict[str, list[Group]] = {}
    for kind, column in (("address", Signature.address_tag), ("name", Signature.name_tag)):
        invalid = func.sum(case((Signature.state == SignatureState.INVALID, 1), else_=0))
        rows = db.execute(
            select(column, func.count(), invalid)
            .where(Signature.petition_id == petition.id)
            .group_by(column)
            .having(func.count() >= threshold)
            .order_by(func.count().desc())
            .limit(100)
        )
        groups[kind] = [
            Group(kind, tag.hex(), int(n), int(i or 0), (kind, bytes(tag)) in aside)
            for tag, n, i in rows
        ]
    days = list(
        db.execute(
            select(Signature.signed_on, func.count())
            .where(Signature.petition_id == petition.id)
            .group_by(Signature.signed_on)
            .order_by(Signature.signed_on)
        )
    )
    return {"address": groups["address"], "name": groups["name"], "days": days}


def mark_group(db: Session, petition: Petition, *, kind: str, tag: str, invalid: bool) -> int:
    """Set aside (or count again) every signature of one address or name group; audited;
    returns how many rows changed.

    The group itself is recorded (``SetAside``), so that the set-aside holds for whatever of
    the group comes to count later (``_counting``): a signature that waited for its link, a
    repeat taking the place of a waiting one, one signed after. Its rows waiting for their link
    are left waiting (their link behaves as anyone's); its counted rows become ``invalid``.
    Counting it again deletes the record and counts its ``invalid`` rows (each acknowledged and
    holding its person's place, see ``SignatureState``), except those still in another group
    set aside (one address group and one name group may both hold a row).

    A set-aside hands nothing over (``_hand_over``): a person's repeats carry the same tags,
    so they are in the group that was set aside; the person stays in the place, set aside,
    and counts once again when the group is counted again. (Withdrawn while set aside, the
    place goes to a repeat as set aside too.) The petition's lock is taken exclusively: no
    signature of it comes to count meanwhile, under the record as it was before."""
    column = {"address": Signature.address_tag, "name": Signature.name_tag}.get(kind)
    try:
        raw = bytes.fromhex(tag)
    except ValueError:
        raw = b""
    if column is None or len(raw) != 16:
        raise PetitionError(_l("There is no such group."))
    if petition.state not in (State.OPEN, State.CLOSED):
        raise PetitionError(_l("Signatures can be set aside only before the submission."))
    _freeze(db, petition)
    _lock_petition(db, petition.id, shared=False)
    up_to_date(db, petition)
    record = (SetAside.petition_id == petition.id, SetAside.kind == kind, SetAside.tag == raw)
    group = (Signature.petition_id == petition.id, column == raw)
    if invalid:
        if db.scalar(select(exists().where(*record))) is not True:
            one = db.scalar(select(Signature.sealed).where(*group).limit(1))
            sealed = _seal_group(petition_key(petition), kind, one) if one else None
            db.add(SetAside(petition_id=petition.id, kind=kind, tag=raw, sealed=sealed))
            db.flush()
        moved = (*group, Signature.state == SignatureState.COUNTED)
        target = SignatureState.INVALID
    else:
        db.execute(delete(SetAside).where(*record))
        still = _in_set_aside(petition.id, Signature.name_tag, Signature.address_tag)
        moved = (*group, Signature.state == SignatureState.INVALID, ~still)
        target = SignatureState.COUNTED
    changed = db.execute(
        update(Signature)
        .where(*moved)
        .values(state=target)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(
        db,
        "petition.marked_invalid" if invalid else "petition.marked_valid",
        object_kind="petition",
        object_id=petition.id,
        reason=f"{kind} group, {changed} signatures",
    )
    return changed


def _seal_group(key: bytes, kind: str, sealed_signer: bytes) -> bytes:
    """What ``SetAside.sealed`` keeps: the name or the address (``kind``) of one signature of
    the group, sealed under the petition's key (review R8-3)."""
    signer = sealing.open_signer(key, sealed_signer)
    return _seal_text(key, kind, signer.name if kind == "name" else signer.address)


def _seal_text(key: bytes, kind: str, text: str) -> bytes:
    kept = sealing.Signer(name=text, address="") if kind == "name" else sealing.Signer("", text)
    return sealing.seal_signer(key, kept)


def _group_tag(hash_key: bytes, kind: str, sealed: bytes, key: bytes) -> bytes:
    """A set-aside's tag under the current normal form, from its sealed text."""
    kept = sealing.open_signer(key, sealed)
    keyed = hashes(hash_key, kept.name, kept.address)
    return keyed.name if kind == "name" else keyed.address


# --- the signature list ---------------------------------------------------------------------


def signature_list(db: Session, petition: Petition) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """Counted signatures grouped by prefecture (JIS order), within one by address and then
    name (normalised, numbers in numeric order), numbered from 1 in that order:
    ``[(prefecture_code, [(number, name, address), …]), …]``.

    Never in the order of signing (review R4-5): the list goes to the addressee, the employer
    side, who could sign at known moments and read every other signer's time from where they
    fall between its own. What the order follows is what is printed, nothing else."""
    rows = db.execute(
        select(Signature.prefecture_code, Signature.sealed).where(
            Signature.petition_id == petition.id, Signature.state == SignatureState.COUNTED
        )
    )
    open_one = sealing.opener(petition_key(petition))
    signers = sorted(
        ((code, open_one(sealed)) for code, sealed in rows),
        key=lambda pair: (pair[0], *_list_order(pair[1].address, pair[1].name)),
    )
    groups: list[tuple[str, list[tuple[int, str, str]]]] = []
    for number, (code, signer) in enumerate(signers, start=1):
        if not groups or groups[-1][0] != code:
            groups.append((code, []))
        groups[-1][1].append((number, signer.name, signer.address))
    return groups


_DIGITS_RE = re.compile(r"(\d+)")


def _list_order(address: str, name: str) -> tuple:
    """The 署名簿's order within a prefecture: the normalised address with its numbers compared
    as numbers (2-1-2 before 10-1), then the normalised name, then the text as printed (two
    signers alike in both still have a fixed order, and one that carries no time)."""

    def natural(text: str) -> tuple:
        parts = _DIGITS_RE.split(text)  # text, digits, text, digits…: digits by value
        return tuple(
            (len(p.lstrip("0")), p.lstrip("0")) if i % 2 else p for i, p in enumerate(parts)
        )

    return (
        natural(japanese.normal_address(address)),
        japanese.normal_name(name),
        address,
        name,
    )


# --- after the normal form changed ---------------------------------------------------------


@dataclass(frozen=True)
class Rehashed:
    """What ``rehash`` did to one petition: rows whose hashes or state changed; rows found to
    be a second signature of a person who already had one (uncounted now, as a repeat is);
    repeats found to be a person of their own (counted now)."""

    changed: int
    repeats: int
    counted: int = 0


# Which row of one person's keeps the person's place (``HOLDING``): one set aside first (a
# set-aside covers the person's repeats, as ``mark_group`` does), then a counted one, then one
# waiting for its link. The others become what a repeat of theirs would have been.
_HOLDER_RANK = {SignatureState.INVALID: 0, SignatureState.COUNTED: 1, SignatureState.PENDING: 2}
_AS_REPEAT = {
    SignatureState.INVALID: SignatureState.REPEAT_CONFIRMED,
    SignatureState.COUNTED: SignatureState.REPEAT_CONFIRMED,
    SignatureState.PENDING: SignatureState.REPEAT,
}


def rehash(db: Session, petition: Petition) -> Rehashed:
    """Work out every signature's hashes again under the current normal form (japanese.py).

    The duplicate check compares hashes, so a signature hashed under a narrower normal form
    (before review R5-1 made ``山田・太郎`` and ``山田 太郎``, or ``TARO`` and ``taro``, one person)
    would not match its own person signing again, in any variant, nor the exact same text where
    the form changed it (``佐々木``, ``Aビル``). Run by ``up_to_date`` before the petition's next
    signer is hashed (and by ``petitions rehash`` for all petitions). Two rows that are now one
    person: one keeps the person's place (``_HOLDER_RANK``), the others become what a repeat is
    (``repeat-confirmed``, or ``repeat`` if it waited for its link, with a value of their own in
    the unique column), so that the person counts once. A repeat that is now a person of its own
    (its text differs from its old holder's where the new form tells them apart, as ``1 23`` and
    ``123``): if acknowledged, it counts, holding its person's place (one per person); if
    waiting, its link will count it. The groups set aside (``SetAside``) are keyed by the old
    tags: each becomes the new tags of the rows that carried its old one and the new tag of
    its own sealed text (``SetAside.sealed``: it holds with no row left, review R8-3; a record
    without it that no row carries stays as it is), and a row that counts in a group set
    aside so is set aside (``_counting``'s rule). Audited, with the numbers. Marks the
    petition as of the current form (``japanese.NORMAL_FORM_VERSION``); ``up_to_date`` runs it
    when the petition is older."""
    if petition.state not in HASHED:
        return Rehashed(0, 0)
    _freeze(db, petition)
    key = petition_key(petition)
    hash_key = sealing.hash_key(key)
    # Every person's place may move: no sign, confirm or withdrawal of the petition runs
    # meanwhile (they share this lock, ``_lock_person``; review R6-4).
    _lock_petition(db, petition.id, shared=False)
    rows = db.execute(
        select(
            Signature.id,
            Signature.state,
            Signature.sealed,
            Signature.signer_hash,
            Signature.name_tag,
            Signature.address_tag,
        ).where(Signature.petition_id == petition.id)
    ).all()
    wanted: dict[int, dict] = {}
    people: dict[bytes, list] = defaultdict(list)  # rows holding a place, by person
    orphans: dict[bytes, list] = defaultdict(list)  # acknowledged repeats, by person
    renamed: dict[tuple[str, bytes], set[bytes]] = defaultdict(set)  # old tag -> new tags
    texts: dict[tuple[str, bytes], str] = {}  # new tag -> a text that gives it
    for row in rows:
        signer = sealing.open_signer(key, row.sealed)
        keyed = hashes(hash_key, signer.name, signer.address)
        renamed["name", row.name_tag].add(keyed.name)
        renamed["address", row.address_tag].add(keyed.address)
        texts.setdefault(("name", keyed.name), signer.name)
        texts.setdefault(("address", keyed.address), signer.address)
        wanted[row.id] = {
            "signer_hash": row.signer_hash,
            "name_tag": keyed.name,
            "address_tag": keyed.address,
            "state": row.state,
        }
        if row.state in _HOLDER_RANK:
            people[keyed.signer].append(row)
        elif row.state == SignatureState.REPEAT_CONFIRMED:
            orphans[keyed.signer].append(row)
    repeats = counted = 0
    for person, held in people.items():
        held.sort(key=lambda row: (_HOLDER_RANK[row.state], row.id))
        wanted[held[0].id]["signer_hash"] = person
        for extra in held[1:]:
            wanted[extra.id]["signer_hash"] = _repeat_hash(key, secrets.token_urlsafe(32))
            wanted[extra.id]["state"] = _AS_REPEAT[extra.state]
            repeats += extra.state != SignatureState.INVALID
    for person, acknowledged in orphans.items():
        if person not in people:
            heir = min(acknowledged, key=lambda row: row.id)
            wanted[heir.id].update(signer_hash=person, state=SignatureState.COUNTED)
            counted += 1
    # A record becomes the new tags of the rows that carried its old one, and the tag of its
    # own sealed text under the new form: so it holds even when no row of it is left (review
    # R8-3). A record of before the text was kept, that no row carries, stays as it is.
    old_aside = db.execute(
        select(SetAside.kind, SetAside.tag, SetAside.sealed).where(
            SetAside.petition_id == petition.id
        )
    ).all()
    sealed_of: dict[tuple[str, bytes], bytes | None] = {}
    for kind, tag, sealed in old_aside:
        for new in renamed.get((kind, bytes(tag)), set()):
            sealed_of.setdefault((kind, new), None)
        if sealed is not None:
            sealed_of[kind, _group_tag(hash_key, kind, sealed, key)] = bytes(sealed)
        elif (kind, bytes(tag)) not in renamed:
            sealed_of.setdefault((kind, bytes(tag)), None)
    for (kind, new), sealed in sealed_of.items():
        if sealed is None and (kind, new) in texts:
            sealed_of[kind, new] = _seal_text(key, kind, texts[kind, new])
    aside = set(sealed_of)
    for values in wanted.values():
        if values["state"] == SignatureState.COUNTED and (
            ("name", values["name_tag"]) in aside or ("address", values["address_tag"]) in aside
        ):
            values["state"] = SignatureState.INVALID
    if aside != {(kind, bytes(tag)) for kind, tag, _ in old_aside}:
        db.execute(delete(SetAside).where(SetAside.petition_id == petition.id))
        db.add_all(
            SetAside(petition_id=petition.id, kind=k, tag=t, sealed=sealed_of[k, t])
            for k, t in sorted(aside)
        )
        db.flush()
    current = {row.id: row for row in rows}
    changing = [
        n for n, values in wanted.items() if values != {f: getattr(current[n], f) for f in values}
    ]
    # The unique column takes a value of its own first, so that no row takes another's
    # hash while that one still holds it.
    for n in changing:
        db.execute(
            update(Signature)
            .where(Signature.id == n)
            .values(signer_hash=_repeat_hash(key, secrets.token_urlsafe(32)))
            .execution_options(synchronize_session=False)
        )
    for n in changing:
        db.execute(
            update(Signature)
            .where(Signature.id == n)
            .values(**wanted[n])
            .execution_options(synchronize_session=False)
        )
    petition.normal_form = japanese.NORMAL_FORM_VERSION
    db.flush()
    db.expire_all()
    if changing:
        audit.record(
            db,
            "petition.rehashed",
            object_kind="petition",
            object_id=petition.id,
            reason=f"{len(changing)} signatures rehashed, {repeats} repeats found, "
            f"{counted} repeats counted as persons of their own",
        )
    return Rehashed(len(changing), repeats, counted)


HASHED = (State.OPEN, State.CLOSED, State.SUBMITTED)  # a petition with signatures' hashes


def up_to_date(db: Session, petition: Petition) -> Rehashed | None:
    """Rehash the petition (``rehash``) if its signatures were hashed under an older normal
    form than the current one (``Petition.normal_form`` below ``japanese.NORMAL_FORM_VERSION``);
    what it did, or None when there was nothing to do.

    Every path that hashes a signer (``sign``, ``confirm``) or hands out or takes the tags
    (``review``, ``mark_group``) calls it first, so no one is compared under the new form with
    rows of the old (a public request refuses instead, ``Outdated``: ``flask init`` runs it for
    every petition at the upgrade, ``up_to_date_all``): after an upgrade that changed the
    form, the person's lock and the duplicate check of the new form missed the person's old
    rows until someone ran ``petitions rehash``, and one person could count twice. The first
    of them rehashes, once: under the petition's lock taken exclusively (PostgreSQL; on
    SQLite the write lock every writing transaction holds), the version is read again, and
    another transaction that was rehashing at the same moment has committed by then, and this
    one finds nothing to do. A call on a petition of the current form costs nothing (the
    loaded row's column)."""
    if petition.state not in HASHED or petition.normal_form >= japanese.NORMAL_FORM_VERSION:
        return None
    _freeze(db, petition)  # before the lock (see ``_freeze``); the rehash moves past counts
    _lock_petition(db, petition.id, shared=False)
    db.refresh(petition, ["normal_form", "state"])
    if petition.state not in HASHED or petition.normal_form >= japanese.NORMAL_FORM_VERSION:
        return None
    return rehash(db, petition)


def _outdated(petition: Petition) -> bool:
    return petition.state in HASHED and petition.normal_form < japanese.NORMAL_FORM_VERSION


def _refuse_if_outdated(petition: Petition) -> None:
    """A public request never rehashes (``Outdated``); staff and the commands do."""
    if _public_request() and _outdated(petition):
        raise Outdated()


def up_to_date_all(db: Session) -> str | None:
    """Bring every petition up to the current normal form (``up_to_date``): the upgrade step,
    a seeder of ``flask init`` run after migrating (review R8-6), so that no public request
    finds a petition on an older form. Flushes only; a line for ``init`` when it rehashed."""
    done = [
        result
        for petition in db.scalars(select(Petition).order_by(Petition.id)).all()
        if _outdated(petition) and (result := up_to_date(db, petition)) is not None
    ]
    if not done:
        return None
    changed = sum(result.changed for result in done)
    return f"Petitions: {len(done)} brought up to the current normal form ({changed} rehashed)."


# --- anonymisation --------------------------------------------------------------------------


def anonymise(db: Session, petition: Petition, *, actor_id: int | None = None) -> int:
    """Delete every signer's name, address, email, hashes and token; keep the counts.

    The rows go, and then the petition's key (crypto-shredding): what a WAL segment or a backup
    still holds of them was sealed under that key, and opens for no one once it is gone.
    The paper batches keep their numbers, but their notes are blanked and the reasons typed for
    their corrections (audit notes) deleted: free text where an officer may well have written
    who collected or signed the sheets (review R7b-5). The published figures stay
    (``PublishedDay``: rounded counts only). Returns how many signature rows were deleted.
    The database files still need scrubbing (``retention.scrub_files``), which the command and
    the button do after the commit.
    """
    if petition.state not in (State.CLOSED, State.SUBMITTED):
        raise PetitionError(_l("Only a closed or submitted petition can be anonymised."))
    _freeze(db, petition)
    for batch in petition.batches:
        batch.note = ""
    audit.forget_notes(db, "paper_batch", [batch.id for batch in petition.batches])
    rows = db.execute(
        select(Signature.prefecture_code, func.count())
        .where(Signature.petition_id == petition.id, Signature.state == SignatureState.COUNTED)
        .group_by(Signature.prefecture_code)
    )
    for code, number in rows:
        db.add(PetitionTally(petition_id=petition.id, prefecture_code=code, online=number))
    deleted = db.execute(delete(Signature).where(Signature.petition_id == petition.id)).rowcount
    db.execute(delete(SetAside).where(SetAside.petition_id == petition.id))  # keyed tags too
    db.execute(delete(QueuedLink).where(QueuedLink.petition_id == petition.id))  # unsent links
    petition.state = State.ANONYMISED
    petition.sealed_key = None
    petition.anonymised_on = today()
    db.flush()
    audit.record(
        db,
        "petition.anonymised",
        object_kind="petition",
        object_id=petition.id,
        reason=f"{deleted} signatures deleted",
        actor_id=actor_id,
    )
    return deleted


def anonymise_due(db: Session) -> list[Petition]:
    """Close the petitions whose closing day has ended; anonymise every petition whose
    deletion day has come; drop stale unconfirmed signatures of open petitions. What the
    cron command runs."""
    close_due(db)
    # A pending one hands its place to an acknowledged repeat (R5-4).
    _remove(
        db,
        Signature.state.in_(WAITING),
        Signature.signed_on < today() - timedelta(days=PENDING_DAYS),
    )
    due = [
        p
        for p in db.scalars(
            select(Petition).where(Petition.state.in_((State.CLOSED, State.SUBMITTED)))
        )
        if p.delete_on <= today()
    ]
    for petition in due:
        anonymise(db, petition)
    return due


def open_petitions(db: Session) -> list[Petition]:
    """Petitions taking signatures, the soonest to close first (the public lists)."""
    stmt = (
        select(Petition)
        .where(Petition.state == State.OPEN, Petition.closes_on >= today())
        .order_by(Petition.closes_on, Petition.id)
    )
    return list(db.scalars(stmt))
