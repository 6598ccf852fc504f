"""Confirmation emails wait in a queue and leave in batches, never in the signing request.

Sent at once, a signer's confirmation gave the SMTP relay's log (Postfix's ``to=<…>,
status=sent``), every hop and the recipient's mail server (the employer's, for a work address)
the signer's address at the second of signing (review R7b-3). So signing only queues it
(``enqueue``, in the signing transaction): the address, the link's token and the page's
language sealed together under the petition's key (``sealing.seal_link``) in a row with a
random id and nothing else (no time, no order; README "No order of signing"). Then
``send_queued`` sends what is queued, in a random order, over one SMTP connection, every
message dated the batch's minute (mail.py), and deletes each row once the server took it.

Who runs it:

* ``flask --app wsgi petitions send-links``, from cron every few minutes: the relay then sees
  a batch at times of cron's, and learns of each address in it only that the person signed
  since the run before. That interval is the trade-off: the longer, the less the relay's
  times say, and the longer a signer waits for the email (the page says it may take a few
  minutes).
* A signing request, after its commit (``after_signing``), so that a newcomer's ``make run``
  needs no cron: at most once per ``PETITION_LINK_FLUSH_MINUTES`` (default 10) in a worker
  process, it sends the links that were queued already at that process's flush before, which
  was that long ago at least, and notes what is queued now for the next one. Never its own
  link, nor any queued since its flush before: sending those would tell the relay, by the
  batch's time, within seconds when they signed (a quiet petition has one signer a minute).
  So every link it sends waited ``PETITION_LINK_FLUSH_MINUTES`` at least, and the batch's time
  (the moment of a signing request) is that of a signer whose own address is not in it. What
  it remembers (the queued rows' random ids) stays in the process's memory; no time of a flush
  is written anywhere. ``0`` turns it off (cron only).

A link that cannot be sent (the server is down, or refuses the address) stays queued for the
next run. Its signature waits meanwhile, and if no email ever goes it is dropped, as every
unconfirmed one is, after ``services.PENDING_DAYS`` (``petitions anonymise``); the run after
that deletes the row (so does any run once its signature no longer waits: withdrawn, dropped,
or the petition anonymised, which deletes the petition's rows itself).
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from nacl.exceptions import CryptoError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.db import random_id
from campaign.petitions import japanese, mail, sealing, services
from campaign.petitions.models import Petition, QueuedLink, Signature

FLUSH_MINUTES = 10  # a signing request sends links queued at least this long ago, this often
REQUEST_BATCH = 200  # at most this many links in one signing request's flush
REMEMBERED = 5000  # at most this many queued ids kept in memory for the next flush


def base_url() -> str | None:
    """The site's public address (``NAISHIN_BASE_URL``), never taken from the request's Host."""
    value = current_app.config.get("BASE_URL") or os.environ.get("NAISHIN_BASE_URL")
    return value.rstrip("/") if value else None


def link_url(token: str) -> str:
    """The emailed link's address: absolute, from the base URL (the token in the query)."""
    path = current_app.url_map.bind("localhost").build("petitions.signature")
    return f"{base_url()}{path}?{urlencode({'token': token})}"


def confirmation_subject() -> str:
    """The same for every petition: the subject line is what a mail server's log and a
    mailbox's list show, so it names no petition (the body does)."""
    return _("Your confirmation link")


def confirmation_text(petition: Petition, link: str, locale: str) -> str:
    """The confirmation email's body, in the signer's language."""
    paragraphs = [
        _('Thank you for signing the petition "%(title)s".', title=petition.title(locale)),
        _(
            "To confirm your signature, open this link and press the button on the page. "
            "Your signature counts once confirmed:"
        ),
        link,
        _(
            "The same page lets you withdraw your signature at any time until the petition "
            "is handed over."
        ),
        _(
            "If you did not sign, ignore this email: without confirmation the signature is "
            "deleted within a week."
        ),
    ]
    return "\n\n".join(paragraphs) + "\n"


def enqueue(db: Session, petition: Petition, *, email: str, token: str, locale: str) -> int:
    """Queue a signature's confirmation email (in the signing transaction); its row's id. The
    address is the one ``services.sign`` keeps: without the characters that show nothing."""
    email = japanese.visible(email)
    row_id = random_id()
    sealed = sealing.seal_link(services.petition_key(petition), sealing.Link(email, token, locale))
    db.execute(
        insert(QueuedLink.__table__).values(id=row_id, petition_id=petition.id, sealed=sealed)
    )
    return row_id


@dataclass
class Batch:
    """What a run did: links ``sent``; ``kept`` for the next run (not sent); ``dropped``: rows
    deleted unsent, their signature no longer waiting."""

    sent: int = 0
    kept: int = 0
    dropped: int = 0
    done: list[int] = field(default_factory=list, repr=False)


