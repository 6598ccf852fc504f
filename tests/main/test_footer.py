"""The footer tells each reader the truth about records of their visit (review R3-20: staff were
told that nobody records who reads a page, on pages whose every view is audited by name)."""

from __future__ import annotations

from campaign.auth.models import Role

NO_RECORD = "It keeps no record of who answers a survey or reads a page."
AUDITED = "recorded in the audit log under their name"


def test_the_public_reads_that_no_visit_is_recorded(client):
    page = client.get("/info/qa").get_data(as_text=True)
    assert NO_RECORD in page and AUDITED not in page


def test_staff_read_that_their_reads_are_audited(auth, make):
    auth.login(make.user(role=Role.OFFICER))
    page = auth.client.get("/cases/").get_data(as_text=True)
    assert AUDITED in page and NO_RECORD not in page


def test_the_staff_footer_reads_naturally_in_japanese(auth, make):
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get("/cases/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "役職員がここで閲覧・書き出し・復号した記録は、氏名とともに監査ログに残ります。" in page
