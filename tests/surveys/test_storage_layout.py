"""Where a survey's slots lie: in a random order of slots, each slot's parts side by side (so an
answer writes one page, not one a part), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import text

from surveys import sealing, services, storage
from tests.surveys.helpers import PASSPHRASE


def _physical_order(session, survey_id: int) -> list[tuple[int, int]]:
    order = "rowid" if session.get_bind().dialect.name == "sqlite" else "ctid"
    rows = session.execute(
        text(f"SELECT slot, part FROM survey_slots WHERE survey_id = :s ORDER BY {order}"),  # noqa: S608
        {"s": survey_id},
    )
    return [tuple(r) for r in rows]


def test_parts_lie_together_and_slots_in_a_random_order(surveys, session):
    survey = surveys.draft()
    services.open_survey(session, survey, PASSPHRASE, sealing.KDF_LIMITS["testing"])
    session.commit()
    parts = len(storage.parts_of(survey.sealed_size))
    assert parts >= 2  # the draft has free text: several parts a slot
    order = _physical_order(session, survey.id)
    assert len(order) == storage.DEFAULT_CAPACITY * parts
    slots = [order[i][0] for i in range(0, len(order), parts)]
    for start, slot in zip(range(0, len(order), parts), slots, strict=True):
        assert order[start : start + parts] == [(slot, p) for p in range(parts)]
    assert sorted(slots) == list(range(storage.DEFAULT_CAPACITY))
    assert slots != sorted(slots) and slots != sorted(slots, reverse=True)
    # A growth step lays its new slots out the same way, after the others.
    storage.grow(session, survey, 256)
    session.commit()
    grown = _physical_order(session, survey.id)[len(order) :]
    for start in range(0, len(grown), parts):
        slot = grown[start][0]
        assert grown[start : start + parts] == [(slot, p) for p in range(parts)]