def send_queued(db: Session, *, only: list[int] | None = None, limit: int | None = None) -> Batch:
    """Send the queued confirmation emails (``only`` those ids, at most ``limit``, drawn at
    random), in a random order, over one connection; delete the rows sent or no longer wanted.
    The caller commits. On PostgreSQL the rows are locked (``SKIP LOCKED``: a run beside it
    skips them), so two runs at once send each link once; SQLite's write lock does the same.
    Raises ``mail.MailError`` when the server cannot be reached (nothing is changed)."""
    batch = Batch()
    if only is not None and not only:
        return batch
    with mail.connect() as server:  # before the rows are locked: a server that is down costs none
        query = select(QueuedLink.id, QueuedLink.petition_id, QueuedLink.sealed)
        if only is not None:
            query = query.where(QueuedLink.id.in_(only))
        if limit is not None:
            query = query.order_by(func.random()).limit(limit)
        rows = list(db.execute(query.with_for_update(skip_locked=True)))
        secrets.SystemRandom().shuffle(rows)
        sent_at = clock.now().timestamp()
        keys: dict[int, bytes | None] = {}
        try:
            for row in rows:
                message = _message(db, row, keys, sent_at)
                if message is None:
                    batch.dropped += 1
                    batch.done.append(row.id)
                elif server.send(message):
                    batch.sent += 1
                    batch.done.append(row.id)
                else:
                    batch.kept += 1
        except mail.MailError:
            batch.kept = len(rows) - len(batch.done)
            if batch.done:
                db.execute(delete(QueuedLink).where(QueuedLink.id.in_(batch.done)))
            raise
        if batch.done:
            db.execute(delete(QueuedLink).where(QueuedLink.id.in_(batch.done)))
    return batch


def _message(db: Session, row, keys: dict, sent_at: float):
    """The email of one queued row, or None when its signature no longer waits for it."""
    if row.petition_id not in keys:
        petition = db.get(Petition, row.petition_id)
        try:
            keys[row.petition_id] = sealing.unwrap(petition.sealed_key) if petition else None
        except sealing.NoKey:
            keys[row.petition_id] = None
    key = keys[row.petition_id]
    if key is None:
        return None
    try:
        link = sealing.open_link(key, row.sealed)
    except (CryptoError, ValueError):
        return None
    waiting = db.scalar(
        select(Signature.id).where(
            Signature.token_hash == services.token_hash(link.token),
            Signature.state.in_(services.WAITING),
        )
    )
    if waiting is None:
        return None
    petition = db.get(Petition, row.petition_id)
    with force_locale(link.locale):
        body = confirmation_text(petition, link_url(link.token), link.locale)
        subject = confirmation_subject()
    return mail.message(link.email, subject, body, sent_at=sent_at)


def queued(db: Session) -> int:
    """How many confirmation emails wait."""
    return db.scalar(select(func.count()).select_from(QueuedLink)) or 0


# --- the signing request's flush ------------------------------------------------------------


@dataclass
class _Flushes:
    """One process's flushes: when the last was (in memory only) and what was queued then."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last: datetime | None = None
    seen: set[int] = field(default_factory=set)


def flush_minutes() -> float:
    """``PETITION_LINK_FLUSH_MINUTES`` (``NAISHIN_PETITION_LINK_FLUSH_MINUTES``, read at start-up
    by campaign/config.py), default ``FLUSH_MINUTES``."""
    return float(current_app.config.get("PETITION_LINK_FLUSH_MINUTES", FLUSH_MINUTES))


def after_signing(db: Session, own: int | None = None) -> None:
    """A signing request's flush, after its commit (see the module docstring): at most once per
    ``flush_minutes()``, send the links this process saw queued at its flush before (never
    ``own``, the request's own), then remember what is queued now. Commits; never raises."""
    minutes = flush_minutes()
    if minutes <= 0:
        return
    state = current_app.extensions.setdefault("naishin.petition_link_flushes", _Flushes())
    now = clock.now()
    with state.lock:
        if state.last is not None and (now - state.last).total_seconds() < minutes * 60:
            return
        state.last, ready, state.seen = now, state.seen, set()
    ready.discard(own)
    try:
        if ready:
            chosen = list(ready)
            if len(chosen) > REQUEST_BATCH:
                chosen = secrets.SystemRandom().sample(chosen, REQUEST_BATCH)
            done = send_queued(db, only=chosen)
            if done.kept:
                current_app.logger.warning("petitions: a confirmation email could not be sent")
        db.commit()
    except mail.MailError:
        db.commit()
        current_app.logger.warning("petitions: a confirmation email could not be sent")
    except Exception:
        db.rollback()
        current_app.logger.exception("petitions: the confirmation emails' flush failed")
    now_queued = set(db.scalars(select(QueuedLink.id).limit(REMEMBERED)))
    db.commit()
    with state.lock:
        state.seen |= now_queued
