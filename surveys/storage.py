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

An answer goes into a free slot chosen uniformly at random, by a conditional ``UPDATE … WHERE NOT
filled`` (two requests racing for one slot: one wins, the other draws again). Where an answer
lies in the file therefore says nothing of when it came. ``filled`` is a flag, not a time.

Why a random free slot is enough: the i-th answer goes to a slot drawn uniformly from the free
ones, and the free set is itself a uniformly random subset of the slots, so by symmetry every
answer's slot is uniform over all slots, whatever its rank in arrival, the last one included.
When no slot is free the survey's storage doubles, and every answer so far is moved to a random
slot of the larger set (filler rewritten too), so that no answer's place tells whether it came
before or after the growth. The same rewrite runs at close and when codes are added (each batch
of codes adds as many slots). A survey starts with ``DEFAULT_CAPACITY`` (512) slots.

The logs: SQLite's WAL is checkpointed and truncated after each answer's commit
(``PRAGMA wal_checkpoint(TRUNCATE)``), so a copy of it holds at most the answer being written
(when a long reader blocks the checkpoint, the few answers since; they lie in arrival order for
those moments only). PostgreSQL's own write-ahead log (pg_wal) records every transaction in
commit order until its segments are recycled: that is outside what a table design can change,
and is written down as a limit in the README.

Reading: ``iter_sealed`` returns the filled slots ordered by their random slot number.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import bindparam, event, func, select, update
from sqlalchemy.orm import Session

from surveys.models import PART, Slot, Survey

DEFAULT_CAPACITY = 512
_rng = secrets.SystemRandom()


def parts_of(length: int) -> list[int]:
    """The sizes of the parts of a sealed answer of ``length`` bytes."""
    count = math.ceil(length / PART)
    sizes = [PART] * count
    sizes[-1] = length - PART * (count - 1)
    return sizes


def _split(sealed: bytes) -> list[bytes]:
    return [sealed[i : i + PART] for i in range(0, len(sealed), PART)]


def _new_slot_numbers(db: Session, survey_id: int, count: int) -> list[int]:
    taken = set(db.scalars(select(Slot.slot).where(Slot.survey_id == survey_id, Slot.part == 0)))
    numbers: set[int] = set()
    while len(numbers) < count:
        candidate = secrets.randbelow(2**31 - 1)
        if candidate not in taken:
            numbers.add(candidate)
    return list(numbers)


def allocate(db: Session, survey: Survey, count: int) -> None:
    """Add ``count`` slots of random filler to the survey's storage, in a random order."""
    length = survey.sealed_size
    numbers = _new_slot_numbers(db, survey.id, count)
    _rng.shuffle(numbers)
    rows = []
    for number in numbers:
        for part, size in enumerate(parts_of(length)):
            rows.append(
                {
                    "id": secrets.randbelow(2**62),
                    "survey_id": survey.id,
                    "slot": number,
                    "part": part,
                    "filled": False,
                    "data": secrets.token_bytes(size),
                }
            )
    for start in range(0, len(rows), 500):
        db.execute(Slot.__table__.insert(), rows[start : start + 500])


def capacity(db: Session, survey_id: int) -> int:
    """How many slots a survey has."""
    return int(
        db.scalar(select(func.count()).where(Slot.survey_id == survey_id, Slot.part == 0)) or 0
    )


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


