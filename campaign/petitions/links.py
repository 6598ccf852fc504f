"""Confirmation emails wait in a queue and leave in batches, never in the signing request.

Sent at once, a signer's confirmation gave the SMTP relay's log (Postfix's ``to=<…>,
status=sent``), every hop and the recipient's mail server (the employer's, for a work address)
the signer's address at the second of signing (review R7b-3). So signing only queues it
(``enqueue``, in the signing transaction): the address, the link's token and the page's
language sealed together under the petition's key (``sealing.seal_link``) in a row with a
random id and nothing else (no time, no order; README "No order of signing"). Then
``send_queued`` sends what is queued, in a random order, over one SMTP connection, every
message dated the batch's minute (mail.py), and deletes each row once the server took it.

Who runs it, never a request (review R8-1, R8-2): a flush inside a signing request made every
batch's time a signing moment, so on a quiet petition the relay read, from the batch after,
that its one address signed at the second of the batch before; and a stalled relay held the
signer's page for the SMTP timeout. So:

* ``flask --app wsgi petitions send-links``, from cron every few minutes: the relay then sees
  a batch at times of cron's, and learns of each address in it only that the person signed
  since the run before. That interval is the trade-off: the longer, the less the relay's
  times say, and the longer a signer waits for the email (the page says up to a quarter of
  an hour).
* A sender thread in each gunicorn worker (``start_sender``, registered in views.py as a worker
  start, which campaign/gunicorn_conf.py's ``post_worker_init`` runs; never from ``create_app``,
  so tests and commands start none), so that a deployment without cron (and ``make run``) still
  sends: it sleeps a random time drawn uniformly between half and one and a half
  ``PETITION_LINK_FLUSH_MINUTES`` (default 10; ``0`` starts no thread: cron only), then does
  what ``send-links`` does. Its moments are its own draws, unrelated to any request, so the
  relay learns what it learns from cron's: that each address in a batch signed since the batch
  before. Several workers (and cron beside them) send each link once: ``SKIP LOCKED`` on
  PostgreSQL, a file lock beside the database on SQLite (``send_queued``: no writer waits for
  the relay). A failure is logged by the thread, as one line with a count (its time is the
  thread's, not a signer's; quietlog.py is for lines written inside a request).

Every run (``run``) refuses to send without a base URL (``NAISHIN_BASE_URL``; review R8-7:
the link would read ``None/…`` and its row be deleted), opens no SMTP connection when nothing
is queued (an empty connection is a time in the relay's log too), and after deleting rows
scrubs the queue's table from the database files (``scrub``; review R8-4).

A link that cannot be sent (the server is down, or refuses the address) stays queued for the
next run. Its signature waits meanwhile, and if no email ever goes it is dropped, as every
unconfirmed one is, after ``services.PENDING_DAYS`` (``petitions anonymise``); the run after
that deletes the row (so does any run once its signature no longer waits: withdrawn, dropped,
or the petition anonymised, which deletes the petition's rows itself).
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from nacl.exceptions import CryptoError
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from campaign import clock
from campaign import db as database
from campaign.db import random_id
from campaign.petitions import japanese, mail, sealing, services
from campaign.petitions.models import Petition, QueuedLink, Signature

FLUSH_MINUTES = 10  # the sender thread wakes every 0.5 to 1.5 times this many minutes
SCRUB_WAIT = 2.0  # seconds a run's VACUUM FULL waits for older transactions (PostgreSQL)
SCRUB_LOCK_TIMEOUT = "2s"  # and for the queue table's lock: signing requests insert into it
log = logging.getLogger(__name__)


class NoBaseURL(Exception):
    """``NAISHIN_BASE_URL`` is unset: a link would have no address, so nothing is sent."""


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
    The caller commits. Opens no connection when nothing is queued. Raises ``NoBaseURL``
    without a base URL and ``mail.MailError`` when the server cannot be reached (a connection
    that fails midway: the rows sent are deleted, the error's ``batch`` says what was done).

    No writer waits for the relay (review R8-8: on SQLite the run held the one write lock, the
    ``BEGIN IMMEDIATE`` of every writing transaction, through the whole SMTP conversation, and
    a signer waited 7 s behind four slow messages). PostgreSQL: the rows are locked (``SKIP
    LOCKED``: a run beside it skips them) while they are sent, which holds back no one else.
    SQLite: the rows are read and their emails made, the transaction ends (the write lock goes),
    the emails are sent, and the rows sent are deleted in a short transaction of their own;
    two runs at once (cron's and a worker's thread) would then send the same links, so a run
    first takes a file lock beside the database, and a run that finds it taken does nothing.
    A run killed while sending leaves its rows queued: their emails go again at the next run
    (twice, never lost)."""
    if only is not None and not only:
        return Batch()
    if base_url() is None:
        raise NoBaseURL
    if db.get_bind().dialect.name != "sqlite":
        return _send(db, only, limit, release=False)
    with _one_run_at_a_time(db.get_bind().url.database) as alone:
        return _send(db, only, limit, release=True) if alone else Batch()


