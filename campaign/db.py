"""The database: declarative base, engine set-up, and one session per request.

Services take the session and only flush; the request commits once when it ends well and
rolls back otherwise (see ``finish``). One route works outside the session: a survey answer
is stored on a Core connection of its own, committed before the answer is acknowledged
(surveys/answering.py ``receive``; ``begun`` and ``joined`` below serve it).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; constraint names are stable across databases."""

    metadata = MetaData(naming_convention=NAMING)


# A primary key drawn at random, for rows whose order of arrival must not show (survey slots
# and codes, petition signatures): a sequential id is that order, and so are SQLite's B-tree
# (keyed by it) and any list sorted by it. 62 bits: BIGINT on PostgreSQL, the rowid itself on
# SQLite.
RandomKey = BigInteger().with_variant(Integer, "sqlite")


def random_id() -> int:
    """A primary key that says nothing about when the row was written."""
    return secrets.randbelow(2**62)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned with ``tzinfo=UTC``.

    SQLite has no time zones, so every value is normalised to naive UTC on the way in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def make_engine(url: str, **options) -> Engine:
    """Create an engine with the settings each supported database needs.

    ``hide_parameters``: a failing statement is logged without its values, which would put a
    person's name, an email address or a case's text into the error log. A SQLite file is
    created readable by its owner only (0600), like the keys beside it.
    """
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 15}, **options)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _private_sqlite_file(url: str) -> None:
    """Create the database file (0600) before SQLite does (it would take the umask, often
    0644: world-readable). Its -wal and -shm files take the database file's mode."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))


def read_only_request() -> bool:
    """Whether this request only reads: a GET or HEAD of a public page (``@public``).

    Only those skip the write lock (see ``_tune_sqlite``). Staff pages write even on GET (the
    session's last activity, audit entries of reads), so they keep ``BEGIN IMMEDIATE``.
    """
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    from campaign.access import is_public_endpoint  # access imports this module

    view = current_app.view_functions.get(request.endpoint or "")
    return is_public_endpoint(request.endpoint) and not getattr(view, "writes_on_get", False)


def writes_on_get(view):
    """Mark a public view that writes even when it is only shown (a setup page that stores the
    authenticator secret it shows), so that its GET takes the write lock too."""
    view.writes_on_get = True
    return view


def _tune_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, secure delete; writing transactions take the lock.

    ``BEGIN IMMEDIATE`` is what Rails and Django's SQLite back ends recommend for web apps: a
    deferred transaction that reads and then writes fails with SQLITE_BUSY (without waiting)
    when another connection wrote in between, whereas an immediate one waits its turn. But
    under it every request queues for the one write lock, reads too, so a second worker gains
    nothing. Read-only requests therefore begin a deferred transaction (readers never block
    under WAL, nor are blocked) with ``PRAGMA query_only`` on, so that a write slipping into one
    fails at once in the tests rather than racing for the lock in production.

    Writers of one process queue in turn for the lock (``_writer``) before ``BEGIN IMMEDIATE``.
    SQLite's busy handler does not queue: a waiting connection sleeps and polls, up to 100 ms
    at a time, and whoever polls at the moment the lock is free takes it, so under many
    concurrent writers a new arrival (polling every millisecond) keeps overtaking one that has
    waited long, until its busy timeout runs out: "database is locked" (a 2,000-answer load
    test with 32 clients did it). Threads now wait on a lock that wakes them in turn, and
    SQLite's busy handler is left only for the writers of other processes and for the moment
    of the commit itself (the turn passes on just before ``COMMIT``, so hooks run after a
    commit may write on another connection without waiting on their own request).
    """
    writer = threading.Lock()
    busy_seconds = 15

    def _release(connection_info: dict) -> None:
        if connection_info.pop("naishin.writer", False):
            writer.release()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        record.info["naishin.query_only"] = False  # SQLite's default
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=15000",
            "synchronous=NORMAL",
            "secure_delete=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    def _query_only(connection, wanted: bool) -> None:
        # Only when it changes: setting it makes SQLite discard every compiled statement of
        # the connection, and compiling the answer route's again cost more than running it.
        if connection.info.get("naishin.query_only") is not wanted:
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if wanted else 'OFF'}")
            connection.info["naishin.query_only"] = wanted

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if read_only_request():
            _query_only(connection, True)
            connection.exec_driver_sql("BEGIN")
        else:
            _query_only(connection, False)
            if writer.acquire(timeout=busy_seconds):
                connection.info["naishin.writer"] = True
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(connection.info)
                raise

    @event.listens_for(engine, "commit")
    def _on_commit(connection):
        _release(connection.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection):
        _release(connection.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        _release(record.info)  # a connection given back without commit or rollback


def vacuum_sqlite(engine: Engine) -> None:
    """Rebuild a SQLite database file from its live rows (``VACUUM``) and empty its WAL
    (``wal_checkpoint(TRUNCATE)``): with ``secure_delete`` on, nothing of a deleted row stays in
    the file or the log. What the retention jobs run after deleting (cases, petitions)."""
    # On the driver's own connection: SQLAlchemy would wrap the statements in BEGIN.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def checkpoint_sqlite(engine: Engine) -> bool:
    """Empty a SQLite database's WAL into its file and truncate it (``wal_checkpoint(TRUNCATE)``)
    without waiting: its busy timeout is 0 meanwhile, so a reader or writer holding the log makes
    it give up at once rather than hold back the writers queued behind it. With
    ``secure_delete`` on, the rows deleted before it then leave neither the file nor the log.
    True when the checkpoint finished (False: busy; the next one takes what is left)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            cursor.execute("PRAGMA busy_timeout = 15000")
            cursor.close()
    finally:
        raw.close()
    return not busy


# What keeps VACUUM FULL from dropping rows deleted before ``horizon``: a session of this
# database with an older snapshot (it may still see them), or a transaction anywhere on the
# server holding an older transaction id (every new snapshot, VACUUM FULL's own included, then
# starts below it, so the deleted rows count as "recently dead" and are copied to the new file).
_OLDER_TRANSACTIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ("
    "(backend_xid IS NOT NULL AND age(backend_xid) > age(CAST(CAST(:horizon AS text) AS xid))) "
    "OR (datname = current_database() AND backend_xmin IS NOT NULL "
    "AND age(backend_xmin) > age(CAST(CAST(:horizon AS text) AS xid))))"
)


def vacuum_full(
    engine: Engine,
    tables: Sequence[str],
    *,
    wait: float = 10.0,
    lock_timeout: str | None = None,
    checkpoint: bool = False,
) -> bool:
    """PostgreSQL: rewrite ``tables`` into new files from their live rows only (``VACUUM FULL``),
    after waiting up to ``wait`` seconds for every transaction older than the call to end.

    A plain VACUUM marks a deleted row's space free and leaves its bytes; VACUUM FULL copies
    only the rows someone may still see, and while any older transaction is open, anywhere on
    the server, the rows deleted before it still count as visible and are copied. Returns False
    when such a transaction outlasted the wait (the caller says the rows may remain; the next
    run removes them), True when the new files hold nothing deleted before the call."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        horizon = connection.execute(
            text("SELECT pg_snapshot_xmax(pg_current_snapshot())")
        ).scalar()
        deadline = time.monotonic() + wait
        clean = True
        while connection.execute(_OLDER_TRANSACTIONS, {"horizon": horizon}).scalar():
            if time.monotonic() > deadline:
                clean = False
                break
            time.sleep(0.05)
        if lock_timeout:  # reset below: the connection goes back to the pool
            connection.execute(text(f"SET lock_timeout = '{lock_timeout}'"))
        try:
            for table in tables:
                connection.execute(text(f"VACUUM FULL {table}"))
            if checkpoint:
                connection.execute(text("CHECKPOINT"))
        finally:
            if lock_timeout:
                connection.execute(text("RESET lock_timeout"))
    return clean


