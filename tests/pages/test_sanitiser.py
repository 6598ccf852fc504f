"""No script survives Markdown rendering: not a tag, an event handler or a dangerous URL."""

from __future__ import annotations

import re

import pytest

from campaign.pages import markup
from tests.pages.xss_corpus import PAYLOADS

DANGEROUS = [
    re.compile(
        r"<\s*(script|iframe|object|embed|form|input|style|svg|math|meta|base|link|body)\b", re.I
    ),
    re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),  # an event handler inside a tag
    re.compile(r"<[^>]+\sstyle\s*=", re.I),
    re.compile(
        r"""(href|src|action|data|background)\s*=\s*["']?\s*(javascript|vbscript|data):""", re.I
    ),
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendering_removes_script_handlers_and_javascript_links(payload):
    html = str(markup.render(f"Before\n\n{payload}\n\nAfter").html)
    for pattern in DANGEROUS:
        assert not pattern.search(html), (payload, html)
    assert html.startswith("<p>Before</p>")  # the page around it is kept


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitiser_alone_removes_them_from_raw_html(payload):
    html = markup.sanitise(payload)
    for pattern in DANGEROUS:
        assert not pattern.search(html), (payload, html)


def test_ordinary_markdown_survives():
    rendered = markup.render(
        "## 見出し\n\n**強調** と [リンク](https://example.org/a?b=1) と [電話](tel:0120000000)\n\n"
        "- 項目\n\n| 列 | 値 |\n|---|---|\n| a | 1 |\n\n> 引用"
    )
    html = str(rendered.html)
    assert '<h2 id="s1">見出し</h2>' in html
    assert "<strong>強調</strong>" in html
    assert '<a href="https://example.org/a?b=1" rel="noopener noreferrer">リンク</a>' in html
    assert 'href="tel:0120000000"' in html
    assert "<table>" in html and "<blockquote>" in html
    assert rendered.headings[0].text == "見出し"


def test_code_shows_markup_as_text():
    html = str(markup.render("`<b>bold</b>`").html)
    assert "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in html


def test_plain_text_has_no_markup():
    assert (
        markup.plain_text("## 質問\n\n**通知カード**と<em>写真</em>")
        == "質問\u3000通知カードと写真"
    )
