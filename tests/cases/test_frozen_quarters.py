"""Review R2-19: an officer's national figures of an ended quarter are frozen, so that an edit
of a case after its quarter ended, or a case entered late, moves no cell of the officer's
picture (comparing the page before and after would single out that one case). Headquarters
still sees live figures; the officer's own branch is shown as it is now."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from campaign.auth.models import Role
from campaign.cases import national
from campaign.cases.models import Case, FrozenCount, FrozenQuarter
from campaign.org.services import prefectures
from tests.cases.factories import CaseFactory
from tests.cases.helpers import form_data
from tests.helpers import ON_POSTGRES, Auth, csrf_token

NOW = datetime(2025, 2, 10, 3, 0, tzinfo=UTC)  # FY2024 Q4; Q3 (October–December) has ended
LAST_QUARTER = datetime(2024, 11, 5, tzinfo=UTC)
Q3 = "FY2024 Q3 (October–December 2024)"


def _cells(page: str, caption: str) -> dict[str, list[str]]:
    """A chart's table: row heading -> its cells."""
    start = page.index(f'<caption class="visually-hidden">{caption}</caption>')
    body = page[start : page.index("</table>", start)]
    return {
        row: re.findall(r'<td class="num">([^<]*)</td>', cells)
        for row, cells in re.findall(r'<th scope="row">([^<]*)</th>(.*?)</tr>', body, re.S)
    }


def _officer_page(client) -> str:
    response = client.get("/cases/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _world(make, session, clock):
    """Tokyo's officer; Osaka reported six municipal cases last quarter, Shiga six of a
    mutual-aid association, Tokyo two."""
    clock.current = NOW
    tokyo, shiga, osaka = (make.branch(prefecture=p) for p in ("13", "25", "27"))
    factory = CaseFactory(session)
    osaka_cases = [
        factory.case(osaka, issuer_kind="municipality", reported_at=LAST_QUARTER) for _ in range(6)
    ]
    for _ in range(6):
        factory.case(shiga, issuer_kind="mutual_aid", reported_at=LAST_QUARTER)
    for _ in range(2):
        factory.case(tokyo, reported_at=LAST_QUARTER)
    return tokyo, shiga, osaka, osaka_cases


def test_an_edit_after_the_quarter_ended_moves_no_figure_of_the_officer(
    app, auth, make, session, clock
):
    tokyo, shiga, _osaka, osaka_cases = _world(make, session, clock)
    auth.login(make.user(branch=tokyo))
    before = _officer_page(auth.client)
    issuers = _cells(before, "Table: Cases by issuer")
    assert issuers["Municipality"] == ["6", "2"]
    assert issuers["Mutual-aid association"] == ["6", "0"]
    assert "fixed once it has ended" in before

    # Headquarters changes one of Osaka's cases to a mutual-aid association's.
    hq = Auth(app.test_client(), clock)
    hq.login(make.user(role=Role.HQ))
    case = osaka_cases[0]
    token = csrf_token(hq.client, f"/cases/{case.id}/edit")
    edited = hq.client.post(
        f"/cases/{case.id}/edit",
        data=form_data(session, token, issuer_kind="mutual_aid", save_draft=None),
    )
    assert edited.status_code == 302
    # And a case of the quarter arrives late (a restore, a bulk entry).
    CaseFactory(session).case(shiga, issuer_kind="municipality", reported_at=LAST_QUARTER)

    after = _officer_page(auth.client)
    assert _cells(after, "Table: Cases by issuer") == issuers
    assert _cells(after, "Table: Cases by quarter")[Q3] == ["12", "2"]
    assert _cells(after, "Cases by prefecture") == _cells(before, "Cases by prefecture")
    assert "The other branches reported 12 cases in this quarter." in after
    # Headquarters' picture is live: the edit and the late case are counted there.
    live = hq.client.get("/cases/dashboard").get_data(as_text=True)
    assert _cells(live, "Table: Cases by issuer")["Mutual-aid association"][0] == "7"
    assert "15 cases reported nationally." in live


def test_the_officers_own_branch_stays_current(app, auth, make, session, clock):
    tokyo, *_rest = _world(make, session, clock)
    auth.login(make.user(branch=tokyo))
    assert _cells(_officer_page(auth.client), "Table: Cases by quarter")[Q3] == ["12", "2"]
    CaseFactory(session).case(tokyo, reported_at=LAST_QUARTER)
    # His own column counts the new case; the other branches' figure does not move.
    assert _cells(_officer_page(auth.client), "Table: Cases by quarter")[Q3] == ["12", "3"]


def test_a_quarter_is_frozen_once_by_the_command_or_the_first_picture(app, make, session, clock):
    tokyo, *_rest = _world(make, session, clock)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cases", "freeze-quarters"])
    assert result.exit_code == 0, result.output
    assert "Froze 1 quarters: 2024-3." in result.output
    frozen = session.scalar(select(func.count()).select_from(FrozenCount))
    assert frozen > 0
    assert "Froze 0 quarters: none." in runner.invoke(args=["cases", "freeze-quarters"]).output
    assert session.scalar(select(func.count()).select_from(FrozenCount)) == frozen
    # The next quarter ends: the next picture freezes it, and only it.
    CaseFactory(session).case(tokyo, reported_at=NOW)
    clock.current = NOW + timedelta(days=60)
    with app.test_request_context():
        view = national.picture(
            session, tokyo.id, None, locale="en", prefectures=prefectures(session),
            now=clock.current,
        )  # fmt: skip
    assert view["quarter"] == national.Quarter(2024, 4)
    assert sorted(session.scalars(select(FrozenQuarter.quarter))) == ["2024-3", "2024-4"]


def test_two_first_pictures_at_once_freeze_one_set_of_figures(app, make, session, clock):
    tokyo, *_rest = _world(make, session, clock)
    branch_id = tokyo.id  # read here: the test's session is not the threads'
    engine = app.extensions["naishin.engine"]
    barrier = threading.Barrier(2, timeout=20)
    results, errors = [], []

    def first_picture():
        try:
            with Session(engine) as own, app.test_request_context("/cases/dashboard"):
                barrier.wait()
                view = national.picture(
                    own, branch_id, None, locale="en", prefectures=prefectures(own), now=NOW
                )
                own.commit()
                results.append((view["total"], view["by_quarter"]))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=first_picture) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(results) == 2
    assert results[0] == results[1] and results[0][0] == 12
    session.expire_all()
    assert list(session.scalars(select(FrozenQuarter.quarter))) == ["2024-3"]
    every = select(func.sum(FrozenCount.n)).where(
        FrozenCount.branch_id == 0, FrozenCount.dimension == "total"
    )
    assert session.scalar(every) == 14  # one set: every branch's reported cases, once
    assert session.scalar(select(func.count()).select_from(Case)) == 14


