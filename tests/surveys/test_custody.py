"""Key custody (issue 10, SECURITY.md promise 5): each custodian sees their own share, once, when
they log in; nobody else sees it; it waits sealed and is gone from the files once shown; k-1
shares open nothing, k open the results, and the audit names who took part."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.models import Base
from surveys import custody
from surveys.models import Custodian, PendingShare, State, Survey
from tests.helpers import Auth, csrf_token, database_bytes
from tests.surveys.helpers import answer_token, plain_form

WORDS_RE = re.compile(r"<li>([a-z]+)</li>")


def _open(client, auth, make, surveys, session, holders, k: int) -> Survey:
    """Headquarters opens a draft with these custodians; its page shows no share."""
    survey = surveys.draft()
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}/open")
    response = client.post(
        f"/surveys/{survey.id}/open",
        data={
            "csrf_token": token,
            "custody": "custodians",
            "custodians": [str(h.id) for h in holders],
            "threshold": str(k),
        },
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    assert "next time they log in" in response.text
    assert 'id="share-words"' not in response.text and "<svg" not in response.text
    session.expire_all()
    return session.get(Survey, survey.id)


def _as(app, clock, user):
    """A browser of its own, logged in as ``user``."""
    browser = app.test_client()
    Auth(browser, clock).login(user)
    return browser


def _collect(browser, survey_id: int) -> str:
    """The custodian's share, from the page only they can open."""
    token = csrf_token(browser, "/surveys/shares")
    page = browser.post(f"/surveys/shares/{survey_id}", data={"csrf_token": token})
    assert page.status_code == 200, page.status_code
    words = WORDS_RE.findall(page.text.split('id="share-words"')[1])
    assert len(words) == 33 and "<svg" in page.text
    return " ".join(words)


def _answer(client, survey):
    data = {**plain_form(survey), "token": answer_token(client, survey.id)}
    assert client.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200


def test_each_custodian_sees_only_their_own_share_once_and_nobody_else_does(
    app, client, auth, make, surveys, session, clock
):
    holders = [make.user(role=Role.HQ), make.user(role=Role.HQ), make.user()]
    survey = _open(client, auth, make, surveys, session, holders, 2)
    assert survey.state == State.OPEN and survey.custody == "custodians"
    assert survey.wrapped_key is None
    # Headquarters (who opened it) has no share and cannot open a custodian's.
    token = csrf_token(client, "/surveys/shares")
    assert "No key share is waiting for you" in client.get("/surveys/shares").text
    assert (
        client.post(f"/surveys/shares/{survey.id}", data={"csrf_token": token}).status_code == 404
    )
    first, second, third = (_as(app, clock, h) for h in holders)
    # The custodian's home page says a share waits; the page lists the survey.
    assert "A key share is waiting for you" in first.get("/").text
    assert "Workplace survey" in first.get("/surveys/shares").text
    share = _collect(first, survey.id)
    # Once: the page, the card and the row are gone.
    token = csrf_token(first, "/surveys/shares")
    again = first.post(f"/surveys/shares/{survey.id}", data={"csrf_token": token})
    assert again.status_code == 404 and share.split()[3] not in again.text
    assert "A key share is waiting for you" not in first.get("/").text
    # Another custodian gets their own share, never the first one's; a CSRF-less post: 400.
    assert second.post(f"/surveys/shares/{survey.id}").status_code == 400
    other = _collect(second, survey.id)
    assert other != share
    assert custody.member_index(other) != custody.member_index(share)
    # The audit names the custodian who saw their share, never the share.
    session.expire_all()
    shown = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "survey.share_shown")
    ).all()
    assert sorted(e.actor_id for e in shown) == sorted(h.id for h in holders[:2])
    assert session.scalar(select(PendingShare.user_id)) == holders[2].id
    assert custody.member_index(_collect(third, survey.id)) not in (
        custody.member_index(share),
        custody.member_index(other),
    )
    held = dict(session.execute(select(Custodian.user_id, Custodian.member_index)).all())
    assert held[holders[0].id] == custody.member_index(share)


def test_two_of_three_open_nothing_three_of_three_open_and_the_audit_names_who(
    app, client, auth, make, surveys, session, clock, runner
):
    holders = [make.user(role=Role.HQ) for _ in range(3)]
    survey = _open(client, auth, make, surveys, session, holders, 3)
    shares = [_collect(_as(app, clock, h), survey.id) for h in holders]
    anonymous = app.test_client()
    for _ in range(5):
        _answer(anonymous, survey)
    surveys.close(survey)
    token = csrf_token(client, f"/surveys/{survey.id}/results")
    url = f"/surveys/{survey.id}/results"
    two = client.post(url, data={"csrf_token": token, "format": "html", "share": shares[:2]})
    assert two.status_code == 400 and "do not open" in two.text
    repeated = [shares[0], shares[0], shares[1]]
    mixed = client.post(url, data={"csrf_token": token, "format": "html", "share": repeated})
    assert mixed.status_code == 400
    three = client.post(
        url, data={"csrf_token": token, "format": "html", "share": list(reversed(shares))}
    )
    assert three.status_code == 200 and "5 answers counted" in three.text
    session.expire_all()
    (opened,) = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "survey.results_opened")
    ).all()
    assert opened.reason == "custodians: " + ", ".join(str(h.id) for h in holders)
    # Offline: the same shares, given to `surveys tally` one by one.
    args = ["surveys", "tally", str(survey.id)]
    few = runner.invoke(args=[*args, "--share", shares[0], "--share", shares[1]])
    assert few.exit_code != 0
    enough = runner.invoke(args=[*args, *[x for s in shares for x in ("--share", s)]])
    assert enough.exit_code == 0 and "answers: 5" in enough.output, enough.output


def test_a_share_waits_sealed_and_leaves_no_trace_once_shown(
    app, client, auth, make, surveys, session, clock, database_url, caplog
):
    caplog.set_level(logging.DEBUG)
    holders = [make.user(role=Role.HQ) for _ in range(2)]
    survey = _open(client, auth, make, surveys, session, holders, 2)
    tables = ["survey_pending_shares", "survey_custodians", "audit_log", "surveys"]
    sealed = {row.user_id: bytes(row.sealed) for row in session.scalars(select(PendingShare)).all()}
    assert len(sealed) == 2 and len({len(s) for s in sealed.values()}) == 1
    # Their logins, read now: the test's own session then stays out of a transaction while the
    # shares are shown (an open transaction would keep PostgreSQL's old row versions alive).
    survey_id = survey.id
    people = [SimpleNamespace(email=h.email, totp_secret=h.totp_secret) for h in holders]
    before = database_bytes(session, database_url, tables)
    if before is None:
        pytest.skip("the database files cannot be read by this process")
    assert all(s in before for s in sealed.values())  # the scan sees the rows while they wait
    shares = [_collect(_as(app, clock, p), survey_id) for p in people]
    after = database_bytes(session, database_url, tables)
    phrases = [" ".join(s.split()[i : i + 3]).encode() for s in shares for i in (0, 15, 30)]
    # While waiting the shares were only sealed; once shown, not even the sealed bytes are left.
    assert not any(p in before for p in phrases)
    assert not any(p in after for p in phrases)
    assert not any(s[:32] in after or s[-32:] in after for s in sealed.values())
    # Nowhere else either: a row of any table, a file of the instance folder, a log line.
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            assert not any(p.decode() in repr(tuple(row)) for p in phrases), table.name
    for path in Path(app.instance_path).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(p in content for p in phrases), path
            assert not any(s[:32] in content for s in sealed.values()), path
    assert not any(p.decode() in caplog.text for p in phrases)
