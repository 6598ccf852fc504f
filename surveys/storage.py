"""Where sealed answers rest: preallocated slots, filled in random places (SECURITY.md promise 3).

The design, and why it keeps no arrival order in any byte at any moment
----------------------------------------------------------------------
When a survey opens, its storage is made at once: ``capacity`` *slots*, each holding a sealed
answer's worth of random bytes (a sealed box is indistinguishable from random bytes, so a slot
that holds filler and one that holds an answer look alike). A slot is cut into fixed *parts* of
at most ``PART`` bytes, one row each, so that no row ever needs more room than one database page:

- SQLite: a row of a rowid table up to about 4,000 bytes stays in its B-tree page (no overflow
  page, which is what SQLite allocates in arrival order). An ``UPDATE`` that keeps the row's size
  is written over the old cell in place (``btreeOverwriteCell``), so filling a slot changes no
  page but the slot's own, and the slot's place in the file was fixed before any answer came.
- PostgreSQL: rows stay below the 2 kB TOAST threshold and the column's storage is ``PLAIN``, so
  nothing goes to a TOAST table (whose chunks would be appended in arrival order); the table's
  ``fillfactor`` leaves room in every page for the new version of its rows, so an ``UPDATE`` is
  a HOT update into the same page. A slot's heap page is fixed when the survey opens.

Slots are numbered 0 to capacity - 1 (each row's place in the file was drawn at random when it
was written, so a number says nothing of a place). An answer draws ``CANDIDATES`` slot numbers
uniformly and independently and takes the first of them that is free, by a conditional ``UPDATE
… WHERE NOT filled`` (two requests racing for one slot: one wins, the other draws again): the
first free slot of a sequence of uniform draws is uniform over the free ones, and no index says
which slots are free, so an answer writes its own rows and nothing else (no count, no index entry
that moves). Where an answer lies in the file therefore says nothing of when it came. ``filled``
is a flag, not a time.

Why a random free slot is enough: the i-th answer goes to a slot drawn uniformly from the free
ones, and the free set is itself a uniformly random subset of the slots, so by symmetry every
answer's slot is uniform over all slots, whatever its rank in arrival, the last one included.
When every one of an answer's draws finds its slot filled (which becomes likely only once most
slots are taken: at three quarters full, one answer in a hundred), the storage grows by one step
(an eighth, 256 to 2,048 slots) in a short transaction of its own; ``grow`` inserts each new
slot at a uniformly random place among the slots (an inside-out Fisher–Yates step), so that no
answer's place tells whether it came before or after a growth, without reading which slots are
filled and without rewriting the whole survey. Adding invitation codes grows the storage the
same way. At close, ``shuffle`` moves every answer to a fresh random slot in batches of short
transactions (after which no page of PostgreSQL's heap keeps even the order of its own few
rows' updates). A survey starts with room for twice the answers headquarters expects when it
opens it (``slots_for``; ``DEFAULT_CAPACITY``, 512, when it says nothing), so that a survey
sized right never grows while its answers arrive.

The logs: SQLite's WAL is checkpointed and truncated after each answer's commit
(``PRAGMA wal_checkpoint(TRUNCATE)``), so a copy of it holds at most the answer being written
(when a long reader blocks the checkpoint, the few answers since; they lie in arrival order for
those moments only). PostgreSQL's own write-ahead log (pg_wal) records every transaction in
commit order until its segments are recycled: that is outside what a table design can change,
and is written down as a limit in the README.

Reading: ``iter_sealed`` returns the filled slots ordered by their random slot number.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import secrets
import threading
import weakref
from collections.abc import Iterator

from psycopg.types.numeric import Int4
from sqlalchemy import Connection, bindparam, create_engine, event, func, select, text
from sqlalchemy.orm import Session

from campaign import clock
from campaign.db import UTCDateTime, begun, bind_of, joined, vacuum_full
from surveys.models import PART, Slot, Survey

DEFAULT_CAPACITY = 512
EXPECTED_MAX = 10_000  # answers a survey may be opened for at once (20,000 slots, about 1.5 s)
MIN_GROW_STEP, MAX_GROW_STEP = 256, 2048
CANDIDATES = 16  # slot numbers an answer draws; all of them taken: the storage grows a step
# Not the app's logger: a close runs from commands and jobs without an app context too.
log = logging.getLogger(__name__)


def parts_of(length: int) -> list[int]:
    """The sizes of the parts of a sealed answer of ``length`` bytes."""
    count = math.ceil(length / PART)
    sizes = [PART] * count
    sizes[-1] = length - PART * (count - 1)
    return sizes


def _shuffled(items: list) -> list:
    """``items`` in a uniformly random order: sorted by 128-bit keys from the system's random
    source, drawn in one call (SystemRandom's shuffle drew once per item, a few milliseconds a
    growth step)."""
    keys = secrets.token_bytes(16 * len(items))
    order = sorted(range(len(items)), key=lambda n: keys[16 * n : 16 * n + 16])
    return [items[n] for n in order]


def _split(sealed: bytes) -> list[bytes]:
    return [sealed[i : i + PART] for i in range(0, len(sealed), PART)]


def _new_slot_numbers(db: Session, survey_id: int, count: int) -> list[int]:
    """The numbers of ``count`` new slots: the next ones after the survey's last."""
    start = capacity(db, survey_id)
    return list(range(start, start + count))


