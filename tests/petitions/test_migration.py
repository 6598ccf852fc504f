"""Migration 0014 seals the signatures already stored in the clear, and its downgrade opens
them again: nothing is lost, and duplicates are still caught across it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import select

from campaign import migrate
from campaign.db import make_engine
from campaign.petitions import sealing, services
from campaign.petitions.models import Petition, Signature

ADDRESS = "東京都千代田区霞が関2-1-2"


def test_signatures_in_the_clear_are_sealed_and_opened_again(app, empty_database):
    migrate.upgrade(empty_database, "0018_case_counts")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO petitions (id, title_ja, title_en, text_ja, text_en, addressee_ja, "
                "addressee_en, goal, closes_on, ask_email, hourly_limit, keep_days, "
                "unsubmitted_days, state, salt, created_at, submitted_to, submission_note) "
                "VALUES (1, '請願', '', '', '', '総務大臣', '', 10, :day, true, 10, 30, 90, "
                "'open', :salt, :now, '', '')"
            ),
            {"day": date(2030, 1, 1), "salt": b"s" * 32, "now": "2026-12-01 00:00:00"},
        )
        connection.execute(
            sa.text(
                "INSERT INTO petition_signatures (id, petition_id, name, address, "
                "prefecture_code, email, signed_on, state, signer_hash, name_tag, address_tag) "
                "VALUES (1, 1, '山田 太郎', :address, '13', 'taro@example.org', :day, "
                "'counted', :h, :t, :t)"
            ),
            {"address": ADDRESS, "day": date(2026, 12, 1), "h": b"h" * 32, "t": b"t" * 16},
        )
    migrate.upgrade(empty_database)
    with sa.orm.Session(engine) as session:
        petition = session.get(Petition, 1)
        stored = session.scalars(select(Signature).where(Signature.petition_id == 1)).one()
        key = services.petition_key(petition)
        assert sealing.open_signer(key, stored.sealed) == sealing.Signer(
            "山田 太郎", ADDRESS, "taro@example.org"
        )
        assert (
            stored.signer_hash
            == services.hashes(
                sealing.hash_key(key), "山田太郎", "東京都千代田区霞ヶ関２－１－２"
            ).signer
        )  # the same person, written differently, is still a duplicate
    migrate.downgrade(empty_database, "0018_case_counts")
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT name, address, email, salt FROM petitions "
                "JOIN petition_signatures ON petition_id = petitions.id"
            )
        )
        assert tuple(row.one())[:3] == ("山田 太郎", ADDRESS, "taro@example.org")
    migrate.upgrade(empty_database)
    engine.dispose()


def test_existing_signatures_get_random_ids_and_keep_everything_else(app, empty_database):
    """Migration 0026 (review R4-5): the rows signed 1, 2, 3… get random ids, in no order of
    theirs; their contents stay; new rows get random ids; the downgrade numbers them again."""
    migrate.upgrade(empty_database, "0026_survey_slots_numbered")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO petitions (id, title_ja, title_en, text_ja, text_en, addressee_ja, "
                "addressee_en, goal, closes_on, ask_email, hourly_limit, keep_days, "
                "unsubmitted_days, state, created_at, submitted_to, submission_note) "
                "VALUES (1, '請願', '', '', '', '総務大臣', '', 10, :day, true, 10, 30, 90, "
                "'open', :now, '', '')"
            ),
            {"day": date(2030, 1, 1), "now": "2026-12-01 00:00:00"},
        )
        for n in range(1, 21):
            connection.execute(
                sa.text(
                    "INSERT INTO petition_signatures (id, petition_id, sealed, prefecture_code, "
                    "signed_on, state, signer_hash, name_tag, address_tag) "
                    "VALUES (:n, 1, :sealed, '13', :day, 'counted', :h, :t, :t)"
                ),
                {"n": n, "sealed": bytes([n]) * 8, "day": date(2026, 12, 1),
                 "h": bytes([n]) * 32, "t": b"t" * 16},
            )  # fmt: skip
    migrate.upgrade(empty_database)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, sealed, signer_hash FROM petition_signatures")
        )
        after = {bytes(h)[0]: (i, bytes(s)) for i, s, h in rows}
    assert sorted(after) == list(range(1, 21))
    assert all(sealed == bytes([n]) * 8 for n, (_, sealed) in after.items())
    ids = [after[n][0] for n in range(1, 21)]
    assert len(set(ids)) == 20 and sum(i > 2**40 for i in ids) > 10
    assert ids != sorted(ids)
    with sa.orm.Session(engine) as session:
        session.add(
            Signature(
                petition_id=1, sealed=b"x", prefecture_code="13", signed_on=date(2026, 12, 2),
                state="counted", signer_hash=b"n" * 32, name_tag=b"t" * 16, address_tag=b"t" * 16,
            )
        )  # fmt: skip
        session.commit()
        newest = session.scalar(sa.select(Signature.id).where(Signature.signer_hash == b"n" * 32))
    assert newest > 2**31  # a random 62-bit id, stored (BIGINT on PostgreSQL)
    migrate.downgrade(empty_database, "0026_survey_slots_numbered")
    with engine.connect() as connection:
        numbered = connection.execute(sa.text("SELECT id FROM petition_signatures ORDER BY id"))
        assert [i for (i,) in numbered] == list(range(1, 22))
    migrate.upgrade(empty_database)
    engine.dispose()