def test_the_officers_own_reports_fall_in_the_quarter_of_their_day_in_japan(
    app, auth, make, session, clock
):
    tokyo, *_rest = _world(make, session, clock)
    factory = CaseFactory(session)
    q3_start = datetime(2024, 9, 30, 15, 0, tzinfo=UTC)  # 1 October, midnight in Japan
    q4_start = datetime(2024, 12, 31, 15, 0, tzinfo=UTC)  # 1 January, midnight in Japan
    for moment in (
        q3_start - timedelta(microseconds=1),  # Q2, as is 30 September in Japan
        q3_start,
        q4_start - timedelta(microseconds=1),
        q4_start,  # the running quarter: not shown
    ):
        factory.case(tokyo, reported_at=moment)
    auth.login(make.user(branch=tokyo))
    table = _cells(_officer_page(auth.client), "Table: Cases by quarter")
    assert table[Q3] == ["12", "4"]  # the world's two and the two of 1 October to 31 December
    assert table["FY2024 Q2 (July–September 2024)"][1] == "1"


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's synchronous_commit")
def test_only_the_view_that_freezes_a_quarter_waits_for_the_disk(app, auth, make, session, clock):
    tokyo, *_rest = _world(make, session, clock)
    auth.login(make.user(role=Role.OFFICER, branch=tokyo))
    engine = app.extensions["naishin.engine"]
    seen: list[str] = []

    def on_commit(connection):
        seen.append(connection.exec_driver_sql("SHOW synchronous_commit").scalar())

    event.listen(engine, "commit", on_commit)
    try:
        _officer_page(auth.client)  # freezes the ended quarters: its commit waits
        frozen = seen[-1]
        _officer_page(auth.client)  # reads them: its one write is the audit entry
        read = seen[-1]
        app.extensions["naishin.cases.pictures"].clear()  # computed afresh: still no freeze
        _officer_page(auth.client)
    finally:
        event.remove(engine, "commit", on_commit)
    assert (frozen, read, seen[-1]) == ("on", "off", "off")
    assert session.scalar(select(func.count()).select_from(FrozenQuarter)) > 0
