"""Search finds Japanese words inside sentences, on SQLite and on PostgreSQL alike.

The suite runs on PostgreSQL when NAISHIN_DATABASE_URL names one (CI runs both).
"""

from __future__ import annotations

import re

import pytest

from campaign.pages import services
from tests.helpers import ON_POSTGRES
from tests.pages.factories import PageFactory


def _slugs(session, query, locale="ja"):
    return [hit.page.slug for hit in services.search(session, query, locale)]


def test_runs_on_the_configured_database(session):
    assert session.get_bind().dialect.name == ("postgresql" if ON_POSTGRES else "sqlite")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("通知カード", "qa"),  # inside 「紙の通知カードと、…」
        ("不利益", "qa"),  # inside 「応じなかった人に不利益はない」
        ("踏み絵", "qa"),
        ("内心の自由", "qa"),
        ("取得状況", "pressed"),
        ("高知県", None),  # figures live in the data file, not the page text
    ],
)
def test_finds_japanese_words_mid_sentence(session, shipped, term, expected):
    found = _slugs(session, term)
    if expected is None:
        assert "qa" not in found
    else:
        assert expected in found, (term, found)


def test_mid_sentence_match_in_a_sentence_without_spaces(session):
    PageFactory(session).page(body_ja="職場で申請書を渡されても不利益な扱いは許されません。")
    PageFactory(session).page(body_ja="関係のない本文です。")
    hits = services.search(session, "不利益", "ja")
    assert len(hits) == 1
    assert (hits[0].before, hits[0].match) == ("職場で申請書を渡されても", "不利益")


def test_width_and_case_are_folded(session):
    PageFactory(session).page(body_en="The MyNumber Card is voluntary.", body_ja="ＩＣチップの中身")
    assert len(services.search(session, "mynumber card", "en")) == 1
    assert len(services.search(session, "ICチップ", "ja")) == 1  # full-width in the text


def test_every_word_must_match(session, shipped):
    assert "qa" in _slugs(session, "通知カード 写真")
    assert _slugs(session, "通知カード 存在しない語") == []


def test_like_wildcards_are_taken_literally(session, shipped):
    page = PageFactory(session).page(body_en="Rates: 9.0% of the population.")
    found = _slugs(session, "%")
    assert page.slug in found and "pressed" not in found  # only texts with a real "%"
    # Only pages with a real "_" (the Q&A has one, in a source's address), never all of them.
    with_underscore = {
        e["slug"] for e in services.shipped_pages() if "_" in e["body_ja"] + e["body_en"]
    }
    assert set(_slugs(session, "_")) == with_underscore != {"qa", "rights", "pressed", "figures"}
    assert _slugs(session, "\\") == []


def test_unpublished_pages_are_not_found(session):
    PageFactory(session).page(publish=False, body_ja="非公開の下書きに通知カードと書く")
    assert _slugs(session, "通知カード") == []


def test_search_page_shows_the_passage(client, shipped):
    html = client.get("/info/search?q=不利益", headers={"Accept-Language": "ja"}).get_data(
        as_text=True
    )
    assert "<mark>不利益</mark>" in html
    # Straight to the page's own address and the section of the match.
    assert re.search(r'href="/info/qa#s\d+"', html)
    assert client.get("/info/search?q=").status_code == 200
