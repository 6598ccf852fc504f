"""A large survey's results page: counted on every core while the page shows the progress
(issue 13), the key resting nowhere meanwhile (SECURITY.md promise 5), the same figures and the
same suppression as a small survey's page (promise 4), one audit entry per opening (promise 7).
"""

from __future__ import annotations

import base64
import multiprocessing
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from surveys import counting, results_views, sealing, services
from tests.helpers import csrf_token, database_bytes
from tests.surveys.helpers import PASSPHRASE
from tests.surveys.results_helpers import main_results, store_answers
from tests.surveys.screens import main_text_problems

pytestmark = pytest.mark.usefixtures("japanese")


@pytest.fixture
def large(app, session, surveys):
    """A closed survey of 60 answers, counted as a large one (more than 10)."""
    app.config["SURVEYS_COUNT_INLINE"] = 10
    survey = surveys.opened()
    store_answers(session, survey, 60)
    return surveys.close(survey)


def _open(client, survey, fmt="html", passphrase=PASSPHRASE, **kwargs):
    token = csrf_token(client, f"/surveys/{survey.id}/results")
    return client.post(
        f"/surveys/{survey.id}/results",
        data={"csrf_token": token, "passphrase": passphrase, "format": fmt},
        **kwargs,
    )


def _openings(session) -> list[str]:
    session.expire_all()
    actions = list(session.scalars(select(AuditEntry.action)))
    session.commit()  # SQLite: let go of the database for the requests that follow
    return [a for a in actions if a.startswith(("survey.results", "survey.unlock"))]


def test_a_large_survey_shows_progress_then_the_same_results(client, app, session, hq, large):
    page = _open(client, large)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "tally-progress" in html
    assert "回答を集計しています" in html
    assert re.search(r'<label for="tally-step-1">集計済み：60件中0件（0%）</label>', html)
    assert re.search(r'<progress id="tally-step-1" max="60" value="0">0%</progress>', html)
    assert re.search(r'<link rel="stylesheet" href="/static/surveys/results\.\w+\.css">', html)
    assert "すべての回答（60件）を集計しました" in html
    assert main_text_problems(html) == []  # Japanese that reads naturally, no English left
    assert _openings(session) == ["survey.results_opened"]
    # The same figures as the page counted in the request, in one process.
    app.config["SURVEYS_COUNT_INLINE"] = 1000
    inline = _open(client, large)
    assert "tally-progress" not in inline.get_data(as_text=True)
    assert main_results(html) == main_results(inline.get_data(as_text=True))
    assert "60件の回答を集計しました。" in main_results(html)
    assert _openings(session) == ["survey.results_opened"] * 2
    assert multiprocessing.active_children() == []  # the workers are gone, and the key


def test_a_large_export_counts_on_every_core_without_a_stream(client, session, hq, large):
    sheet = _open(client, large, "csv")
    assert sheet.status_code == 200
    assert sheet.mimetype == "text/csv"
    assert "回答数,60" in sheet.get_data(as_text=True).replace('"', "")
    assert _openings(session) == ["survey.results_exported"]


def test_a_wrong_passphrase_is_refused_before_anything_is_counted(client, session, hq, large):
    page = _open(client, large, passphrase="not the passphrase")
    assert page.status_code == 400 and "tally-progress" not in page.get_data(as_text=True)
    assert "このアンケートを開けません" in page.get_data(as_text=True)
    assert _openings(session) == ["survey.unlock_refused"]


