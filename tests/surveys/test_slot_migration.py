"""Migration 0026_survey_slots_numbered: slots keep their order and contents, numbered from 0."""

from __future__ import annotations

import secrets

from sqlalchemy import inspect, text

from campaign import migrate
from campaign.db import make_engine

SURVEY = (
    "INSERT INTO surveys (title_ja, title_en, intro_ja, intro_en, state, min_group, created_at,"
    " custody, needs_code, receipts_published) VALUES"
    " (:title, '', '', '', 'open', 5, CURRENT_TIMESTAMP, 'passphrase', false, false)"
)
SLOT = (
    "INSERT INTO survey_slots (id, survey_id, slot, part, filled, data)"
    " VALUES (:id, :survey, :slot, :part, :filled, :data)"
)


def _slots(engine) -> dict[int, list[tuple]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT survey_id, slot, part, filled, data FROM survey_slots ORDER BY id")
        ).all()
    found: dict[int, list[tuple]] = {}
    for survey, slot, part, filled, data in rows:
        found.setdefault(survey, []).append((slot, part, bool(filled), bytes(data)))
    return found


def test_slots_are_renumbered_by_rank_and_the_free_index_goes(empty_database):
    migrate.upgrade(empty_database, "0025_survey_code_batches")
    engine = make_engine(empty_database)
    numbers = {}
    with engine.begin() as connection:
        for title, count in (("一", 40), ("二", 25), ("三", 0)):
            connection.execute(text(SURVEY), {"title": title})
            survey = connection.execute(
                text("SELECT id FROM surveys WHERE title_ja = :t"), {"t": title}
            ).scalar_one()
            numbers[survey] = sorted(secrets.SystemRandom().sample(range(2**31 - 1), count))
            for number in numbers[survey]:
                for part in (0, 1):
                    connection.execute(
                        text(SLOT),
                        {
                            "id": secrets.randbelow(2**31),
                            "survey": survey,
                            "slot": number,
                            "part": part,
                            "filled": secrets.randbelow(2) == 1,
                            "data": secrets.token_bytes(32),
                        },
                    )
    before = _slots(engine)
    engine.dispose()
    migrate.upgrade(empty_database, "0026_survey_slots_numbered")
    engine = make_engine(empty_database)
    after = _slots(engine)
    indexes = {i["name"] for i in inspect(engine).get_indexes("survey_slots")}
    engine.dispose()
    assert "ix_survey_slots_free" not in indexes
    assert set(after) == set(before)
    for survey, rows in before.items():
        rank = {number: n for n, number in enumerate(numbers[survey])}
        # Every row keeps its key, part, flag and bytes; its number is the old one's rank.
        assert after[survey] == [
            (rank[slot], part, filled, data) for slot, part, filled, data in rows
        ]
        assert {row[0] for row in after[survey]} == set(range(len(numbers[survey])))
    migrate.downgrade(empty_database, "0025_survey_code_batches")
    engine = make_engine(empty_database)
    indexes = {i["name"] for i in inspect(engine).get_indexes("survey_slots")}
    engine.dispose()
    assert "ix_survey_slots_free" in indexes
