"""Headquarters edits, publishes and restores pages; each change is audited; officers cannot."""

from __future__ import annotations

from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.pages import services
from campaign.pages.models import Page, PageRevision
from tests.helpers import csrf_token


def _form(session, slug: str, **changes) -> dict:
    page = session.scalar(select(Page).where(Page.slug == slug))
    rev = session.scalar(
        select(PageRevision).where(
            PageRevision.page_id == page.id, PageRevision.number == page.latest_number
        )
    )
    data = {name: getattr(rev, name) for name in services.FIELDS}
    data["base_number"] = str(page.latest_number)
    data.update(changes)
    return data


def _actions(session) -> list[tuple[str, str | None]]:
    session.expire_all()
    return [
        (e.action, e.reason)
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("page.%")).order_by(AuditEntry.seq)
        )
    ]


def _page(session, slug="rights") -> Page:
    session.expire_all()
    return session.scalar(select(Page).where(Page.slug == slug))


def test_edit_as_draft_then_publish_then_restore_each_audited(client, session, shipped, hq, auth):
    auth.login(hq)
    url = "/info/admin/rights"
    new_body = "## 新しい見出し\n\n本部が書き直した本文です。"
    data = _form(session, "rights", body_ja=new_body, note="見出しを変更")
    data["csrf_token"] = csrf_token(client, url)
    data["save"] = "1"
    response = client.post(url, data=data)
    assert response.status_code == 302

    page = _page(session)
    assert (page.latest_number, page.published_number) == (2, 1)
    assert "本部が書き直した" not in client.get(
        "/info/rights?lang=ja", headers={"Accept-Language": "ja"}
    ).get_data(as_text=True)
    assert _actions(session)[-1] == ("page.edited", "r2")

    token = csrf_token(client, "/info/admin/rights/revisions")
    assert client.post("/info/admin/rights/publish", data={"csrf_token": token}).status_code == 302
    assert _page(session).published_number == 2
    public = client.get("/info/rights", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "本部が書き直した本文です。" in public
    assert _actions(session)[-1] == ("page.published", "r2")

    history = client.get("/info/admin/rights/revisions").get_data(as_text=True)
    assert "見出しを変更" in history and "Restore revision 1" in history
    diff = client.get("/info/admin/rights/revisions/2").get_data(as_text=True)
    assert "本部が書き直した本文です。</ins>" in diff
    assert "Page text (Japanese)" in diff and "Page text (English)" not in diff
    assert "---" not in diff and "@@" not in diff and "body_ja" not in diff

    token = csrf_token(client, "/info/admin/rights/revisions/1")
    response = client.post("/info/admin/rights/revisions/1/restore", data={"csrf_token": token})
    assert response.status_code == 302
    page = _page(session)
    assert (page.latest_number, page.published_number) == (3, 3)
    public = client.get("/info/rights", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "本部が書き直した" not in public and "第16条の2第1項" in public
    assert _actions(session)[-1] == ("page.restored", "r1 as r3")
    # No page content in the audit log.
    assert all("本部" not in (reason or "") for _, reason in _actions(session))


def test_save_and_publish_at_once(client, session, shipped, hq, auth):
    auth.login(hq)
    data = _form(session, "qa", title_en="Questions and answers (updated)")
    data["csrf_token"] = csrf_token(client, "/info/admin/qa")
    data["save_publish"] = "1"
    assert client.post("/info/admin/qa", data=data).status_code == 302
    assert _page(session, "qa").published_number == 2
    assert "(updated)" in client.get("/info/qa").get_data(as_text=True)
    assert _actions(session)[-2:] == [("page.edited", "r2"), ("page.published", "r2")]


def test_unpublish_hides_the_page_and_is_audited(client, session, shipped, hq, auth):
    auth.login(hq)
    token = csrf_token(client, "/info/admin/rights/revisions")
    assert (
        client.post("/info/admin/rights/unpublish", data={"csrf_token": token}).status_code == 302
    )
    auth.logout()
    assert client.get("/info/rights").status_code == 404
    assert _actions(session)[-1] == ("page.unpublished", None)


def test_stale_edit_is_refused_not_overwritten(client, session, shipped, hq, auth):
    auth.login(hq)
    stale = _form(session, "qa", body_en="Mine")
    services.save(
        session,
        _page(session, "qa"),
        {**_form(session, "qa"), "body_en": "Theirs"},
        base_number=1,
        author_id=None,
    )
    session.commit()
    stale["csrf_token"] = csrf_token(client, "/info/admin/qa")
    stale["save"] = "1"
    response = client.post("/info/admin/qa", data=stale)
    assert response.status_code == 400
    assert "Someone saved this page while you were editing" in response.get_data(as_text=True)
    assert _page(session, "qa").latest_number == 2


def test_script_typed_by_an_editor_never_reaches_the_public_page(
    client, session, shipped, hq, auth
):
    auth.login(hq)
    body = '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="alert(1)">'
    data = _form(session, "qa", body_en=body)
    data["csrf_token"] = csrf_token(client, "/info/admin/qa")
    data["save_publish"] = "1"
    assert client.post("/info/admin/qa", data=data).status_code == 302
    html = client.get("/info/qa").get_data(as_text=True)
    assert "<script>alert" not in html and "onerror" not in html
    assert 'href="javascript:' not in html and "<img" not in html


def test_an_officer_cannot_edit_publish_or_restore(client, session, shipped, officer, auth):
    auth.login(officer)
    assert client.get("/info/admin/").status_code == 403
    assert client.get("/info/admin/qa").status_code == 403
    token = csrf_token(client, "/account")
    data = {**_form(session, "qa", body_en="Officer text"), "csrf_token": token, "save": "1"}
    assert client.post("/info/admin/qa", data=data).status_code == 403
    for url in (
        "/info/admin/qa/publish",
        "/info/admin/qa/unpublish",
        "/info/admin/qa/revisions/1/restore",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 403
    assert _page(session, "qa").latest_number == 1
    assert _actions(session) == [("page.loaded", None)] * 4
    assert "Edit pages" not in client.get("/info/qa").get_data(as_text=True)


def test_a_post_without_csrf_token_is_refused(client, session, shipped, hq, auth):
    auth.login(hq)
    assert client.post("/info/admin/qa/publish").status_code == 400
    assert client.post("/info/admin/qa/revisions/1/restore").status_code == 400


def test_loading_again_keeps_later_edits(session, shipped, runner):
    page = _page(session, "qa")
    services.save(
        session,
        page,
        {**_form(session, "qa"), "body_ja": "編集済み"},
        base_number=1,
        author_id=None,
        publish=True,
    )
    session.commit()
    result = runner.invoke(args=["pages", "load"])
    assert result.exit_code == 0, result.output
    assert "0 loaded, 4 kept" in result.output
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    page = _page(session, "qa")
    assert (page.latest_number, page.published_number) == (2, 2)
    assert session.scalar(select(Page.id).where(Page.slug == "figures")) is not None


def test_init_loads_the_pages_once(session, runner):
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    assert sorted(session.scalars(select(Page.slug))) == ["figures", "pressed", "qa", "rights"]
    assert session.scalar(select(PageRevision.id).where(PageRevision.number == 2)) is None


def _new_page_form(client, slug: str) -> dict:
    return {
        "csrf_token": csrf_token(client, "/info/admin/new"),
        "slug": slug,
        "title_ja": "健康保険証のこと",
        "title_en": "About health insurance",
        "description_ja": "説明",
        "description_en": "Description",
        "body_ja": "本文",
        "body_en": "Text",
        "save": "1",
    }


def test_hq_adds_a_page_as_a_draft_then_publishes_it(client, session, shipped, hq, auth):
    auth.login(hq)
    response = client.post("/info/admin/new", data=_new_page_form(client, "health-insurance"))
    assert response.status_code == 302
    page = _page(session, "health-insurance")
    assert (page.latest_number, page.published_number) == (1, None)
    assert _actions(session)[-1] == ("page.created", None)
    auth.logout()
    assert client.get("/info/p/health-insurance").status_code == 404
    assert "About health insurance" not in client.get("/info/").get_data(as_text=True)

    auth.login(hq)
    token = csrf_token(client, "/info/admin/health-insurance/revisions")
    client.post("/info/admin/health-insurance/publish", data={"csrf_token": token})
    auth.logout()
    assert client.get("/info/p/health-insurance").status_code == 200
    index = client.get("/info/").get_data(as_text=True)
    assert "About health insurance" in index and "Your rights" in index


def test_bad_or_taken_addresses_are_refused(client, session, shipped, hq, auth):
    auth.login(hq)
    for slug in ("Bad Slug", "qa", "new", "a--b", "../x"):
        response = client.post("/info/admin/new", data=_new_page_form(client, slug))
        assert response.status_code == 400, slug
    assert len(services.all_pages(session)) == 4


def test_the_page_address_is_not_called_a_postal_address(client, shipped, hq, auth):
    """A page's URL slug was labelled 「住所」, the word for a signer's postal address, on the form,
    in its messages and over the admin list's column (review R4-6)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    auth.login(hq)
    data = _new_page_form(client, "")
    refused = client.post("/info/admin/new", data=data).get_data(as_text=True)
    assert "ページのURLを入力してください。" in refused
    assert '<label for="slug">ページのURL<span class="required">' in refused
    assert "英小文字・数字・ハイフン" in refused
    admin = client.get("/info/admin/").get_data(as_text=True)
    assert '<th scope="col">ページのURL</th>' in admin
    assert "住所" not in refused and "住所" not in admin
