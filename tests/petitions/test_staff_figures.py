"""What staff pages show of a petition's figures (review R4-1): a branch officer sees the
public's figure (the total as of the end of the previous day, rounded down, and the day-old
table), so their pages do not tell a new signature from a repeat, nor when anyone signed;
headquarters sees the live figures, labelled."""

from __future__ import annotations

import re
from datetime import timedelta

from campaign.auth.models import Role
from campaign.petitions import services
from tests.petitions.helpers import sign_via_form

NEW = ("検証 花子", "東京都港区芝公園四丁目2番8号")
REPEAT = ("検証花子", "東京都港区芝公園４－２－８")  # the same person, written differently
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤")
GIVEN = ("一郎", "二郎", "花子", "明美", "健太")
VOLATILE = re.compile(r'(name="csrf_token"[^>]*value="|nonce=")[^"]*"')


def _pages(client, petition_id: int) -> dict[str, str]:
    """The officer's petition pages, without what changes on every load (CSRF, nonces)."""
    pages = {}
    for path in ("/petitions/manage/", f"/petitions/manage/{petition_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = VOLATILE.sub(r"\1", response.get_data(as_text=True))
    return pages


def _arrange(petitions, make, clock):
    petition = petitions.opened()
    for n in range(23):
        petitions.sign(
            petition, f"{FAMILY[n % 5]} {GIVEN[n // 5]}", f"東京都千代田区霞が関{n + 1}-1-2"
        )
    clock.advance(days=1)  # yesterday's 23 are what the public (and an officer) sees
    return petition


def test_an_officers_pages_do_not_change_with_a_new_or_a_repeat_signature(
    app, auth, make, petitions, clock
):
    petition = _arrange(petitions, make, clock)
    auth.login(make.user(role=Role.OFFICER))
    signer = app.test_client()
    before = _pages(auth.client, petition.id)
    detail = before[f"/petitions/manage/{petition.id}"]
    assert "At least 20 signatures" in detail and "Online:" not in detail
    assert "at least 20" in before["/petitions/manage/"]
    assert sign_via_form(signer, petition.id, *NEW).status_code == 200
    after_new = _pages(auth.client, petition.id)
    assert sign_via_form(signer, petition.id, *REPEAT).status_code == 200
    after_repeat = _pages(auth.client, petition.id)
    assert after_new == after_repeat == before


def test_headquarters_sees_the_live_figures_labelled(app, auth, make, petitions, clock):
    petition = _arrange(petitions, make, clock)
    auth.login(make.user(role=Role.HQ))
    signer = app.test_client()
    assert sign_via_form(signer, petition.id, *NEW).status_code == 200
    detail = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "24 signatures of the goal of 100" in detail and "Online: 24" in detail
    assert "Live figures, shown to headquarters only" in detail
    listing = auth.client.get("/petitions/manage/").get_data(as_text=True)
    assert "<td>24</td>" in listing and "Live figures, shown to headquarters only" in listing
    assert sign_via_form(signer, petition.id, *REPEAT).status_code == 200
    again = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "Online: 24" in again  # the repeat counts nothing, live too


def test_figures_for_decides_by_role(app, make, petitions, session, clock):
    petition = _arrange(petitions, make, clock)
    petitions.sign(petition, *NEW)  # today's: live only
    with app.app_context():
        officer = services.figures_for(session, petition, make.user(role=Role.OFFICER))
        hq = services.figures_for(session, petition, make.user(role=Role.HQ), table=True)
    assert officer.live is None and officer.table is None
    assert (officer.progress.total, officer.progress.step) == (20, 10)
    assert officer.progress.as_of == services.today() - timedelta(days=1)
    assert hq.progress is None and hq.live.total == 24 and hq.table.as_of is None