def init_app(app: Flask) -> None:
    """Bind an engine and a session factory to the app; close the session after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["naishin.engine"] = engine
    app.extensions["naishin.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["naishin.engine"]


def session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db" not in g:
        g.db = current_app.extensions["naishin.sessionmaker"]()
    return g.db


def finish(status_code: int) -> None:
    """The request's one commit (``after_request``, campaign/__init__.py).

    The contract every view and service relies on: services only flush; a request commits
    once, here, when its status is below 500 (a 400 that re-shows a form still keeps what the
    request recorded, such as a failed login's audit entry), and rolls back at 500 or above.
    A view that catches a service's domain error and answers below 500 runs the call inside
    ``attempt()``, so that what the service wrote before it raised is rolled back and only
    the rest of the request is committed (tests/platform/test_commit_once.py).
    """
    db = g.get("db")
    if db is None or not db.in_transaction():  # nothing begun, or committed by the view
        return
    if status_code < 500:
        db.commit()
    else:
        db.rollback()


def begun(db: Session | Connection) -> Connection:
    """The Core connection under ``db``, in its transaction: a session's (``connection()``
    begins one), or ``db`` itself when it is a connection, begun here if it is not yet.

    Begun explicitly: a statement run on the driver's own cursor would otherwise open a
    transaction SQLAlchemy does not know of, which its ``commit()`` would skip, and on SQLite
    without the write lock that SQLAlchemy's begin takes (``_tune_sqlite``)."""
    if isinstance(db, Session):
        return db.connection()
    if not db.in_transaction():
        db.begin()
    return db


