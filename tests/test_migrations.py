"""Every migration runs up and down, and the models agree with the migrations."""

from __future__ import annotations

from sqlalchemy import inspect, text

from campaign import migrate
from campaign.db import make_engine


def test_up_down_up_and_models_match(empty_database):
    migrate.upgrade(empty_database)
    diff = migrate.schema_differences(empty_database)
    assert diff == [], f"models and migrations differ: {diff}"

    migrate.downgrade(empty_database, "base")
    engine = make_engine(empty_database)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()

    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    assert "audit_entries" in inspect(engine).get_table_names()
    engine.dispose()


def test_the_migrations_have_one_head():
    """A new migration has one parent to follow; parallel branches are merged."""
    from alembic.script import ScriptDirectory

    from campaign.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"merge the heads {heads}"


def test_init_refuses_a_database_that_lacks_what_the_models_need(
    empty_database, tmp_path, monkeypatch
):
    """Review R2-12: a database that recorded a revision before it was filled in lacks its
    tables; ``init`` must say so rather than report the database ready."""
    from campaign import create_app

    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(tmp_path / "instance"))
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE survey_pending_shares"))
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": "x" * 40})
    result = app.test_cli_runner().invoke(args=["init"])
    app.extensions["naishin.engine"].dispose()
    assert result.exit_code != 0
    assert "does not match" in result.output and "survey_pending_shares" in result.output


def test_a_database_that_recorded_the_empty_slots_upgrades_to_the_full_schema(empty_database):
    """Review R2-12: databases made during the session that reserved 0011–0015 recorded them
    empty; what they were filled with later lives in 0016 onwards, so such a database gets it."""
    migrate.upgrade(empty_database, "0015_screens")
    migrate.upgrade(empty_database)
    assert migrate.schema_differences(empty_database) == []


def test_the_entries_written_before_the_seals_are_sealed_by_the_upgrade(app, empty_database):
    """Revision 0023 seals the entries already in the log with this instance's data key, so
    the log verifies after the upgrade (review R3-1)."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from campaign.audit import services as audit
    from campaign.audit.models import AuditEntry

    migrate.upgrade(empty_database, "0022_case_pair_counts")
    engine = make_engine(empty_database)
    previous = audit.GENESIS
    with engine.begin() as connection:
        for seq in (1, 2, 3):
            entry = AuditEntry(
                seq=seq,
                at=datetime(2026, 11, seq, tzinfo=UTC),
                action="case.viewed",
                object_kind="case",
                object_id=str(seq),
                prev_hash=previous,
            )
            entry.hash = previous = audit._digest(entry)
            connection.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, action, object_kind, object_id,"
                    " prev_hash, hash) VALUES (:seq, :at, 'case.viewed', 'case', :oid, :p, :h)"
                ),
                {"seq": seq, "at": entry.at, "oid": str(seq)}
                | {"p": entry.prev_hash, "h": entry.hash},
            )
    with app.app_context():
        migrate.upgrade(empty_database)
        with Session(engine) as session:
            count, _head, breaks = audit.verify(session)
    engine.dispose()
    assert (count, breaks) == (3, [])
