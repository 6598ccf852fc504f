"""Paper signatures through the pages: an officer enters batches for their own branch only
(another branch's batch is a 404), headquarters corrects with a reason, and the public
progress counts online and paper together."""

from __future__ import annotations

from sqlalchemy import select

from campaign.audit import services as audit
from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.petitions import services
from campaign.petitions.models import PaperBatch
from tests.helpers import csrf_token


def _add(client, petition, branch_id, signatures=120, sheets=24):
    url = f"/petitions/manage/{petition.id}"
    return client.post(
        f"{url}/paper",
        data={
            "csrf_token": csrf_token(client, url),
            "branch_id": branch_id,
            "received_on": services.today().isoformat(),
            "signatures": signatures,
            "sheets": sheets,
            "note": "駅前での街頭署名",
        },
    )


def test_an_officer_enters_their_branchs_paper_and_the_public_sees_it(
    auth, make, petitions, session, client, clock
):
    petition = petitions.opened()
    shiga = make.branch(prefecture="25")
    officer = make.user(branch=shiga)
    petitions.sign(petition, "山田太郎", "東京都千代田区霞が関2-1-2")
    auth.login(officer)
    assert _add(auth.client, petition, shiga.id).status_code == 302
    other = make.branch()
    assert _add(auth.client, petition, other.id).status_code == 404  # as its records are
    session.expire_all()
    assert [b.branch_id for b in session.scalars(select(PaperBatch))] == [shiga.id]
    detail = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "駅前での街頭署名" in detail
    auth.logout()
    clock.advance(days=1)  # the public page counts what came in up to yesterday
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "At least 120 signatures of the goal of 100 (120%)" in page  # 121, rounded down
    assert "Online: 1" not in page  # no split the public could subtract
    # The table by prefecture is yesterday's, rounded down as the total is: Shiga's 120 on
    # paper is a row, one online signer in Tokyo never is (R3-3, R5-2).
    assert '<tr><th scope="row">Shiga</th><td>0</td><td>120</td><td>120</td></tr>' in page
    assert '<th scope="row">Tokyo' not in page
    assert '<th scope="row">Other prefectures' not in page
    clock.advance(days=1)
    again = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert '<th scope="row">Tokyo' not in again and "Shiga</th><td>0</td><td>120</td>" in again


def test_another_branchs_batch_is_not_found_for_an_officer(auth, make, petitions, session):
    petition = petitions.opened()
    theirs = make.branch()
    hq = make.user(role=Role.HQ)
    batch = petitions.batch(petition, hq, theirs, signatures=40, sheets=8, note="他支部の回収分")
    session.commit()
    officer = make.user()
    auth.login(officer)
    assert auth.client.get(f"/petitions/manage/paper/{batch.id}").status_code == 404
    detail = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "他支部の回収分" not in detail
    token = csrf_token(auth.client, f"/petitions/manage/{petition.id}")
    posted = auth.client.post(
        f"/petitions/manage/paper/{batch.id}",
        data={"csrf_token": token, "signatures": 1, "sheets": 1, "reason": "x"},
    )
    assert posted.status_code == 404


def test_headquarters_corrects_a_batch_with_a_reason(auth, make, petitions, session):
    petition = petitions.opened()
    branch = make.branch()
    hq = make.user(role=Role.HQ)
    batch = petitions.batch(petition, hq, branch)
    session.commit()
    auth.login(hq)
    url = f"/petitions/manage/paper/{batch.id}"
    data = {
        "csrf_token": csrf_token(auth.client, url),
        "received_on": services.today().isoformat(),
        "signatures": 45,
        "sheets": 10,
        "note": "",
        "reason": "",
    }
    assert auth.client.post(url, data=data).status_code == 400
    data["reason"] = "重複した用紙を除いた"
    assert auth.client.post(url, data=data).status_code == 302
    session.expire_all()
    assert session.get(PaperBatch, batch.id).signatures == 45
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "petition.paper_corrected")
    )
    assert (entry.reason, audit.note_of(session, entry)) == (
        "50/10 → 45/10",
        "重複した用紙を除いた",
    )
    page = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "Paper signatures by branch" in page and branch.name in page