def _send(db: Session, only, limit, *, release: bool) -> Batch:
    batch = Batch()
    query = select(QueuedLink.id, QueuedLink.petition_id, QueuedLink.sealed)
    if only is not None:
        query = query.where(QueuedLink.id.in_(only))
    if limit is not None:
        query = query.order_by(func.random()).limit(limit)
    rows = list(db.execute(query.with_for_update(skip_locked=True)))
    secrets.SystemRandom().shuffle(rows)
    sent_at = clock.now().timestamp()
    keys: dict[int, bytes | None] = {}
    emails = []
    for row in rows:
        message = _message(db, row, keys, sent_at)
        if message is None:  # its signature no longer waits: the row goes unsent
            batch.dropped += 1
            batch.done.append(row.id)
        else:
            emails.append((row.id, message))
    if release:
        db.commit()  # SQLite: the write lock goes before the relay is spoken to
    try:
        if emails:  # none: no connection at all (the relay logs an empty one with its time)
            with mail.connect() as server:
                for row_id, message in emails:
                    if server.send(message):
                        batch.sent += 1
                        batch.done.append(row_id)
                    else:
                        batch.kept += 1
    except mail.MailError as error:
        batch.kept = len(emails) - batch.sent
        error.batch = batch
        raise
    finally:
        if batch.done:
            db.execute(delete(QueuedLink).where(QueuedLink.id.in_(batch.done)))
    return batch


@contextmanager
def _one_run_at_a_time(database_path: str | None):
    """SQLite: an exclusive lock on a file beside the database, without waiting; yields whether
    this run holds it (a database in memory: a lock of this process)."""
    if not database_path or database_path == ":memory:":
        alone = _memory_lock.acquire(blocking=False)
        try:
            yield alone
        finally:
            if alone:
                _memory_lock.release()
        return
    with open(f"{database_path}.links-lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_memory_lock = threading.Lock()


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


# --- a run: cron's ``send-links`` and the sender thread --------------------------------------


def scrub(engine: Engine) -> bool:
    """Remove what the deleted queue rows (sealed address and token) leave in the database files:
    SQLite (``secure_delete`` on) checkpoints the WAL into the file and truncates it, without
    waiting for a busy log; PostgreSQL rewrites ``petition_link_queue`` (``VACUUM FULL``), waiting
    at most ``SCRUB_WAIT`` s for older transactions and ``SCRUB_LOCK_TIMEOUT`` for its lock. Best
    effort: False when something may remain (the next run's scrub, and at the latest the
    petition's anonymisation, retention.py, removes it)."""
    try:
        if engine.dialect.name == "sqlite":
            return database.checkpoint_sqlite(engine)
        if engine.dialect.name == "postgresql":
            return database.vacuum_full(
                engine,
                ("petition_link_queue",),
                wait=SCRUB_WAIT,
                lock_timeout=SCRUB_LOCK_TIMEOUT,
            )
    except Exception:  # a lock that timed out: the rows stay sealed until the next run
        return False
    return True


def run(session: Session) -> tuple[Batch, bool]:
    """One run (``send-links``, the sender thread): send what is queued, commit, then scrub when
    rows were deleted; the batch and whether the files are clean. Raises ``NoBaseURL`` (nothing
    read, nothing changed) and ``mail.MailError`` (after committing and scrubbing what was done)."""
    try:
        batch = send_queued(session)
    except mail.MailError as error:
        session.commit()
        done = getattr(error, "batch", None)
        if done is not None and done.done:
            scrub(database.engine())
        raise
    session.commit()
    clean = scrub(database.engine()) if batch.done else True
    return batch, clean


def flush_minutes(app: Flask | None = None) -> float:
    """``PETITION_LINK_FLUSH_MINUTES`` (``NAISHIN_PETITION_LINK_FLUSH_MINUTES``, read at start-up
    by campaign/config.py), default ``FLUSH_MINUTES``: the sender thread's mean interval."""
    config = (app or current_app).config
    return float(config.get("PETITION_LINK_FLUSH_MINUTES", FLUSH_MINUTES))


def next_wait(minutes: float) -> float:
    """Seconds until the sender thread's next run: uniform in [0.5, 1.5] × ``minutes``."""
    return secrets.SystemRandom().uniform(0.5, 1.5) * minutes * 60


@dataclass
class Sender:
    """A process's sender thread (``start_sender``): its stop flag and its failures' count."""

    stop: threading.Event = field(default_factory=threading.Event)
    failures: int = 0
    thread: threading.Thread | None = None


def send_once(app: Flask, sender: Sender | None = None) -> Batch | None:
    """One run of the sender thread, in an app context of its own; never raises. A failure (no
    base URL, the server down, anything else) keeps the rows, and is counted and logged as one
    line naming the kind of failure only."""
    with app.app_context():
        session = database.session()
        try:
            batch, clean = run(session)
        except Exception as error:  # the thread must go on; the rows stay queued
            session.rollback()
            if sender is not None:
                sender.failures += 1
            if isinstance(error, NoBaseURL):
                reason = "NAISHIN_BASE_URL is unset"
            elif isinstance(error, mail.MailError):
                reason = f"the mail server could not be reached: {error}"
            else:
                reason = type(error).__name__
            count = sender.failures if sender is not None else 1
            log.warning("petitions: the link sender sent nothing (%s; failures: %d)", reason, count)
            return None
        if batch.kept and sender is not None:
            sender.failures += 1
        if batch.kept:
            log.warning("petitions: a confirmation email could not be sent; kept for the next run")
        if not clean:
            log.warning("petitions: sent links' rows may stay in the files until the next run")
        return batch


def _loop(app: Flask, sender: Sender, minutes: float) -> None:
    while not sender.stop.wait(next_wait(minutes)):
        send_once(app, sender)


def start_sender(app: Flask) -> Sender | None:
    """Start this process's sender thread (a daemon), unless ``PETITION_LINK_FLUSH_MINUTES`` is
    0; gunicorn's ``post_worker_init`` calls it in each worker (campaign/gunicorn_conf.py)."""
    minutes = flush_minutes(app)
    if minutes <= 0:
        return None
    sender = Sender()
    sender.thread = threading.Thread(
        target=_loop, args=(app, sender, minutes), name="naishin-link-sender", daemon=True
    )
    sender.thread.start()
    app.extensions["naishin.link_sender"] = sender
    return sender
