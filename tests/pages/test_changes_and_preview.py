"""The page editor as headquarters uses it: changes shown in words, a preview without saving,
pages named by their title and revisions named in Japanese."""

from __future__ import annotations

import pytest

from campaign.pages import changes
from campaign.pages.models import PageRevision
from tests.helpers import csrf_token
from tests.pages.test_editing import _form, _page


def test_a_changed_sentence_shows_its_words_removed_and_added():
    pieces = changes.words("申請は義務ではありません。", "申請は本人の自由です。")
    kinds = [(p.kind, p.text) for p in pieces]
    assert kinds[0] == ("same", "申請は")
    assert ("del", "義務ではありません") in kinds and ("add", "本人の自由です") in kinds
    english = changes.words("The card is optional.", "The card is voluntary.")
    assert [(p.kind, p.text) for p in english] == [
        ("same", "The card is "),
        ("del", "optional."),
        ("add", "voluntary."),
    ]


def test_only_changed_paragraphs_are_shown():
    old = "第一段落です。\n\n第二段落です。\n\n第三段落です。"
    new = "第一段落です。\n\n第二段落を直しました。\n\n第三段落です。\n\n新しい段落。"
    shown = changes.paragraphs(old, new)
    assert len(shown) == 2
    assert "".join(p.text for p in shown[0] if p.kind != "del") == "第二段落を直しました。"
    assert shown[1] == (changes.Piece("add", "新しい段落。"),)


@pytest.fixture
def ja(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    return client


def test_the_change_view_reads_in_japanese_words(ja, session, shipped, hq, auth):
    auth.login(hq)
    data = _form(session, "rights", body_ja="## 見出し\n\n本部が書き直した本文です。")
    data.update(csrf_token=csrf_token(ja, "/info/admin/rights"), save="1")
    assert ja.post("/info/admin/rights", data=data).status_code == 302
    html = ja.get("/info/admin/rights/revisions/2").get_data(as_text=True)
    assert "<h3>本文（日本語）</h3>" in html
    assert "<ins>" in html and "<del>" in html
    assert "r1" not in html and "r2" not in html and "@@" not in html
    history = ja.get("/info/admin/rights/revisions").get_data(as_text=True)
    title = _page(session).slug
    assert f"「{title}」" not in history  # named by its title, not its address
    assert "第1版を復元" in history and "当初の内容" in history
    assert "（<strong>公開中</strong>）" in history


def test_preview_shows_the_text_without_saving(ja, session, shipped, hq, auth):
    auth.login(hq)
    before = session.query(PageRevision).count()
    data = _form(session, "rights", body_ja="## 下書きの見出し\n\n**まだ**保存していない本文。")
    data.update(csrf_token=csrf_token(ja, "/info/admin/rights"), preview="1")
    response = ja.post("/info/admin/rights", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "プレビュー（まだ保存していません）" in html
    assert "<strong>まだ</strong>保存していない本文。" in html
    # What was typed stays in the box, and nothing was saved.
    assert "**まだ**保存していない本文。" in html
    assert session.query(PageRevision).count() == before
    assert 'rows="24"' in html


def test_an_officer_cannot_preview(ja, session, shipped, officer, auth):
    auth.login(officer)
    data = _form(session, "rights")
    token = csrf_token(ja, "/")
    response = ja.post("/info/admin/rights", data={**data, "preview": "1", "csrf_token": token})
    assert response.status_code in (403, 404)