def store(db: Session, survey: Survey, sealed: bytes) -> None:
    """Put one sealed answer into a free slot chosen at random (grow first if needed)."""
    if len(sealed) != survey.sealed_size:
        raise ValueError("wrong length")
    pieces = _split(sealed)
    free_slots = select(Slot.slot).where(
        Slot.survey_id == survey.id, Slot.part == 0, Slot.filled.is_(False)
    )
    locked = False
    for _attempt in range(50):
        free = int(db.scalar(select(func.count()).select_from(free_slots.subquery())) or 0)
        if free < 64 and not locked:
            # Near a growth, take the survey's lock before any slot's (PostgreSQL): always
            # survey then slots, so two requests never wait on each other in a cycle.
            _lock_survey(db, survey.id)
            locked = True
            continue
        if not free:
            grow(db, survey)
            continue
        # Uniform over the free slots: the k-th in slot-number order, k drawn at random.
        number = db.scalar(free_slots.order_by(Slot.slot).offset(secrets.randbelow(free)).limit(1))
        if number is None:
            continue
        taken = db.execute(
            update(Slot)
            .where(
                Slot.survey_id == survey.id,
                Slot.slot == number,
                Slot.part == 0,
                Slot.filled.is_(False),
            )
            .values(filled=True, data=pieces[0])
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            continue  # another request took this slot first: draw again
        for part, piece in enumerate(pieces[1:], start=1):
            db.execute(
                update(Slot)
                .where(Slot.survey_id == survey.id, Slot.slot == number, Slot.part == part)
                .values(filled=True, data=piece)
                .execution_options(synchronize_session=False)
            )
        return
    raise RuntimeError("no free slot found")  # pragma: no cover


def _lock_survey(db: Session, survey_id: int) -> None:
    """Serialise growth: on PostgreSQL a row lock on the survey; SQLite's write lock already."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(Survey.id).where(Survey.id == survey_id).with_for_update())


def grow(db: Session, survey: Survey) -> None:
    """Double the survey's slots and move every answer to a random slot of the new set."""
    _lock_survey(db, survey.id)
    total = capacity(db, survey.id)
    if total > filled_count(db, survey.id):
        return  # another request grew it meanwhile
    allocate(db, survey, max(total, 16))
    rewrite(db, survey)


def rewrite(db: Session, survey: Survey) -> None:
    """Move every answer to a slot drawn at random, refilling all others with fresh filler.

    Every row is updated in place (same size), so the slots keep their places in the file and
    only their contents are permuted.
    """
    _lock_survey(db, survey.id)
    answers = list(iter_sealed(db, survey.id))
    rows = db.execute(
        select(Slot.id, Slot.slot, Slot.part).where(Slot.survey_id == survey.id)
    ).all()
    numbers = sorted({row.slot for row in rows})
    _rng.shuffle(numbers)
    chosen = dict(zip(numbers, answers, strict=False))
    sizes = parts_of(survey.sealed_size)
    changes = []
    for row_id, number, part in rows:
        sealed = chosen.get(number)
        data = (
            sealed[part * PART : (part + 1) * PART]
            if sealed is not None
            else secrets.token_bytes(sizes[part])
        )
        changes.append({"row_id": row_id, "new_filled": sealed is not None, "new_data": data})
    # One executemany: every row updated in place, by its key, in the order of the random keys.
    statement = (
        Slot.__table__.update()
        .where(Slot.__table__.c.id == bindparam("row_id"))
        .values(filled=bindparam("new_filled"), data=bindparam("new_data"))
    )
    changes.sort(key=lambda c: c["row_id"])
    for start in range(0, len(changes), 1000):
        db.connection().execute(statement, changes[start : start + 1000])
    del answers, chosen, changes


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


def tidy_after_commit(db: Session, *, rewrite: bool = False) -> None:
    """Once this transaction commits, remove what the storage keeps of the order of writes.

    SQLite: checkpoint the WAL into the file and truncate it (surveys/storage.py), on the same
    connection that wrote, right after its commit. PostgreSQL, when ``rewrite`` (at close):
    ``VACUUM`` the slot table so the dead versions of its rows are pruned (the slots stay in
    their pages: a plain VACUUM moves no row). Best effort: never fails the committed request.
    """
    dialect = db.get_bind().dialect.name
    if dialect != "sqlite" and not (dialect == "postgresql" and rewrite):
        return
    flag = "survey_tidy_rewrite" if rewrite else "survey_tidy"
    if db.info.get(flag):
        return
    db.info[flag] = True
    if dialect == "sqlite":
        path = db.get_bind().url.database

        def _checkpoint(session):
            session.info.pop(flag, None)
            # On a connection of its own (none of the pool's), that never waits: under load,
            # when readers hold the log, it gives up at once and the next answer's checkpoint
            # takes the frames left (the log then holds a few answers for those moments).
            import sqlite3

            try:
                connection = sqlite3.connect(path, timeout=0, isolation_level=None)
                try:
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    connection.close()
            except sqlite3.Error:
                current_app.logger.debug("survey WAL checkpoint deferred")

        event.listen(db, "after_commit", _checkpoint, once=True)
        return
    bind = db.get_bind()

    def _vacuum(session):
        session.info.pop(flag, None)
        raw = bind.raw_connection()
        try:
            connection = raw.driver_connection
            connection.rollback()
            connection.autocommit = True
            try:
                connection.execute("SET lock_timeout = '2s'")
                connection.execute("VACUUM survey_slots")
            except Exception:
                current_app.logger.warning("survey slots not vacuumed; autovacuum will")
            finally:
                connection.execute("RESET lock_timeout")
                connection.autocommit = False
        finally:
            raw.close()

    event.listen(db, "after_commit", _vacuum, once=True)
