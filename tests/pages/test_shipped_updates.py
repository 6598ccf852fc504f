"""A new release's shipped pages: unedited pages are brought up to date; a page headquarters
edited is never overwritten, and is offered the newer shipped version to review and adopt."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.pages import services
from campaign.pages.models import Page, PageRevision
from tests.helpers import csrf_token

NEW_RIGHTS_JA = "## 新しい版\n\n次の版で出荷された本文です。"
NEW_RIGHTS_EN = "## The new release\n\nText shipped with the next release."


@pytest.fixture
def next_release(monkeypatch):
    """The shipped content as the next release has it: the rights page rewritten."""
    current = services.shipped_pages()

    def shipped_pages():
        pages = [dict(entry) for entry in current]
        for entry in pages:
            if entry["slug"] == "rights":
                entry["body_ja"] = NEW_RIGHTS_JA
                entry["body_en"] = NEW_RIGHTS_EN
        return pages

    monkeypatch.setattr(services, "shipped_pages", shipped_pages)


def _page(session, slug="rights") -> Page:
    session.expire_all()
    return session.scalar(select(Page).where(Page.slug == slug))


def _rev(session, page: Page, number: int) -> PageRevision:
    return session.scalar(
        select(PageRevision).where(PageRevision.page_id == page.id, PageRevision.number == number)
    )


def _edit(session, slug="rights", body_ja="本部が書き直した本文です。", publish=True):
    page = _page(session, slug)
    content = services.content_of(services.latest(session, page))
    content["body_ja"] = body_ja
    services.save(
        session,
        page,
        content,
        base_number=page.latest_number,
        author_id=None,
        note="本部の修正",
        publish=publish,
    )
    session.commit()


def _actions(session) -> list[tuple[str, str | None]]:
    session.expire_all()
    return [
        (e.action, e.reason)
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("page.%")).order_by(AuditEntry.seq)
        )
    ]


def test_an_unedited_page_is_brought_up_to_date(session, shipped, next_release, runner):
    result = runner.invoke(args=["pages", "load"])
    assert result.exit_code == 0, result.output
    assert "0 loaded, 3 kept as they are, 1 updated" in result.output
    assert "waits for review" not in result.output
    page = _page(session)
    assert (page.latest_number, page.published_number) == (2, 2)
    assert _rev(session, page, 2).body_ja == NEW_RIGHTS_JA
    assert _actions(session)[-1] == ("page.updated", "r2")
    # Loading the same release again changes nothing.
    result = runner.invoke(args=["pages", "load"])
    assert "0 loaded, 4 kept as they are, 0 updated" in result.output
    assert _page(session).latest_number == 2


def test_an_edited_page_is_not_overwritten_and_is_offered_the_new_version(
    client, session, shipped, hq, auth, next_release, runner
):
    _edit(session)
    result = runner.invoke(args=["pages", "load"])
    assert result.exit_code == 0, result.output
    assert "0 loaded, 4 kept as they are, 0 updated" in result.output
    assert "newer shipped version waits for review" in result.output
    assert result.output.rstrip().endswith(": rights.")
    page = _page(session)
    assert (page.latest_number, page.published_number) == (2, 2)
    assert _rev(session, page, 2).body_ja == "本部が書き直した本文です。"
    public = client.get("/info/rights", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "本部が書き直した" in public and "次の版で出荷された" not in public

    auth.login(hq)
    admin = client.get("/info/admin/").get_data(as_text=True)
    assert "/info/admin/rights/shipped" in admin
    assert "/info/admin/qa/shipped" not in admin
    review = client.get("/info/admin/rights/shipped")
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    # What adopting would do to headquarters' page, and what the release itself changed.
    assert "本部が書き直し</del>" in html and "次の版で出荷され</ins>た本文です。" in html
    assert "Text shipped with the next release.</ins>" in html
    assert client.get("/info/admin/qa/shipped").status_code == 404

    token = csrf_token(client, "/info/admin/rights/shipped")
    response = client.post(
        "/info/admin/rights/shipped/adopt", data={"csrf_token": token, "base_number": "2"}
    )
    assert response.status_code == 302
    page = _page(session)
    assert (page.latest_number, page.published_number) == (3, 3)
    adopted = _rev(session, page, 3)
    assert adopted.body_ja == NEW_RIGHTS_JA and adopted.author_id == hq.id
    assert _rev(session, page, 2).body_ja == "本部が書き直した本文です。"  # still restorable
    assert _actions(session)[-1] == ("page.adopted", "r3")
    public = client.get("/info/rights", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "次の版で出荷された" in public
    # Adopted: nothing more is offered, and a later edit of headquarters is not offered again.
    assert client.get("/info/admin/rights/shipped").status_code == 404
    _edit(session, body_ja="採用後にまた直しました。")
    assert services.shipped_offers(session) == []
    result = runner.invoke(args=["pages", "load"])
    assert "waits for review" not in result.output
    assert _page(session).latest_number == 4


def test_adopting_after_someone_saved_meanwhile_is_refused(
    client, session, shipped, hq, auth, next_release
):
    _edit(session)
    auth.login(hq)
    token = csrf_token(client, "/info/admin/rights/shipped")
    _edit(session, body_ja="別の人が保存しました。")
    response = client.post(
        "/info/admin/rights/shipped/adopt", data={"csrf_token": token, "base_number": "2"}
    )
    assert response.status_code == 302
    page = _page(session)
    assert page.latest_number == 3
    assert _rev(session, page, 3).body_ja == "別の人が保存しました。"


def test_a_draft_or_an_unpublished_page_is_not_overwritten(session, shipped, next_release):
    _edit(session, publish=False)  # a draft waits on top of the shipped r1
    qa = _page(session, "qa")
    services.unpublish(session, qa)
    session.commit()
    result = services.load_shipped(session)
    session.commit()
    assert result.updated == 0
    page = _page(session)
    assert (page.latest_number, page.published_number) == (2, 1)
    assert _page(session, "qa").published_number is None
    assert [o.page.slug for o in services.shipped_offers(session)] == ["rights"]


def test_an_officer_cannot_review_or_adopt(client, session, shipped, officer, auth, next_release):
    _edit(session)
    auth.login(officer)
    assert client.get("/info/admin/rights/shipped").status_code == 403
    token = csrf_token(client, "/account")
    response = client.post(
        "/info/admin/rights/shipped/adopt", data={"csrf_token": token, "base_number": "2"}
    )
    assert response.status_code == 403
    assert _page(session).latest_number == 2