def bind_of(db: Session | Connection) -> Engine:
    """The engine a session or a connection runs on."""
    return db.get_bind() if isinstance(db, Session) else db.engine


@contextmanager
def joined(db: Session | Connection) -> Iterator[Session]:
    """A session for ORM work inside a connection's transaction (a session is used as is).

    The session joins the transaction and leaves it to the connection's owner: closing it
    neither commits nor ends it (SQLAlchemy's ``join_transaction_mode="rollback_only"``)."""
    if isinstance(db, Session):
        yield db
        return
    session = Session(bind=begun(db), join_transaction_mode="rollback_only")
    try:
        yield session
        session.flush()
    finally:
        session.close()


def insert_missing(db: Session, model, values: dict, *, key: tuple[str, ...]) -> None:
    """Insert the row of ``model`` with ``values`` unless one with the same ``key`` columns
    exists, without an error when a concurrent request inserts it first (``ON CONFLICT DO
    NOTHING``, which SQLite and PostgreSQL both have). A get-or-create that adds the row it did
    not find loses that race on PostgreSQL with a unique violation (a 500); this cannot."""
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=list(key)))


def deadlocked(error: BaseException) -> bool:
    """PostgreSQL ended a deadlock by failing this transaction's statement (SQLSTATE 40P01):
    once rolled back, the same work run again goes through."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) == "40P01"


@contextmanager
def attempt() -> Iterator[None]:
    """Run one service call in a savepoint: if it raises, what it wrote is undone (and the
    exception goes on to the view); if it returns, its writes join the request's commit::

        try:
            with db.attempt():
                services.create_case(db.session(), ...)
        except services.CaseError as error:
            form.form_errors.append(str(error))   # answered 400: nothing of the case stays
    """
    nested = session().begin_nested()
    try:
        yield
    except BaseException:
        if nested.is_active:
            nested.rollback()
        raise
    if nested.is_active:
        nested.commit()


def _close(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    # Rolls back whatever ``finish`` did not commit. A session that committed and holds no
    # object has nothing to give back (the commit returned its connection to the pool).
    if db is not None and (db.in_transaction() or db.identity_map):
        db.close()
