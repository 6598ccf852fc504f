"""Search as a reader uses it: a hit leads to the matching question, no hit says what to try."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def ja(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    return client


def test_a_hit_links_to_the_question_it_is_in(ja, shipped):
    html = ja.get("/info/search?q=罰則").get_data(as_text=True)
    link = re.search(r'<h2><a href="(/info/qa#s\d+)">よくある質問：([^<]+)</a>', html)
    assert link, html[html.index("<main") :][:2000]
    page = ja.get("/info/qa").get_data(as_text=True)
    anchor = link.group(1).split("#")[1]
    heading = re.search(rf'<h2 id="{anchor}">([^<]+)</h2>', page).group(1)
    assert heading == link.group(2)
    # The passage shown is from that section.
    section = page.split(f'<h2 id="{anchor}">')[1].split("<h2 ")[0]
    assert "罰則" in section


def test_no_hit_suggests_other_words_and_the_qa(ja, shipped):
    html = ja.get("/info/search?q=存在しない言葉xyz").get_data(as_text=True)
    assert "0件です" in html
    assert "別の言葉で探してみてください" in html
    assert 'href="/info/qa"' in html.split("search-none")[1]
    assert 'href="/info/pressed"' in html.split("search-none")[1]


def test_the_flyer_points_to_the_page_with_the_contacts(ja, shipped):
    html = ja.get("/info/rights/flyer").get_data(as_text=True)
    footer = html.split('class="flyer-foot"')[1].split("</footer>")[0]
    assert "/info/pressed" in footer and "/info/rights" not in footer