def slots_for(expected: int | None) -> int:
    """The slots a survey opens with: room for twice the answers headquarters expects, at least
    ``DEFAULT_CAPACITY``. Half full after the last expected answer, an answer's first draw
    finds a free slot one time in two, and every one of its ``CANDIDATES`` draws a filled one
    about once in 65,000 answers, so the storage does not grow while the answers come (a
    growth step holds the write lock for 15 to 100 ms here). More answers than expected are
    taken as always: the storage grows a step when it must."""
    if not expected:
        return DEFAULT_CAPACITY
    return max(DEFAULT_CAPACITY, 2 * min(int(expected), EXPECTED_MAX))


def allocate(db: Session, survey: Survey, count: int) -> None:
    """Add ``count`` slots of random filler to the survey's storage, in a random order."""
    _insert_slots(db, survey, dict.fromkeys(_new_slot_numbers(db, survey.id, count)))


_KEY_SPREAD = 2**24  # the most a new row's key lies above the one before
_KEY_MAX = 2**63 - 1


def _insert_slots(db: Session, survey: Survey, contents: dict[int, list[bytes] | None]) -> None:
    """Write new slots: ``contents`` maps each new slot number to the parts of the answer it
    takes (moved there by ``grow``), or to ``None`` for fresh filler.

    The slots go in a random order (each slot's parts together), and their random keys are
    drawn above every key of the
    table, in that order: SQLite appends them to the file's last pages (keys drawn over the
    whole range made it split a random page of the table for every row: for 256 slots the
    commit and checkpoint took 42-60 ms, against 16-20 ms appended). A key then tells which
    growth made its slot, as the slot's number does, and nothing of any answer: ``grow``
    leaves every arrangement of the answers over all the slots equally likely.
    """
    sizes = parts_of(survey.sealed_size)
    filler = memoryview(secrets.token_bytes(sum(sizes) * len(contents)))
    slots, at = [], 0
    for number, answer in contents.items():
        parts = []
        for part, size in enumerate(sizes):
            data = answer[part] if answer is not None else bytes(filler[at : at + size])
            at += size
            row = {"survey_id": survey.id, "slot": number, "part": part}
            parts.append({**row, "filled": answer is not None, "data": data})
        slots.append(parts)
    # The slots in a random order, each slot's parts side by side: an answer then writes one
    # page, not one page a part (the parts shuffled apart made every answer write two pages of
    # SQLite's file and two of PostgreSQL's heap, each copied whole to the log once a
    # checkpoint had passed).
    rows = [row for parts in _shuffled(slots) for row in parts]
    key = int(db.scalar(select(func.coalesce(func.max(Slot.id), 0))))
    if key + _KEY_SPREAD * len(rows) <= _KEY_MAX:
        gaps = secrets.token_bytes(3 * len(rows))  # each key 1 to 2**24 above the one before
        for n, row in enumerate(rows):
            key += 1 + int.from_bytes(gaps[3 * n : 3 * n + 3])
            row["id"] = key
    else:  # pragma: no cover - only after about a billion growths
        for row in rows:
            row["id"] = secrets.randbelow(2**62)
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, rows)
        return
    for first in range(0, len(rows), 500):
        db.execute(Slot.__table__.insert(), rows[first : first + 500])


_COLUMNS = ("id", "survey_id", "slot", "part", "filled", "data")
_COPY = f"COPY survey_slots ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)"


