"""``flask surveys tally``: it counts on every core and shows a progress bar (issue 13)."""

from __future__ import annotations

import os

import click

from surveys import commands, counting, sealing, services
from tests.surveys.helpers import PASSPHRASE
from tests.surveys.results_helpers import store_answers

_PIDS: dict = {}
_real_count = counting._count


def _count_and_say_who(chunk):
    """The worker's function, leaving a file named after the process that ran it."""
    (_PIDS["folder"] / str(os.getpid())).touch()
    return _real_count(chunk)


def test_tally_counts_on_every_core_with_a_progress_bar(
    surveys, session, runner, tmp_path, monkeypatch
):
    survey = surveys.opened()
    store_answers(session, survey, 30)
    survey = surveys.close(survey)
    key = tmp_path / "key.json"
    key.write_bytes(
        sealing.key_file(survey.id, sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    )
    _PIDS["folder"] = tmp_path / "pids"
    _PIDS["folder"].mkdir()
    monkeypatch.setattr(counting, "_count", _count_and_say_who)
    monkeypatch.setattr(counting, "CHUNK", 3)
    bars = []
    real_bar = click.progressbar

    def recorded(*args, **kwargs):
        bar = real_bar(*args, **kwargs)
        bars.append(kwargs)
        update = bar.update
        bar.update = lambda n, *a: (bars.append(n), update(n, *a))
        return bar

    monkeypatch.setattr(commands.click, "progressbar", recorded)
    result = runner.invoke(
        args=["surveys", "tally", str(survey.id), "--key-file", str(key), "--locale", "en"]
    )
    assert result.exit_code == 0, result.output
    assert f"counting on {counting.processes()} cores" in result.output
    assert "answers: 30" in result.output
    settings, *updates = bars
    assert settings["length"] == 30 and sum(updates) == 30 and len(updates) == 10
    workers = {int(p.name) for p in _PIDS["folder"].iterdir()}
    assert workers and os.getpid() not in workers  # counted by forked workers, not the CLI
    assert len(workers) <= counting.processes()
