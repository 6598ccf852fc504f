"""Migration 0016_survey_scale_labels: scale questions made before it keep their end labels."""

from __future__ import annotations

from sqlalchemy import text

from campaign import migrate
from campaign.db import make_engine


def test_existing_scales_keep_their_labels_and_other_kinds_get_none(empty_database):
    migrate.upgrade(empty_database, "0010_hardening")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO surveys (title_ja, title_en, intro_ja, intro_en, state, min_group,"
                " created_at, custody, needs_code, receipts_published) VALUES"
                " ('調査', '', '', '', 'draft', 5, CURRENT_TIMESTAMP, 'passphrase', false, false)"
            )
        )
        survey_id = connection.execute(text("SELECT id FROM surveys")).scalar_one()
        for position, kind in enumerate(("scale5", "single")):
            connection.execute(
                text(
                    "INSERT INTO survey_questions (survey_id, position, kind, text_ja, text_en,"
                    " options_ja, options_en, required, is_grouping) VALUES"
                    " (:s, :p, :k, '問', '', '', '', false, false)"
                ),
                {"s": survey_id, "p": position, "k": kind},
            )
    engine.dispose()
    migrate.upgrade(empty_database, "0016_survey_scale_labels")
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT kind, scale_low_ja, scale_high_ja, scale_low_en, scale_high_en"
                " FROM survey_questions ORDER BY position"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("scale5", "まったくそう思わない", "とてもそう思う", "Strongly disagree", "Strongly agree"),
        ("single", "", "", "", ""),
    ]
    migrate.downgrade(empty_database, "0015_screens")  # and back, the columns dropped
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM survey_questions")).keys()
    engine.dispose()
    assert not any(name.startswith("scale_") for name in columns)
