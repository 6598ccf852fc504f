"""The published figures of a day are stored once, for every worker and server, and after the
close their online part is the close's for good (review R7b-1), paper being added as entered
(review R8-5).

The attack they answer: a branch officer signs a colleague's name and home address with his own
email (a repeat if the colleague had signed, a new signature if not: the page says the same),
then recovers the exact total the rounding withholds, by paper batches of 1 signature dated a
past day (each moved that day's figure when it was worked out again, the next day or in the
next worker), and withdraws his probe: −1 or +0 told whether the colleague had signed. Now a
batch counts by the day it was entered, a day's figures are one row in the database, and after
the close no member's action moves the figure: online it is the close's, and only paper, entered
by staff, is added (by the day it was entered).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from campaign import create_app
from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.petitions import services
from campaign.petitions.models import PaperBatch, Petition, PublishedDay
from tests.helpers import Auth, EnglishClient, csrf_token
from tests.petitions.test_published_counts import _sign

MEMBER = ("検証太郎", "東京都千代田区霞が関2-1-2")


def _shown(client, petition_id: int, path: str = "/petitions/manage/{}") -> int:
    page = client.get(path.format(petition_id)).get_data(as_text=True)
    found = re.search(r"At least ([\d,]+) signatures", page)
    return int(found.group(1).replace(",", "")) if found else 0


def _probe(petitions, session, petition):
    """The officer's signature in the member's name, with his own email, confirmed."""
    probe = petitions.sign(petition, *MEMBER, email="probe@example.org")
    assert services.confirm(session, probe.token) == "confirmed"
    session.commit()
    return probe


@pytest.mark.parametrize("member_signed", [True, False])
def test_after_the_close_paper_adds_up_and_a_withdrawal_tells_nothing(
    auth, client, make, petitions, session, clock, member_signed
):
    petition = petitions.opened(closes_on=services.today() + timedelta(days=1))
    _sign(petitions, petition, "13", 23)
    if member_signed:
        petitions.sign(petition, *MEMBER)
    officer = make.user(branch=make.branch(prefecture="13"))
    probe = _probe(petitions, session, petition)
    clock.advance(days=2)  # closed
    auth.login(officer)
    readings = [_shown(auth.client, petition.id)]
    session.expire_all()
    closed_on = session.get(Petition, petition.id).closed_on
    assert closed_on == petition.closes_on
    # Ten batches of 1 dated the closing day, one a day: the figure steps up at the sixth
    # (24 + 6 = 30), so the officer learns the exact online count at the close (24 whether the
    # member had signed or not: the probe is the person or a repeat) and nothing more.
    for _ in range(10):
        petition = session.get(Petition, petition.id)
        services.add_batch(
            session, officer, petition, branch_id=officer.branch_id, received_on=closed_on,
            signatures=1, sheets=1,
        )  # fmt: skip
        session.commit()
        clock.advance(days=1)
        auth.login(officer)
        readings.append(_shown(auth.client, petition.id))
    assert services.withdraw(session, probe.token)
    session.commit()
    clock.advance(days=1)
    auth.login(officer)
    readings.append(_shown(auth.client, petition.id))
    # The withdrawal (−1 on the exact count if the probe was the person) moves nothing.
    assert readings == [20] * 6 + [30] * 6  # whether the member had signed or not
    assert _shown(client, petition.id, "/petitions/{}") == 30
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "Online signatures are counted as they were at the close; paper forms" in page
    # Headquarters' exact counts (the 署名簿, the submission) do change.
    exact = services.counts(session, session.get(Petition, petition.id))
    assert (exact.online, exact.paper) == (24 if member_signed else 23, 10)


def test_two_app_instances_show_one_figure_all_day(
    app, auth, client, make, petitions, session, clock
):
    """Two app instances on one database, as two gunicorn workers (or servers): each used to
    work the day's figure out at its own first request, from the rows as they were then."""
    second = create_app(dict(app.config, TESTING=True))
    second.test_client_class = EnglishClient
    try:
        petition = petitions.opened()
        _sign(petitions, petition, "13", 22)
        officer = make.user(branch=make.branch(prefecture="13"))
        probe = _probe(petitions, session, petition)  # 23
        clock.advance(days=1)
        yesterday = services.today() - timedelta(days=1)
        public = client  # the first instance's
        # A public page writes nothing (read-only): it works the figure out, as the row will be.
        assert _shown(public, petition.id, "/petitions/{}") == 20
        stored = select(func.count()).select_from(PublishedDay)
        assert session.scalar(stored.where(PublishedDay.as_of == yesterday)) == 0
        auth.login(officer)
        assert _shown(auth.client, petition.id) == 20  # the first staff request stores it
        session.commit()
        assert session.scalar(stored.where(PublishedDay.as_of == yesterday)) == 1
        services.add_batch(
            session, officer, session.get(Petition, petition.id), branch_id=officer.branch_id,
            received_on=yesterday, signatures=8, sheets=1,
        )  # fmt: skip
        assert services.withdraw(session, probe.token)
        session.commit()
        other = Auth(second.test_client(), clock)
        other.login(officer)
        readings = [
            _shown(auth.client, petition.id),
            _shown(other.client, petition.id),  # the second instance's first request
            _shown(public, petition.id, "/petitions/{}"),
            _shown(second.test_client(), petition.id, "/petitions/{}"),
        ]
        assert readings == [20, 20, 20, 20]
        clock.advance(days=1)  # 22 + 8 entered yesterday: 30, on both
        auth.login(officer)
        other.login(officer)
        assert [_shown(auth.client, petition.id), _shown(other.client, petition.id)] == [30, 30]
    finally:
        second.extensions["naishin.engine"].dispose()


