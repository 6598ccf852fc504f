"""Review R7a C1/C2: the commands take only what makes sense, with a clear message otherwise.

``cases purge --days -1`` purged every closed case at once (the cut-off a day in the future);
``audit purge-notes --days -5`` deleted every note; ids beyond what a column holds, periods
beyond what a date holds, a missing folder, a damaged anchor or backup manifest ended in a
traceback. Every such call now exits 2 (click's usage error) or 1 with one line, and changes
nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaign import clock
from campaign.cases import vocab
from campaign.cases.models import Case
from tests.cases.factories import CaseFactory


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


@pytest.mark.parametrize("days", ["-1", "0", "-5", "999999999999", "１２", "²", "3.5", "x"])
@pytest.mark.parametrize("command", [["cases", "purge"], ["audit", "purge-notes"]])
def test_a_retention_period_must_be_a_day_or_more(runner, command, days):
    result = runner.invoke(args=[*command, "--days", days])
    _no_traceback(result)
    assert result.exit_code == 2 and "--days" in result.output


def test_a_closed_case_survives_a_negative_period(runner, session, make):
    factory = CaseFactory(session)
    factory.seed()
    case = factory.case(
        branch=make.branch(), state=vocab.RESOLVED, closed_at=clock.now() - timedelta(minutes=1)
    )
    session.commit()
    assert runner.invoke(args=["cases", "purge", "--days", "-1"]).exit_code == 2
    session.expire_all()
    assert session.get(Case, case.id).description  # not purged


@pytest.mark.parametrize("survey_id", ["99999999999999999999999", "2147483648", "-1", "١٢"])
def test_the_tally_takes_only_an_id(runner, survey_id):
    result = runner.invoke(args=["surveys", "tally", survey_id, "--share", "x"])
    _no_traceback(result)
    assert result.exit_code == 2


def test_an_export_into_a_missing_folder_is_refused_before_it_starts(runner, tmp_path):
    result = runner.invoke(args=["cases", "export", str(tmp_path / "missing" / "cases.csv")])
    _no_traceback(result)
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.parametrize(
    "anchor", ["", "garbage", "1 2 3", "99999999999999999999 abc", "x abc", "\xff\xfe"]
)
def test_a_damaged_anchor_file_is_named(runner, tmp_path, anchor):
    path = tmp_path / "anchor"
    path.write_bytes(anchor.encode("latin-1"))
    result = runner.invoke(args=["audit", "verify", "--anchor", str(path)])
    _no_traceback(result)
    assert result.exit_code == 1 and "is not an audit anchor file" in result.output


@pytest.mark.parametrize(
    "manifest",
    [
        "[" * 40000,
        "[1, 2]",
        '{"database": "sqlite"}',
        json.dumps({"database": "sqlite", "format": 1, "counts": {"x": "1"}}),
    ],
)
def test_a_damaged_backup_manifest_is_named(runner, tmp_path, manifest):
    from campaign.backup import services as backup

    folder = tmp_path / "backup"
    folder.mkdir()
    if manifest.startswith("{") and '"format"' in manifest:
        manifest = manifest.replace('"format": 1', f'"format": {json.dumps(backup.FORMAT)}')
    (folder / backup.MANIFEST).write_text(manifest)
    result = runner.invoke(args=["restore", str(folder)])
    _no_traceback(result)
    assert result.exit_code != 0
    assert "is not a backup" in result.output or "damaged" in result.output


@pytest.mark.parametrize(
    ("name", "bad", "good", "key", "value"),
    [
        ("NAISHIN_CASES_RETENTION_DAYS", ("-1", "١٢", "abc", "99999999"), "30",
         "CASES_RETENTION_DAYS", 30),
        ("NAISHIN_PROXY_COUNT", ("abc", "-1", "²"), "1", "PROXY_COUNT", 1),
        ("NAISHIN_IDLE_TIMEOUT_MINUTES", ("0", "x"), "15", "IDLE_TIMEOUT", timedelta(minutes=15)),
        # Review R7a C3: a bad rate limit started, and then every login answered 500.
        ("NAISHIN_LOGIN_LIMIT_ACCOUNT", ("junk", "5 per fortnight"), "3 per 10 minutes",
         "LOGIN_LIMIT_ACCOUNT", "3 per 10 minutes"),
        ("NAISHIN_LOGIN_LIMIT_CLIENT", ("junk",), "30/hour", "LOGIN_LIMIT_CLIENT", "30/hour"),
        ("NAISHIN_SURVEY_ANSWER_LIMIT", ("junk",), "20 per minute", "SURVEY_ANSWER_LIMIT",
         "20 per minute"),
        ("NAISHIN_PETITION_LINK_FLUSH_MINUTES", ("-1", "x", "1e3", "9999"), "0.5",
         "PETITION_LINK_FLUSH_MINUTES", 0.5),
        ("NAISHIN_TIMEZONE", ("Mars/Olympus", "../etc/passwd"), "UTC", "TIMEZONE", "UTC"),
    ],
)  # fmt: skip
def test_a_bad_setting_names_itself(monkeypatch, tmp_path, name, bad, good, key, value):
    from campaign import config

    for text in bad:
        monkeypatch.setenv(name, text)
        with pytest.raises(config.BadSetting, match=name):
            config.settings(tmp_path)
    monkeypatch.setenv(name, good)
    assert config.settings(tmp_path)[key] == value


def test_the_deleted_notes_still_count_zero_when_there_are_none(runner, session):
    from campaign.audit.models import AuditNote

    result = runner.invoke(args=["audit", "purge-notes", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(AuditNote)) == 0