def test_the_key_rests_nowhere_while_it_counts(
    client, app, session, database_url, hq, large, monkeypatch, caplog
):
    """Stop reading the page half-way through the count (the workers hold the key then), look
    for the key in the database, the instance folder and the log, then let it finish."""
    monkeypatch.setattr(counting, "CHUNK", 5)
    monkeypatch.setattr(results_views, "PROGRESS_SECONDS", 0)
    caplog.set_level("DEBUG")
    private = bytes(sealing.unwrap(services.wrapped_key(large), PASSPHRASE))
    secrets_ = [private, private.hex().encode(), base64.b64encode(private), PASSPHRASE.encode()]
    page = _open(client, large, buffered=False)
    chunks = iter(page.response)
    seen = b""
    while seen.count(b"<progress") < 3:  # 0, then two chunks counted: the pool is at work
        seen += next(chunks)
    assert len(multiprocessing.active_children()) == counting.processes()
    stored = database_bytes(session, database_url, _tables(session))
    files = b"".join(p.read_bytes() for p in Path(app.instance_path).rglob("*") if p.is_file())
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    for secret in secrets_:
        for place in (stored or b"", files, logged):
            assert secret not in place
    rest = b"".join(chunks)
    page.close()
    assert "すべての回答（60件）を集計しました".encode() in rest
    assert b"60\xe4\xbb\xb6\xe3\x81\xae\xe5\x9b\x9e\xe7\xad\x94" in rest  # 60件の回答
    assert multiprocessing.active_children() == []


def test_leaving_the_page_ends_the_count_and_its_workers(client, hq, large, monkeypatch):
    monkeypatch.setattr(counting, "CHUNK", 5)
    monkeypatch.setattr(results_views, "PROGRESS_SECONDS", 0)
    page = _open(client, large, buffered=False)
    chunks = iter(page.response)
    seen = b""
    while seen.count(b"<progress") < 2:
        seen += next(chunks)
    assert multiprocessing.active_children()
    page.close()  # what the server does when the browser goes away
    assert multiprocessing.active_children() == []


def test_a_failed_count_says_so_on_the_page(client, hq, large, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise OSError("disk gone")
        yield  # pragma: no cover

    monkeypatch.setattr(counting, "_chunks", broken)
    html = _open(client, large).get_data(as_text=True)
    assert "集計が途中で止まったため" in html and "60件の回答を集計しました" not in html
    assert "counting survey" in caplog.text and PASSPHRASE not in caplog.text


@pytest.mark.parametrize("own_branch", [True, False])
def test_an_officer_opens_no_results(client, auth, make, session, surveys, app, own_branch):
    """Not their own branch's survey either: results are headquarters' (promise 7)."""
    app.config["SURVEYS_COUNT_INLINE"] = 10
    branch = make.branch()
    survey = surveys.opened(branch=branch if own_branch else make.branch())
    store_answers(session, survey, 20)
    survey = surveys.close(survey)
    auth.login(make.user(role=Role.OFFICER, branch=branch))
    page = client.post(
        f"/surveys/{survey.id}/results",
        data={"csrf_token": csrf_token(client, "/"), "passphrase": PASSPHRASE, "format": "html"},
    )
    assert page.status_code in (403, 404)
    assert "tally-progress" not in page.get_data(as_text=True)
    assert _openings(session) == []


def test_nobody_logged_in_is_sent_to_the_login(client, session, large):
    page = client.post(f"/surveys/{large.id}/results", data={"passphrase": PASSPHRASE})
    assert page.status_code in (302, 400, 403) and "/login" in page.headers.get(
        "Location", "/login"
    )
    assert _openings(session) == []


@pytest.mark.parametrize(
    "path",
    ["/surveys/99999999999999999999/results", "/surveys/%C2%B2/results", "/surveys/-1/results"],
)
def test_ids_the_database_cannot_hold_are_not_found(client, hq, path):
    assert client.get(path).status_code == 404
    assert client.post(path, data={"passphrase": PASSPHRASE}).status_code in (400, 404)


def test_a_format_that_is_not_offered_is_refused(client, session, hq, large):
    page = _open(client, large, fmt="²")
    assert page.status_code == 400 and "tally-progress" not in page.get_data(as_text=True)
    assert _openings(session) == []


def _tables(session) -> list[str]:
    from campaign.db import Base

    return list(Base.metadata.tables)
