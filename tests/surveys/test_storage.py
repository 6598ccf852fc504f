"""Slot storage (SECURITY.md promise 3, issue 13): growth in short steps that keep every answer's
place uniform, and closing as a batched job that blocks no other survey's answers."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from campaign.audit.models import AuditEntry
from surveys import sealing, services, storage
from surveys.models import Slot, State, Survey
from tests.helpers import ON_POSTGRES, database_bytes
from tests.surveys.helpers import PASSPHRASE

N = 400
BATCHES = 10


def _spearman(order: list[int]) -> float:
    n = len(order)
    ranks = {value: rank for rank, value in enumerate(sorted(order))}
    d2 = sum((i - ranks[value]) ** 2 for i, value in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def _opened(surveys, session, slots: int) -> Survey:
    survey = surveys.draft(text=False)
    services.open_survey(
        session, survey, PASSPHRASE, sealing.KDF_LIMITS["testing"], initial_slots=slots
    )
    session.commit()
    return survey


def _store(session, survey, rank: int) -> None:
    """What the answer route does: store, commit, checkpoint the WAL into the file."""
    sealed = sealing.seal({"rank": rank}, survey.public_key, survey.block_size)
    storage.store(session, survey, sealed)
    storage.tidy_after_commit(session)
    session.commit()


def _placement(session, survey, database_url: str) -> list[tuple[object, int]]:
    """(physical place, arrival rank) of every answer: PostgreSQL's ctid (heap page, line), or
    the byte offset of the answer's first part in the SQLite file (rowids are random keys)."""
    content = None
    if ON_POSTGRES:
        query = "SELECT ctid::text, data FROM survey_slots WHERE survey_id = :s AND filled"
    else:
        query = "SELECT '', data FROM survey_slots WHERE survey_id = :s AND filled"
        content = database_bytes(session, database_url, ())
    rows = session.execute(text(query + " AND part = 0"), {"s": survey.id}).all()
    session.commit()
    open_one = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    rank = {s[: storage.PART]: open_one(s)["rank"] for s in storage.iter_sealed(session, survey.id)}
    placed = []
    for where, data in rows:
        if content is not None:
            where = content.find(bytes(data))
            assert where >= 0
        else:
            where = tuple(int(x) for x in where.strip("()").split(","))
        placed.append((where, rank[bytes(data)]))
    return placed


def test_growth_in_short_steps_keeps_no_arrival_order(surveys, session, database_url):
    survey = _opened(surveys, session, 16)
    capacities = [storage.capacity(session, survey.id)]
    numbers = select(Slot.slot).where(Slot.survey_id == survey.id, Slot.part == 0)
    epoch = dict.fromkeys(session.scalars(numbers), 0)  # slot -> the growth step that made it
    for rank in range(N):
        _store(session, survey, rank)
        capacities.append(storage.capacity(session, survey.id))
        if capacities[-1] != capacities[-2]:
            for number in session.scalars(numbers):
                epoch.setdefault(number, len(set(capacities)) - 1)
    # Answers that came early are not more often in the early slots (an append-only growth
    # would keep every early answer there): the mean step of each half's slots is the same.
    open_one = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    where = {}
    for number, data in session.execute(
        select(Slot.slot, Slot.data).where(Slot.survey_id == survey.id, Slot.filled, Slot.part == 0)
    ):
        where[number] = bytes(data)
    rank_of = {
        s[: storage.PART]: open_one(s)["rank"] for s in storage.iter_sealed(session, survey.id)
    }
    halves = [[], []]
    for number, head in where.items():
        halves[rank_of[head] >= N // 2].append(epoch[number])
    means = [sum(h) / len(h) for h in halves]
    assert abs(means[0] - means[1]) < 0.3, means
    steps = [b - a for a, b in itertools.pairwise(capacities) if b != a]
    assert steps and max(steps) <= storage.MAX_GROW_STEP  # never the whole survey at once
    assert storage.filled_count(session, survey.id) == N
    placed = _placement(session, survey, database_url)
    assert sorted(rank for _, rank in placed) == list(range(N))  # each answer once
    physical = [rank for _, rank in sorted(placed)]
    by_number = [
        sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))(s)["rank"]
        for s in storage.iter_sealed(session, survey.id)
    ]
    for name, order in (("physical", physical), ("slot number", by_number)):
        assert abs(_spearman(order)) < 0.25, name
        size = N / BATCHES
        right = sum(int(i / size) == int(r / size) for i, r in enumerate(order)) / N
        assert right < 0.2, name  # the arrival batch, read off the place: chance is 0.1


