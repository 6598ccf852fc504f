"""An answer that loses its slot to another just as the storage must grow is stored,
and nothing waits for ever (PostgreSQL; SECURITY.md promise 11: none lost, none twice).

The losing ``UPDATE`` waits for the winner's row, then finds it filled and writes nothing, but
keeps that row's lock until its transaction ends. A growth step that moves the winner's answer
must wait for that lock, so growing from the losing transaction hung: the loser waited for the
growth and the growth for the loser, a wait PostgreSQL could not see. The answer now rolls back
and is stored again from a transaction that holds no such lock."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from surveys import answering, sealing, services, storage
from tests.helpers import ON_POSTGRES
from tests.surveys.helpers import PASSPHRASE

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's write lock: no answers race")

FREE = 3  # the one slot left free


def _waiting_backends(session) -> list[int]:
    """The other backends waiting for a lock (read afresh: a transaction keeps its first view
    of the activity table)."""
    session.rollback()
    pids = list(
        session.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
        )
    )
    session.rollback()
    return pids


@postgres_only
def test_an_answer_that_loses_the_last_free_slot_grows_the_storage_and_is_stored(
    app, surveys, session, monkeypatch
):
    survey = surveys.draft(text=False)
    services.open_survey(
        session, survey, PASSPHRASE, sealing.KDF_LIMITS["testing"], initial_slots=8
    )
    session.commit()
    # Every slot but one holds an answer (stand-ins: the bytes do not matter here).
    session.execute(
        text("UPDATE survey_slots SET filled = true WHERE survey_id = :s AND slot <> :free"),
        {"s": survey.id, "free": FREE},
    )
    session.commit()
    # The next two answers both draw the free slot first (and only it); later draws are fair.
    fair, rigged, lock = storage._draw, [[FREE] * storage.CANDIDATES] * 2, threading.Lock()

    def draw(room: int) -> list[int]:
        with lock:
            return rigged.pop() if rigged else fair(room)

    monkeypatch.setattr(storage, "_draw", draw)
    bind = session.get_bind()
    info = answering.answering(session, survey.id)
    sealed = [sealing.seal({"rank": n}, info.public_key, info.block_size) for n in range(2)]
    secret = app.config["SECRET_KEY"]

    winner = Session(bind)
    answering.submit(winner, info, sealed[0], secret_key=secret)  # holds the slot, uncommitted
    try:
        _race(app, session, bind, info, sealed, secret, winner)
    finally:
        winner.close()
    session.expire_all()
    assert storage.capacity(session, survey.id) > 8  # it grew
    stored = list(storage.iter_sealed(session, survey.id))
    assert len(stored) == 9  # seven stand-ins and the two answers, each once
    assert sealed[0] in stored and sealed[1] in stored


def _race(app, session, bind, info, sealed, secret, winner) -> None:
    """The second answer, sent while the first holds the slot; then the first commits."""
    done: dict[str, object] = {}

    def lose() -> None:
        with app.app_context(), Session(bind) as loser:
            try:
                done["receipt"] = answering.submit(loser, info, sealed[1], secret_key=secret)
                loser.commit()
            except Exception as problem:  # reported by the test below
                done["error"] = problem

    thread = threading.Thread(target=lose, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not _waiting_backends(session) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _waiting_backends(session), "the second answer never waited for the first's slot"
    winner.commit()
    thread.join(timeout=30)
    if thread.is_alive():  # hung: free it so the rest of the suite can go on
        for pid in _waiting_backends(session):
            session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        thread.join(timeout=10)
        pytest.fail("the answer that lost its slot waited for ever for the storage to grow")
    assert "error" not in done, done.get("error")
    assert done["receipt"] == sealing.receipt(sealed[1])


def test_an_answer_the_storage_keeps_asking_to_store_again_is_refused_with_a_message(
    client, surveys, session, monkeypatch
):
    """Should storing fail every time (it never has), the member is told to send the answer
    again and nothing is written: no 500, no answer half stored."""
    from tests.surveys.helpers import answer_token, plain_form

    survey = surveys.opened()
    calls = []

    def always_again(*_args, **_kwargs):
        calls.append(1)
        raise storage.StoreAgain

    monkeypatch.setattr(storage, "store", always_again)
    token = answer_token(client, survey.id)
    data = {**plain_form(survey, text="kept-answer"), "token": token}
    response = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please send it again" in html and "kept-answer" in html
    assert len(calls) >= answering.STORE_ATTEMPTS
    session.expire_all()
    assert services.count_answers(session, survey.id) == 0


def test_an_answer_chosen_to_end_a_deadlock_is_stored_at_the_second_try(
    app, surveys, session, monkeypatch
):
    """PostgreSQL fails one statement of a deadlock (SQLSTATE 40P01) and the other goes on: the
    answer whose statement failed is rolled back and stored again, once."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    survey = surveys.opened(text=False)
    info = answering.answering(session, survey.id)
    real, failures = storage.store, []

    def deadlock_once(db, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("UPDATE survey_slots", {}, psycopg.errors.DeadlockDetected())
        return real(db, *args, **kwargs)

    monkeypatch.setattr(storage, "store", deadlock_once)
    sealed = sealing.seal({"rank": 1}, info.public_key, info.block_size)
    receipt = answering.submit(session, info, sealed, secret_key=app.config["SECRET_KEY"])
    session.commit()
    assert failures == [1] and receipt == sealing.receipt(sealed)
    assert list(storage.iter_sealed(session, survey.id)) == [sealed]

    def other_error(*_args, **_kwargs):
        raise OperationalError("UPDATE survey_slots", {}, psycopg.errors.LockNotAvailable())

    monkeypatch.setattr(storage, "store", other_error)
    with pytest.raises(OperationalError):  # anything else is not retried
        answering.submit(session, info, sealed, secret_key=app.config["SECRET_KEY"])
