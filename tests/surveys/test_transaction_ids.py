"""PostgreSQL: the id of the transaction that wrote a row (``xmin``) neither orders the answers
nor links a spent invitation code to its answer (review R4-11)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from surveys import answering, codes, sealing, services, storage
from tests.helpers import ON_POSTGRES
from tests.surveys.helpers import PASSPHRASE

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's transaction ids")

N = 40


def _xmins(session, table: str, survey_id: int, where: str = "") -> list[tuple[int, bytes]]:
    rows = session.execute(
        text(
            f"SELECT xmin::text::bigint, {'data' if table == 'survey_slots' else 'code_hash'} "  # noqa: S608
            f"FROM {table} WHERE survey_id = :s {where}"
        ),
        {"s": survey_id},
    ).all()
    session.commit()
    return [(int(x), bytes(d)) for x, d in rows]


def test_close_due_gives_every_answer_of_an_open_survey_one_transaction_id(
    surveys, session, runner, database_url
):
    survey = surveys.opened(text=False)
    other = surveys.opened(text=False)
    for rank in range(N):
        sealed = sealing.seal({"rank": rank}, survey.public_key, survey.block_size)
        storage.store(session, survey, sealed)
        session.commit()
    written = _xmins(session, "survey_slots", survey.id, "AND filled")
    assert len({x for x, _ in written}) == N  # each answer its own: arrival order, exactly
    result = runner.invoke(args=["surveys", "close-due"])
    assert result.exit_code == 0, result.output
    written = _xmins(session, "survey_slots", survey.id, "AND filled")
    parts = len(storage.parts_of(survey.sealed_size))
    assert len(written) == N * parts and len({x for x, _ in written}) == 1
    # Filler is left alone (answers go on meanwhile, into free slots), and so is every other
    # survey with no answers.
    assert len({x for x, _ in _xmins(session, "survey_slots", survey.id, "AND NOT filled")}) == 1
    session.expire_all()
    key = sealing.unwrap(services.wrapped_key(survey), PASSPHRASE)
    ranks = sorted(sealing.opener(key)(s)["rank"] for s in storage.iter_sealed(session, survey.id))
    assert ranks == list(range(N))  # nothing lost, nothing changed
    assert other.id != survey.id


def test_a_spent_code_shares_its_transaction_id_with_every_code_of_the_survey(
    app, surveys, session
):
    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    with app.test_request_context():
        made = codes.generate(session, app.config["SECRET_KEY"], survey, 12)
    session.commit()
    slips = {}
    for n, code in enumerate(made[:6]):
        info = answering.answering(session, survey.id)
        sealed = sealing.seal({"rank": n}, info.public_key, info.block_size)
        answering.submit(session, info, sealed, code=code, secret_key=app.config["SECRET_KEY"])
        session.commit()
        digest = codes.code_hash(app.config["SECRET_KEY"], survey, codes.normalise(code))
        slips[digest] = n
        stamps = {x for x, _ in _xmins(session, "survey_codes", survey.id)}
        assert len(stamps) == 1  # spent or not, every code row was written by this answer
    slots = _xmins(session, "survey_slots", survey.id, "AND filled AND part = 0")
    (stamp,) = {x for x, _ in _xmins(session, "survey_codes", survey.id)}
    # The codes' one id is the newest answer's; it says nothing of which code that was, and no
    # earlier code's id points at its answer.
    assert stamp == max(x for x, _ in slots)
    assert (
        sum(
            s
            for (s,) in session.execute(
                text("SELECT count(*) FROM survey_codes WHERE survey_id = :s AND spent"),
                {"s": survey.id},
            )
        )
        == 6
    )