@pytest.mark.parametrize("closed", [False, True])
def test_a_backdated_batch_through_the_form_changes_no_past_day(
    auth, make, petitions, session, clock, closed
):
    petition = petitions.opened(closes_on=services.today() + timedelta(days=1))
    _sign(petitions, petition, "13", 23)
    officer = make.user(branch=make.branch(prefecture="13"))
    clock.advance(days=3 if closed else 1)
    yesterday = services.today() - timedelta(days=1)
    auth.login(officer)
    page = f"/petitions/manage/{petition.id}"
    assert _shown(auth.client, petition.id) == 20
    received = services.today() - timedelta(days=60)
    response = auth.client.post(
        f"{page}/paper",
        data={
            "csrf_token": csrf_token(auth.client, page),
            "branch_id": officer.branch_id,
            "received_on": received.isoformat(),
            "signatures": "7",
            "sheets": "1",
        },
    )
    assert response.status_code == 302  # the date received is the batch's record, as typed
    batch = session.scalars(select(PaperBatch).where(PaperBatch.petition_id == petition.id)).one()
    assert batch.received_on == received
    assert _shown(auth.client, petition.id) == 20
    # Not because the day's row was stored first: a past day's count leaves it out, as it was
    # entered today, whatever its date received (and the stored rows worked out again agree).
    session.execute(delete(PublishedDay))
    session.commit()
    petition = session.get(Petition, petition.id)
    assert services.counts(session, petition, through=yesterday).paper == 0
    assert _shown(auth.client, petition.id) == 20
    clock.advance(days=1)
    auth.login(officer)
    assert _shown(auth.client, petition.id) == 30  # entered yesterday, closed or not (R8-5)
    # Headquarters' exact counts and the paper by branch count it, by its date received.
    assert services.counts(session, petition).paper == 7
    assert services.counts(session, petition, through=received).paper == 0
    [(_, batches, signatures, _)] = services.paper_by_branch(session, petition)
    assert (batches, signatures) == (1, 7)
    added = select(AuditEntry).where(AuditEntry.action == "petition.paper_added")
    assert session.scalars(added).one().object_id == str(batch.id)


def test_the_close_is_told_in_japanese_and_to_headquarters(auth, client, make, petitions, clock):
    petition = petitions.opened(closes_on=services.today())
    _sign(petitions, petition, "13", 12)
    clock.advance(days=1)
    page = client.get(f"/petitions/{petition.id}?lang=ja").get_data(as_text=True)
    assert "オンラインの署名は締め切り時点の数です。紙の署名は、入力された分" in page
    auth.login(make.user(role=Role.HQ))
    staff = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "they see the online signatures as they were at the close, and the paper" in staff


def test_paper_entered_after_the_close_reaches_the_public_figure(make, petitions, session, clock):
    """Review R8-5: the sheets come in after the online close (300 received on the closing
    day, entered three days later). Frozen at the close, the figure stayed 20 for good; now
    the online part is the close's and the paper is added from the day after it was entered,
    even with no published row left (as right after the migration)."""
    petition = petitions.opened(closes_on=services.today())
    _sign(petitions, petition, "13", 23)
    officer = make.user(branch=make.branch(prefecture="13"))
    closing_day = petition.closes_on
    clock.advance(days=1)
    services.close_due(session)
    session.commit()
    clock.advance(days=3)
    petition = session.get(Petition, petition.id)
    services.add_batch(
        session, officer, petition, branch_id=officer.branch_id, received_on=closing_day,
        signatures=300, sheets=30,
    )  # fmt: skip
    session.commit()
    assert services.public_progress(session, petition).total == 20  # as of yesterday
    clock.advance(days=1)
    progress = services.public_progress(session, session.get(Petition, petition.id))
    assert (progress.total, progress.final) == (320, True)
    session.execute(delete(PublishedDay))
    session.commit()
    assert services.public_progress(session, session.get(Petition, petition.id)).total == 320
