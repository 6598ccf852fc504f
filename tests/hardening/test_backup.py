"""Backup and restore (issue 13): ``flask backup DEST`` and ``flask restore SRC`` onto an empty
instance; afterwards the audit chain holds, every attachment opens with the data key kept
apart, and every table has its rows. On SQLite and PostgreSQL (whichever the suite runs on)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import date

import pytest
from sqlalchemy import create_engine, func, inspect, select, table

from campaign import create_app, datakey
from campaign.auth.models import Role
from campaign.cases import services as cases
from campaign.cases.models import Attachment, Case
from campaign.config import ARGON2_TESTING
from surveys import answering
from surveys.models import Slot
from tests.cases.factories import jpeg_bytes
from tests.helpers import ON_POSTGRES

pytestmark = pytest.mark.skipif(
    ON_POSTGRES and shutil.which("pg_dump") is None, reason="pg_dump is not installed"
)


@pytest.fixture
def other_app(monkeypatch):
    """Another instance: its own instance folder, the given database and data key."""

    def build(url: str, instance, key_hex: str):
        with monkeypatch.context() as patch:
            patch.setenv("NAISHIN_INSTANCE_PATH", str(instance))
            return create_app(
                {
                    "TESTING": True,
                    "DATABASE_URL": url,
                    "ARGON2": dict(ARGON2_TESTING),
                    "RATELIMIT_STORAGE_URI": "memory://",
                    "DATA_KEY": key_hex,
                }
            )

    return build


@pytest.fixture
def filled(app, make, session, surveys):
    """A platform in use: staff with TOTP secrets, a case with two attachments (its creation
    audited), and a survey open with three answers in its slots."""
    hq = make.user(role=Role.HQ)
    officer = make.user(branch=make.branch())
    with app.test_request_context():
        data = cases.CaseInput(
            title="申請書の一括配布", workplace="人事課", occurred_on=date(2024, 5, 1),
            occurred_until=None, category_ids=[1], issuer_kind="municipality", issuer_name="",
            channel="written", staff_affected=10, non_regular=False, new_hires=False,
            dependents=False, description="配布された",
            files=[("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes(marker="Other"))],
        )  # fmt: skip
        cases.create_case(session, officer, data, submit=True, max_bytes=10 * 2**20)
        session.commit()
    survey = surveys.opened()
    with app.test_request_context():
        for _ in range(3):
            answering.submit(session, survey, os.urandom(survey.sealed_size))
            session.commit()
    return hq, survey


def _key_hex(app) -> str:
    return app.extensions["naishin.data_key"].hex()


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        out = {
            t: connection.execute(select(func.count()).select_from(table(t))).scalar_one()
            for t in names
        }
    engine.dispose()
    return out


def test_a_backup_restores_onto_an_empty_instance(
    app, runner, filled, database_url, empty_database, tmp_path, session, other_app
):
    dest = tmp_path / "backups" / "nightly"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["counts"]["case_attachments"] == 2
    assert manifest["database"] == ("postgresql" if ON_POSTGRES else "sqlite")
    # Only the owner may read it; the data key is not in it.
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    key = app.extensions["naishin.data_key"]
    for path in dest.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
        blob = path.read_bytes()
        assert key not in blob and key.hex().encode() not in blob

    restored = other_app(empty_database, tmp_path / "restored", _key_hex(app))
    result = restored.test_cli_runner().invoke(args=["restore", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Attachments: 2 of 2 open with the data key." in result.output
    assert "every check passed" in result.output
    verify = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "Audit log intact" in verify.output
    restored.extensions["naishin.engine"].dispose()
    assert _counts(empty_database) == _counts(database_url)

    # Every attachment decrypts to the same bytes, and the restored app serves the survey.
    source = {a.id: datakey.unseal(a.sealed) for a in session.scalars(select(Attachment))}
    with restored.app_context():
        from campaign import db

        copy = {a.id: datakey.unseal(a.sealed) for a in db.session().scalars(select(Attachment))}
        assert copy == source and len(copy) == 2
        filled_slots = db.session().scalar(
            select(func.count()).select_from(Slot).where(Slot.filled)
        )
        assert filled_slots == session.scalar(
            select(func.count()).select_from(Slot).where(Slot.filled)
        )
        assert db.session().scalar(select(func.count()).select_from(Case)) == 1
    restored.extensions["naishin.engine"].dispose()


def test_the_postgres_slots_are_written_in_random_slot_order(app, runner, filled, tmp_path):
    if not ON_POSTGRES:
        pytest.skip("SQLite's backup copies pages, whose places were fixed before any answer")
    dest = tmp_path / "b"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    rows = (dest / "survey_slots.copy").read_bytes().split(b"\n")
    assert rows[0] == b"\\table survey_slots" and b"\\end" in rows
    columns = [
        c["name"]
        for c in inspect(create_engine(app.config["DATABASE_URL"])).get_columns("survey_slots")
    ]
    keys = [
        tuple(
            int(dict(zip(columns, r.split(b"\t"), strict=True))[c])
            for c in ("survey_id", "slot", "part")
        )
        for r in rows[1 : rows.index(b"\\end")]
    ]
    assert keys == sorted(keys) and len(keys) >= 512


def test_restore_refuses_another_data_key(app, runner, filled, empty_database, tmp_path, other_app):
    dest = tmp_path / "b"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    stranger = other_app(empty_database, tmp_path / "other", "ab" * 32)
    result = stranger.test_cli_runner().invoke(args=["restore", str(dest)])
    assert result.exit_code != 0
    assert "data key is not the one the backup was taken with" in result.output
    assert not inspect(stranger.extensions["naishin.engine"]).get_table_names()  # untouched
    stranger.extensions["naishin.engine"].dispose()


def test_restore_refuses_a_database_in_use(app, runner, filled, tmp_path, session):
    dest = tmp_path / "b"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    result = runner.invoke(args=["restore", str(dest)])
    assert result.exit_code != 0 and "The database is not empty" in result.output


def test_bad_destinations_and_sources_get_a_clear_message(app, runner, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("keep me")
    result = runner.invoke(args=["backup", str(taken)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert (taken / "x").read_text() == "keep me"
    result = runner.invoke(args=["restore", str(taken)])
    assert result.exit_code != 0 and "is not a backup" in result.output