def _copy_rows(connection, rows: list[dict]) -> None:
    """PostgreSQL: write the rows with one binary ``COPY``, in the order given (a growth step's
    rows took about 40% less time than as multi-row ``INSERT``s: no statement text to parse, no
    hex-encoded bytes)."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(_COPY) as copy:
            copy.set_types(["int8", "int4", "int4", "int4", "bool", "bytea"])
            for row in rows:
                copy.write_row(tuple(row[column] for column in _COLUMNS))
    finally:
        cursor.close()


def capacity(db: Session | Connection, survey_id: int) -> int:
    """How many slots a survey has (they are numbered from 0: one step down an index)."""
    return int(db.scalar(_CAPACITY, {"survey": survey_id}))


def filled_count(db: Session, survey_id: int) -> int:
    """How many answers a survey holds."""
    return int(
        db.scalar(
            select(func.count()).where(
                Slot.survey_id == survey_id, Slot.part == 0, Slot.filled.is_(True)
            )
        )
        or 0
    )


class NotTaking(Exception):
    """The survey does not take answers now (closed, not yet open, reopened under another key):
    raised by ``store(..., check_open=True)``, which wrote nothing."""


class StoreAgain(Exception):
    """PostgreSQL: the storage must grow, and this transaction may hold a lock on a slot that
    another answer filled first. The caller rolls back (which frees the lock) and stores again,
    redoing whatever else its transaction did (``answering.submit`` spends the code again).

    Why: an ``UPDATE`` that waited for another transaction's row and then found it no longer
    matching (READ COMMITTED re-checks the newest version) writes nothing, but keeps the lock it
    took on that row until its transaction ends. A growth step may move that very slot's
    answer, so it would wait for this transaction, which would be waiting for the growth: a
    cycle through this process that PostgreSQL cannot see (the 2,000-answer load test hung on
    it once in about eight runs). Growing only from a transaction that holds no such lock
    breaks it."""


def store(
    db: Session | Connection, survey: Survey, sealed: bytes, *, check_open: bool = False
) -> None:
    """Put one sealed answer into a free slot chosen at random (grow first if needed).

    The answer draws ``CANDIDATES`` slot numbers below the capacity (each a 64-bit draw from
    ``secrets`` mod capacity: the modulo's bias, below capacity/2**64, is nil) and takes the
    first free one in the order drawn, all in one statement (``_pg_take``: one round trip;
    ``_sqlite_take``, which looks the drawn slots up in turn and stops at the first free one).
    The capacity is what this process last saw (``_capacity_seen``); the statement writes only
    if it is still the survey's, else the answer draws again below the new one. If every drawn
    slot is filled, the storage grows a step and the answer draws again. Another request that
    took the same slot first (only on PostgreSQL, where answers write at once; SQLite's write
    lock is held) makes this one draw again; if the storage must then grow, ``StoreAgain`` is
    raised instead and the caller stores again from a fresh transaction.

    With ``check_open`` the same statement checks that the survey takes answers at this moment
    under this public key (its state and dates as the database holds them now), and raises
    ``NotTaking`` if not: the answer route then need not read the survey first.

    ``db`` is a session or a Core connection (the answer route's: campaign/db.py ``begun``);
    the answer joins its transaction, which the caller commits.
    """
    if len(sealed) != survey.sealed_size:
        raise ValueError("wrong length")
    pieces = _split(sealed)
    connection = begun(db)
    postgres = connection.dialect.name == "postgresql"
    number = Int4 if postgres else int  # one type whatever the value (note above _sqlite_take)
    now = clock.now()
    values = {
        "survey": number(survey.id),
        "check": check_open,
        "key": survey.public_key,
        "now": _bind_processor(connection.dialect)(now),
        **{f"p{n}": piece for n, piece in enumerate(pieces)},
    }
    seen = _capacity_seen(connection.engine)
    room = seen.get(survey.id) or capacity(connection, survey.id)
    take = (_pg_take if postgres else _sqlite_take)(len(pieces))
    driver = connection.connection.driver_connection
    raced = False  # PostgreSQL: an UPDATE of this transaction lost a slot (see StoreAgain)
    for _attempt in range(50):
        values["room"] = number(room)
        drawn = _draw(room)
        if postgres:  # as an array literal: a list's 16 numbers took psycopg 15 µs to type
            values["draws"] = "{" + ",".join(map(str, drawn)) + "}"
        else:
            values.update({f"s{n}": slot for n, slot in enumerate(drawn)})
        cursor = driver.cursor()
        try:
            if postgres:
                cursor.execute(take, values, prepare=True)
                picked, taken, rest = cursor.fetchone()  # rest is 0 unless part 0 was taken
                written = taken + rest
                raced = raced or (picked and not taken)
            else:
                cursor.execute(take, values)
                written = cursor.rowcount
        finally:
            cursor.close()
        if written == len(pieces):
            seen[survey.id] = room
            return
        if postgres and taken:  # pragma: no cover - the other parts follow the first, always
            raise RuntimeError("a slot's parts disagree")
        # Nothing written (rare: every drawn slot is filled with probability fill**CANDIDATES,
        # a growth, a race for one slot, a survey that closed): find out why.
        asked = {"survey": survey.id, "check": check_open, "key": survey.public_key, "now": now}
        if postgres:
            asked["draws"] = drawn
            taking, now_room, free = connection.execute(_TAKING_ROOM_FREE, asked).one()
        else:
            # The write lock is held, so no other answer raced: with the survey taking answers
            # and the capacity unchanged, every drawn slot was filled.
            taking, now_room = connection.execute(_TAKING_ROOM, asked).one()
            free = False
        if not taking:
            raise NotTaking
        if now_room != room:  # grown (or made) since this process last looked
            room = now_room
            continue
        if not free:  # every drawn slot is filled (else another answer took ours first)
            if raced:
                raise StoreAgain
            _grow_before_answering(db, survey, room)
            room = capacity(connection, survey.id)
    raise RuntimeError("no free slot found")  # pragma: no cover


def _draw(room: int) -> list[int]:
    """``CANDIDATES`` slot numbers below ``room``, uniform and independent: each a 64-bit draw
    from ``secrets`` mod ``room`` (the modulo's bias, below room/2**64, is nil)."""
    draws = secrets.token_bytes(8 * CANDIDATES)
    return [int.from_bytes(draws[8 * n : 8 * n + 8]) % max(room, 1) for n in range(CANDIDATES)]


_seen_capacities: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _capacity_seen(bind) -> dict[int, int]:
    """survey id -> the capacity this process last saw, per database (an engine)."""
    seen = _seen_capacities.get(bind)
    if seen is None:
        seen = _seen_capacities[bind] = {}
    if len(seen) > 1024:
        seen.clear()
    return seen


# Raw statements, compiled once: the answer path runs them on every answer, and building the
# equivalent select()/update() expressions each time cost more than running them.
_TAKING = """(NOT :check OR EXISTS (
    SELECT 1 FROM surveys WHERE id = :survey AND state = 'open' AND public_key = :key
    AND (opens_at IS NULL OR opens_at <= :now) AND (closes_at IS NULL OR closes_at > :now)))"""
_ROOM = "(SELECT coalesce(max(slot) + 1, 0) FROM survey_slots WHERE survey_id = :survey)"
_NOW = bindparam("now", type_=UTCDateTime())
_CAPACITY = text(f"SELECT {_ROOM}")
_TAKING_ROOM = text(f"SELECT {_TAKING}, {_ROOM}").bindparams(_NOW)
_TAKING_ROOM_FREE = text(
    f"SELECT {_TAKING}, {_ROOM}, EXISTS (SELECT 1 FROM survey_slots WHERE survey_id = :survey "  # noqa: S608
    "AND part = 0 AND NOT filled AND slot = ANY(:draws))"
).bindparams(_NOW)


def _data_case(parts: int) -> str:
    return "CASE part " + " ".join(f"WHEN {n} THEN :p{n}" for n in range(parts)) + " END"


def _first_free() -> str:
    """SQLite: the first free slot among the drawn ones, looked up one by one in the order
    drawn: a ``CASE`` evaluates its conditions in turn and stops at the first true one (SQLite
    documents it), so an answer reads about 1/(1 - fill) slots, not all ``CANDIDATES``."""
    free = "(SELECT NOT filled FROM survey_slots WHERE survey_id = :survey AND part = 0 AND slot = "
    arms = " ".join(f"WHEN {free}:s{n}) THEN :s{n}" for n in range(CANDIDATES))
    return f"CASE {arms} END"


def _for_psycopg(sql: str) -> str:
    """``sql`` with psycopg's placeholders (``%(name)s``) for the ``:name`` SQLite takes."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


@functools.cache
def _bind_processor(dialect):
    """How a time goes to the driver, as SQLAlchemy would send it (UTC, naive; SQLite: text)."""
    processor = UTCDateTime().bind_processor(dialect)
    return processor or (lambda value: value)


# The answer's statement runs on the driver's own cursor, not through SQLAlchemy, whose handling
# of its 24 parameters and its result cost about 0.1 ms an answer, as much as PostgreSQL took to
# run it. On PostgreSQL its integers go as ``Int4``: psycopg types a plain int by its value
# (smallint below 32,768), and a prepared statement is kept per list of parameter types, so
# above 32,768 slots the 16 drawn numbers gave a new list nearly every answer and PostgreSQL
# planned the statement afresh each time. The drawn numbers go as one array literal
# (``{3,17,…}``, cast to ``int4[]`` in the statement): the same type always, and typing a list
# of 16 ``Int4`` cost psycopg 15 µs an answer.


@functools.cache
def _sqlite_take(parts: int) -> str:
    """SQLite: with the survey taking answers (``:check``) and its capacity still ``:room``,
    write every part of the first free slot among the drawn ones. Its row count is the parts
    written (0: none of the drawn slots is free, the capacity changed, or the survey takes no
    answers)."""
    return f"""
        UPDATE survey_slots SET filled = true, data = {_data_case(parts)}
        WHERE survey_id = :survey AND filled = false AND slot = {_first_free()}
        AND {_ROOM} = :room AND {_TAKING}
        """  # noqa: S608 - only constants and part numbers are formatted in


@functools.cache
def _pg_take(parts: int) -> str:
    """PostgreSQL: with the survey taking answers (``:check``) and its capacity still ``:room``,
    take the first free slot among the drawn ones (``:draws``, in the order drawn): part 0 first
    and conditionally (whoever writes part 0 owns the slot, so two answers racing for one slot
    cannot lock its parts in opposite orders), then the others. Returns (a drawn slot looked
    free, part 0 taken, other parts written); part 0 not taken when none of the drawn slots is
    free, the capacity changed, the survey takes no answers (``store`` then asks which), or
    another answer took the slot first (the first figure then says this transaction may hold
    that slot's lock: ``StoreAgain``).

    The drawn slots are looked up in the order drawn, each by the slot table's unique key (a
    subquery run once per element of the array until one is free), not by a ``CASE`` of
    ``CANDIDATES`` subqueries with the checks as CTEs of their own: measured as the backend's
    CPU time for the statement and its commit, best of ten batches, that form took 413 to
    453 µs an answer, this one 367 to 391 (a plain ``UPDATE`` of one slot, 232). A join of the
    array with the table cost about as much (332 to 354) on an analysed table, but before
    PostgreSQL had analysed a new survey's rows its generic plan scanned every slot of the
    survey for each answer (4 ms at 3,000 slots); the subquery on the unique key does not
    depend on the table's statistics."""
    others = "data" if parts == 1 else _data_case(parts)
    return _for_psycopg(
        f"""
        WITH picked AS (
            SELECT drawn.slot
            FROM unnest(CAST(:draws AS int4[])) WITH ORDINALITY AS drawn (slot, n)
            WHERE NOT (
              SELECT filled FROM survey_slots AS one
              WHERE one.survey_id = :survey AND one.part = 0 AND one.slot = drawn.slot)
            ORDER BY drawn.n LIMIT 1
        ),
        first AS (
            UPDATE survey_slots SET filled = true, data = :p0
            WHERE survey_id = :survey AND part = 0 AND filled = false
              AND slot = (SELECT slot FROM picked)
              AND {_ROOM} = :room AND {_TAKING}
            RETURNING slot
        ),
        rest AS (
            UPDATE survey_slots SET filled = true, data = {others}
            WHERE survey_id = :survey AND part > 0 AND slot = (SELECT slot FROM first)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM picked), (SELECT count(*) FROM first),
               (SELECT count(*) FROM rest)
        """  # noqa: S608 - only constants and part numbers are formatted in
    )


def _lock_survey(db: Session, survey_id: int) -> None:
    """Serialise growth: on PostgreSQL a row lock on the survey; SQLite's write lock already."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(Survey.id).where(Survey.id == survey_id).with_for_update())


def _grow_before_answering(db: Session | Connection, survey: Survey, seen: int) -> None:
    """One growth step, before this answer takes a slot (unless the storage has grown past the
    ``seen`` capacity meanwhile).

    PostgreSQL: in a transaction of its own, committed at once, so that an answer's transaction
    never holds the survey's lock. Growers wait for each other (the survey's row lock). A
    grower rewrites only slots whose answers are committed, which no answer in flight writes,
    but it may wait for an answer's transaction that holds the lock of such a slot after losing
    it to another answer (``StoreAgain``); ``store`` never comes here from such a transaction,
    and an answer's transaction that holds no such lock is never waited for by a grower, so no
    wait goes round in a cycle, whether PostgreSQL can see it or not.
    SQLite: in this transaction, which already holds the database's one write lock.

    The growth's own connection is not taken from the pool: every answer in flight holds one
    of the pool's connections, and when the free slots run low they all come here at once; had
    each asked the pool for a second connection, a full pool would have waited for itself
    (the 2,000-answer load test with 32 clients did, 30 s, then 500s). One thread of a process
    grows at a time, on a connection kept for it (a pool of one, used only under the lock, so
    it never waits for itself; opening one for each step cost about 4 ms of a 35 ms step);
    the others wait for it and then find the slots it added.
    """
    bind = bind_of(db)
    if bind.dialect.name != "postgresql":
        with joined(db) as session:
            grow(session, survey, seen=seen)
        return
    with _growing:
        engine = _growth_engine(bind)
        with Session(engine) as apart, apart.begin():
            grow(apart, survey, seen=seen)


_growing = threading.Lock()
_growth_engines: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _growth_engine(bind):
    """An engine without a pool on the same database as ``bind`` (see above)."""
    engine = _growth_engines.get(bind)
    if engine is None:
        engine = _growth_engines[bind] = create_engine(
            bind.url, pool_size=1, max_overflow=0, pool_pre_ping=True, hide_parameters=True
        )
    return engine


def grow_step(capacity_now: int) -> int:
    """How many slots one growth step adds: an eighth of the storage, 256 to 2,048."""
    return min(MAX_GROW_STEP, max(MIN_GROW_STEP, capacity_now // 8))


def grow(db: Session, survey: Survey, count: int | None = None, *, seen: int | None = None) -> None:
    """Add ``count`` slots (one step by default), keeping every answer's place uniform.

    The storage is a uniformly random arrangement of its contents (f answers, m - f fillers)
    over slots 0 to m - 1. Slot m is added as filler and swapped with a slot drawn uniformly
    from 0 to m (itself included): the arrangement over the m + 1 slots is then uniformly
    random too (the inside-out Fisher–Yates shuffle). Repeated for each slot of the step, it
    needs to know nothing of which slots are filled: it reads the slots it drew, moves the
    answers among them into new slots and writes fresh filler over the slots they left, about
    f/m of the step. A few hundred rows in one short transaction, never the whole survey.
    With ``seen``, nothing is done if another request grew the storage past it meanwhile.
    """
    _lock_survey(db, survey.id)
    total = capacity(db, survey.id)
    if seen is not None and total > seen:
        return
    count = count or grow_step(total)
    held: dict[int, int | None] = {}  # slot -> the old slot whose contents it now holds
    for new in range(total, total + count):
        drawn = secrets.randbelow(new + 1)
        if drawn != new:
            held[new] = held.get(drawn, drawn if drawn < total else None)
            held[drawn] = None  # fresh filler
    contents = _contents(db, survey.id, {old for old in held.values() if old is not None})
    sizes = parts_of(survey.sealed_size)
    new_slots = range(total, total + count)
    _insert_slots(db, survey, {new: contents.get(held.get(new)) for new in new_slots})
    # An old slot whose answer moved takes fresh filler; one whose filler moved keeps its own.
    vacated = [old for old, now in held.items() if old < total and now is None]
    _overwrite(db, survey.id, {old: None for old in vacated if contents.get(old)}, sizes)


def _contents(db: Session, survey_id: int, numbers: set[int]) -> dict[int, list[bytes] | None]:
    """slot number -> its parts' bytes if it holds an answer, None if filler."""
    found: dict[int, dict[int, bytes]] = {}
    wanted = sorted(numbers)
    kinds: dict[int, bool] = {}
    postgres = db.get_bind().dialect.name == "postgresql"
    step = max(len(wanted), 1) if postgres else 500  # PostgreSQL: one array parameter
    for start in range(0, len(wanted), step):
        chunk = wanted[start : start + step]
        if postgres:
            rows = db.execute(_CONTENTS_PG, {"survey": survey_id, "numbers": chunk})
        else:
            rows = db.execute(
                select(Slot.slot, Slot.part, Slot.filled, Slot.data).where(
                    Slot.survey_id == survey_id, Slot.slot.in_(chunk)
                )
            )
        for number, part, filled, data in rows:
            found.setdefault(number, {})[part] = bytes(data)
            kinds[number] = kinds.get(number, True) and bool(filled)
    return {n: [found[n][p] for p in sorted(found[n])] if kinds.get(n) else None for n in wanted}


_CONTENTS_PG = text(
    "SELECT slot, part, filled, data FROM survey_slots "
    "WHERE survey_id = :survey AND slot = ANY(CAST(:numbers AS integer[]))"
)


def _overwrite(db: Session, survey_id: int, contents: dict, sizes: list[int]) -> None:
    """Write each slot's new contents over its rows in place (same size): an answer's parts, or
    fresh filler for ``None``."""
    table = Slot.__table__
    statement = (
        table.update()
        .where(
            table.c.survey_id == survey_id,
            table.c.slot == bindparam("number"),
            table.c.part == bindparam("number_part"),
        )
        .values(filled=bindparam("new_filled"), data=bindparam("new_data"))
    )
    changes = []
    for number, held in contents.items():
        for part, size in enumerate(sizes):
            changes.append(
                {
                    "number": number,
                    "number_part": part,
                    "new_filled": held is not None,
                    "new_data": held[part] if held is not None else secrets.token_bytes(size),
                }
            )
    changes = _shuffled(changes)
    for start in range(0, len(changes), 1000):
        db.connection().execute(statement, changes[start : start + 1000])


def mix_transaction_ids(bind, survey_id: int) -> None:
    """PostgreSQL: write every answer of an open survey again, unchanged, in one transaction
    (``surveys close-due`` runs it for every open survey; review R4-11).

    PostgreSQL stamps every row version with the id of the transaction that wrote it (``xmin``:
    any ``SELECT`` reads it, and it grows with time), so the answers' slots listed them in
    arrival order. After this, every answer so far carries this transaction's id; only the
    answers since the last run keep theirs. The rows are written in the order they lie, so where
    they lie keeps saying nothing (an answer writing other slots as cover had moved the covered
    rows to the end of the table in cover order, which the red-team test caught). Answers go on
    meanwhile: they write free slots, which this does not touch. Nothing to do on SQLite."""
    if bind.dialect.name != "postgresql":
        return
    with Session(bind) as session, session.begin():
        session.execute(_MIX, {"survey": survey_id})


_MIX = text("UPDATE survey_slots SET data = data WHERE survey_id = :survey AND filled")


def shuffle(
    open_session, survey_id: int, sealed_size: int, *, batch: int = 500, progress=None
) -> int:
    """Move every answer to a slot drawn at random, refilling the others with fresh filler, in
    batches of short transactions (closing a survey; ``surveys close-due``).

    A Fisher–Yates shuffle of the slots' contents: step i swaps slot i with a slot drawn from
    i..n-1; ``batch`` steps make one transaction (reading the slots they touch, writing them in
    place), so the work is linear in the number of slots and no transaction holds the write lock
    for more than a few milliseconds. Stopped half way, what is stored is still a uniform
    placement (a fixed rearrangement of a uniform placement is uniform), only less fresh.
    ``open_session()`` gives a new session; ``progress(n)`` is told of every n slots done.
    Returns how many slots were shuffled.
    """
    with open_session() as session:
        numbers = sorted(
            session.scalars(select(Slot.slot).where(Slot.survey_id == survey_id, Slot.part == 0))
        )
    sizes = parts_of(sealed_size)
    n = len(numbers)
    for start in range(0, n, batch):
        steps = []
        for i in range(start, min(start + batch, n)):
            steps.append((numbers[i], numbers[i + secrets.randbelow(n - i)]))
        with open_session() as session, session.begin():
            contents = _contents(session, survey_id, {x for pair in steps for x in pair})
            for a, b in steps:
                contents[a], contents[b] = contents[b], contents[a]
            _overwrite(session, survey_id, contents, sizes)
        if progress is not None:
            progress(len(steps))
    return n


def iter_sealed(db: Session, survey_id: int) -> Iterator[bytes]:
    """Every stored answer of a survey, in the order of the random slot numbers."""
    stmt = (
        select(Slot.slot, Slot.data)
        .where(Slot.survey_id == survey_id, Slot.filled.is_(True))
        .order_by(Slot.slot, Slot.part)
        .execution_options(yield_per=1000)
    )
    current, pieces = None, []
    for number, data in db.execute(stmt):
        if number != current and pieces:
            yield b"".join(pieces)
            pieces = []
        current = number
        pieces.append(data)
    if pieces:
        yield b"".join(pieces)


def discard(db: Session, survey_id: int) -> None:
    """Delete a survey's storage (a draft never has any; used when a survey is removed)."""
    db.execute(Slot.__table__.delete().where(Slot.survey_id == survey_id))


def shuffle_after_commit(db: Session, survey: Survey) -> None:
    """Once this transaction commits, ``shuffle`` the survey's slots (in batches of their own
    transactions) and tidy the files after them."""
    bind = db.get_bind()
    survey_id, sealed_size = survey.id, survey.sealed_size

    def _run(_session):
        shuffle(lambda: Session(bind, expire_on_commit=False), survey_id, sealed_size)
        tidy_now(bind, vacuum=True)

    event.listen(db, "after_commit", _run, once=True)


def tidy_now(bind, *, vacuum: bool = False) -> None:
    """Remove what the storage keeps of the order of writes (see ``tidy_after_commit``)."""
    import sqlite3

    if bind.dialect.name == "sqlite":
        # On a connection of its own (none of the pool's), that never waits: under load, when
        # readers hold the log, it gives up at once and the next answer's checkpoint takes the
        # frames left (the log then holds a few answers for those moments).
        try:
            connection = sqlite3.connect(bind.url.database, timeout=0, isolation_level=None)
            try:
                _truncate_log(connection)
            finally:
                connection.close()
        except sqlite3.Error:
            log.debug("survey WAL checkpoint deferred")
        return
    if bind.dialect.name != "postgresql" or not vacuum:
        return
    # VACUUM FULL, not VACUUM: the shuffle's UPDATEs leave every slot's old row version in the
    # heap (a plain VACUUM marks it free, it does not wipe it), and those old versions still lie
    # where the answers were written. FULL rewrites the table from the live rows only, once no
    # older transaction may still see the old versions (campaign/db.py ``vacuum_full``). It
    # holds the table's lock while it runs (answers to other surveys wait, about a second at
    # 100,000 slots), which is why it runs at close.
    try:
        clean = vacuum_full(bind, ["survey_slots"], wait=5.0, lock_timeout="2s")
    except Exception:
        clean = False
    if not clean:
        log.warning("survey slots not rewritten yet; the next close-due will")


def checkpoint_without_waiting(driver_connection) -> None:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` on a SQLite connection (in autocommit, after its
    commit), with its busy timeout at 0 meanwhile: the pool's connections wait up to 15 s for
    a lock, and a checkpoint that waited would hold back every writer queued behind it. Under
    load, when a writer or a reader holds the log, it gives up at once (SQLite answers "busy"
    and checkpoints nothing) and the next answer's checkpoint takes the frames left: the log
    then holds a few answers for those moments, the same as a checkpoint on a connection of its
    own with a zero timeout, which this replaces (opening one cost about 0.5 ms an answer)."""
    import sqlite3

    try:
        driver_connection.execute("PRAGMA busy_timeout = 0")
        try:
            _truncate_log(driver_connection)
        finally:
            driver_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    except sqlite3.Error:
        log.debug("survey WAL checkpoint deferred")


SQLITE_BUSY_MS = 15000  # what campaign/db.py sets on every SQLite connection


def _truncate_log(driver_connection) -> None:
    """Checkpoint the WAL into the file and truncate it; then clear the WAL index (review R4-7).

    A TRUNCATE checkpoint resets only the header of the WAL index (the ``-shm`` file): the page
    numbers of the frames it just copied stay in it, so a copy of the file and its ``-shm``
    named the pages, and so the slot, of the newest answer. SQLite clears them when a writer
    appends the first frame of a new log, so one write of the database's header page (setting
    ``user_version`` to 0, which nothing uses) follows: the index then lists page 1 only, and
    the log holds page 1 only. It costs no extra sync: the first frame of a new log is synced
    once, by this write now rather than by the next answer's commit. If the checkpoint could
    not finish (a reader or writer held the log), the write is skipped: the next commit's
    frames, and its checkpoint, take over."""
    busy, _frames, _copied = driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if not busy:
        driver_connection.execute("PRAGMA user_version = 0")


def tidy_after_commit(db: Session) -> None:
    """Once this transaction commits, remove what the storage keeps of the order of writes.

    SQLite: checkpoint the WAL into the file and truncate it right after the commit, on the
    transaction's own connection (still held by the session when ``after_commit`` runs; see
    ``checkpoint_without_waiting``). (PostgreSQL: ``VACUUM FULL`` of the slot table runs after
    the shuffle at close, so no old row version outlives it.) Best effort: never fails the
    committed request.

    The session is marked (``info``) and one listener on every session (``_tidy``) acts on the
    mark: adding a listener to the session for each answer cost about 0.1 ms.
    """
    if "survey_tidy" in db.info:
        return
    bind = db.get_bind()
    if bind.dialect.name != "sqlite":
        return
    db.info["survey_tidy"] = (bind, db.connection())


def tidy_committed(connection: Connection) -> None:
    """``tidy_after_commit`` for the answer route's Core connection, called by its owner right
    after its commit, on that connection (SQLite; nothing to do on PostgreSQL)."""
    if connection.dialect.name == "sqlite":
        checkpoint_without_waiting(connection.connection.driver_connection)


@event.listens_for(Session, "after_commit")
def _tidy(session: Session) -> None:
    marked = session.info.pop("survey_tidy", None)
    if marked is None:
        return
    bind, connection = marked
    if connection.closed:  # rolled back since, and this is a later transaction's commit
        tidy_now(bind)
    else:
        checkpoint_without_waiting(connection.connection.driver_connection)