def test_closing_shuffles_in_batches_that_leave_other_surveys_free(app, surveys, session):
    closing = _opened(surveys, session, 64)
    other = _opened(surveys, session, 64)
    for rank in range(40):
        _store(session, closing, rank)
    before = dict(
        session.execute(
            select(Slot.slot, Slot.data).where(Slot.survey_id == closing.id, Slot.part == 0)
        ).all()
    )
    bind = session.get_bind()
    done = []

    def between_batches(count: int) -> None:
        # No lock is held between two batches: another survey's answer goes in at once.
        done.append(count)
        with Session(bind) as elsewhere:
            if ON_POSTGRES:
                elsewhere.execute(text("SET lock_timeout = '1s'"))
            else:
                elsewhere.execute(text("PRAGMA busy_timeout = 1000"))
            fresh = elsewhere.get(Survey, other.id)
            storage.store(
                elsewhere, fresh, sealing.seal({"rank": 0}, fresh.public_key, fresh.block_size)
            )
            elsewhere.commit()

    closing.state = State.CLOSED
    session.commit()
    total = storage.capacity(session, closing.id)
    session.commit()
    shuffled = storage.shuffle(
        lambda: Session(bind), closing.id, closing.sealed_size, batch=16, progress=between_batches
    )
    assert shuffled == total and sum(done) == total and max(done) <= 16
    assert len(done) == -(-total // 16)  # linear: one pass, in batches
    assert storage.filled_count(session, other.id) == len(done)
    after = dict(
        session.execute(
            select(Slot.slot, Slot.data).where(Slot.survey_id == closing.id, Slot.part == 0)
        ).all()
    )
    assert set(after) == set(before)  # the same slots, in the same rows...
    assert sum(before[n] == after[n] for n in before) < total // 4  # ...with new contents
    session.expire_all()
    key = sealing.unwrap(services.wrapped_key(closing), PASSPHRASE)
    ranks = sorted(sealing.opener(key)(s)["rank"] for s in storage.iter_sealed(session, closing.id))
    assert ranks == list(range(40))


def test_close_due_shows_progress_and_is_audited_as_the_system(runner, surveys, session, clock):
    due = _opened(surveys, session, 32)
    for rank in range(10):
        _store(session, due, rank)
    due.closes_at = clock.now()
    session.commit()
    clock.advance(minutes=1)
    result = runner.invoke(args=["surveys", "close-due"])
    assert result.exit_code == 0, result.output
    assert f"survey {due.id}: shuffling slots" in result.output and "closed: 1" in result.output
    session.expire_all()
    assert session.get(Survey, due.id).state == State.CLOSED
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "survey.closed"))
    assert entry.actor_id is None and entry.reason == "closing date passed"
    key = sealing.unwrap(services.wrapped_key(due), PASSPHRASE)
    ranks = sorted(sealing.opener(key)(s)["rank"] for s in storage.iter_sealed(session, due.id))
    assert ranks == list(range(10))


def test_an_answer_writes_its_own_slot_and_nothing_else(surveys, session, database_url):
    """SQLite: the pages of the file that one answer changes are the pages of its slot's rows
    (no index entry moves, nothing is appended): the file says where it went, never when."""
    if ON_POSTGRES:
        return  # PostgreSQL's heap: test_red_team reads its pages and line pointers
    path = database_url.removeprefix("sqlite:///")

    def pages() -> list[bytes]:
        session.commit()
        with sqlite3.connect(path) as checkpoint:  # everything in the file, the WAL emptied
            checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        content = Path(path).read_bytes()
        return [content[n : n + size] for n in range(0, len(content), size)]

    survey = _opened(surveys, session, 64)
    size = session.execute(text("PRAGMA page_size")).scalar()
    for rank in range(8):
        _store(session, survey, rank)
    parts = len(storage.parts_of(survey.sealed_size))
    for rank in range(8, 24):
        before = pages()
        _store(session, survey, rank)
        after = pages()
        assert len(after) == len(before)  # nothing appended
        changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
        # The slot's rows, in place; and the header page, which the log's clearing writes
        # (its change counter, storage._truncate_log).
        assert 1 <= len(set(changed) - {0}) <= parts, changed


def test_the_answer_statement_is_planned_once_above_32768_slots(surveys, session):
    """PostgreSQL keeps one plan of the answer's statement however large the survey: psycopg
    types a plain int by its value (smallint below 32,768) and keeps a prepared statement per
    list of parameter types, so the 16 slot numbers drawn below a capacity above 32,768 made a
    new list nearly every answer, and PostgreSQL planned the statement afresh each time."""
    if not ON_POSTGRES:
        return  # SQLite's driver keeps its statements by their text
    survey = _opened(surveys, session, 40_000)
    for rank in range(30):
        _store(session, survey, rank)
    plans = session.execute(
        text(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%WITH picked AS%'"
        )
    ).scalars().all()  # fmt: skip
    session.commit()
    assert len(plans) == 1, plans  # one statement, prepared once
    assert plans[0] >= 29  # and used for the answers (the first may have prepared it)
    assert storage.filled_count(session, survey.id) == 30


def test_an_answer_reads_a_few_pages_before_the_slots_are_analysed(surveys, session):
    """PostgreSQL: the answer's statement looks each drawn slot up by the table's unique key,
    whatever the planner knows of the table. Its plan is kept per connection from the sixth
    answer on (a generic plan); a join of the drawn numbers with the slots, planned for a table
    PostgreSQL had not yet analysed (a survey just opened), scanned every slot of the survey
    for each answer (4 ms at 3,000 slots)."""
    if not ON_POSTGRES:
        return  # SQLite plans each statement with its values
    survey = _opened(surveys, session, 3_000)
    session.execute(text("SET plan_cache_mode = force_generic_plan"))  # reset below
    try:
        _store(session, survey, 0)  # prepared now, generic from the first run
        session.execute(text("SELECT pg_stat_force_next_flush()"))
        session.commit()
        hits = text(
            "SELECT heap_blks_hit + heap_blks_read + idx_blks_hit + idx_blks_read "
            "FROM pg_statio_user_tables WHERE relname = 'survey_slots'"
        )
        before = session.scalar(hits)
        session.commit()
        for rank in range(1, 11):
            _store(session, survey, rank)
        session.execute(text("SELECT pg_stat_force_next_flush()"))
        session.commit()
        read = session.scalar(hits) - before
        session.commit()
    finally:
        session.execute(text("RESET plan_cache_mode"))
        session.commit()
    assert storage.filled_count(session, survey.id) == 11
    assert read / 10 < 100, read  # pages an answer: its slot and a few index pages, not 3,000
