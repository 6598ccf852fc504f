"""The crawl's rules catch what a Japanese reader would stumble on, and leave correct text alone."""

from __future__ import annotations

import pytest

from tests.screens.pagetext import markup_problems, text_problems

JARGON_RULE = "wording a union office would not use"


def _rules(html: str) -> set[str]:
    return {p.rule for p in text_problems(f"<html lang='ja'><body>{html}</body></html>")}


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        ("<p>このフィールドは必須です。</p>", "framework message"),
        ("<p>市区町村: 港区</p>", "ASCII punctuation next to Japanese"),
        ("<p>全回答 (12件の回答)</p>", "ASCII punctuation next to Japanese"),
        ("<p>港区職員支部 の記録</p>", "space next to Japanese"),
        ("<p>報告されています。 うち自支部</p>", "space next to Japanese"),
        ("<p>最終更新日：2026-12-01</p>", "ISO date in running text"),
        ("<p>状態：hq_reviewing</p>", "code in running text"),
        ("<p>事例を更新しました（case.state_changed）</p>", "code in running text"),
        ("<p>保存しました。Shipped content</p>", "Latin letters in Japanese text"),
        ("<td>Opened petition for signatures.</td>", "English on a Japanese page"),
        ("<p>新しい出荷版あり</p>", JARGON_RULE),
        ("<h1>不正なリクエスト</h1>", JARGON_RULE),
        ("<p>ブラウザの印刷機能で印刷してください。</p>", JARGON_RULE),
        ("<p>宛先（日本語。例：総務大臣）を入力してください。</p>", JARGON_RULE),
    ],
)
def test_each_rule_catches_its_mistake(html, rule):
    assert rule in _rules(html)


@pytest.mark.parametrize(
    "html",
    [
        "<p>2026年12月1日 9:05に保存しました。</p>",
        "<p>総務大臣　殿</p>",
        "<p>コードは<code>case.state_changed</code>です。</p>",
        '<p>日付<time datetime="2026-12-01">2026年12月1日</time></p>',
        '<input value="2026-12-01"><p>PDF、Word（.docx）で保存できます。</p>',
        "<p>出典：e-Gov法令検索 https://laws.e-gov.go.jp/law/1 。「iuris.jp」の写し</p>",
        "<ul><li>一覧</li>\n  <li>検索</li></ul>",
    ],
)
def test_correct_japanese_passes(html):
    assert not _rules(html)


def test_unstyled_buttons_and_python_attributes_are_caught():
    html = (
        '<form method="post"><input type="submit" value="保存">'
        '<input aria-invalid="None" aria-describedby="nowhere"></form>'
    )
    rules = {p.rule for p in markup_problems(html)}
    assert rules == {
        "unstyled submit button",
        "attribute written from Python",
        "aria-describedby names no element",
    }


def test_an_id_used_twice_is_caught_on_hidden_inputs_too():
    """Two forms on one page whose fields share an id: the second label and hint name the first
    form's field (review R4-9)."""
    field = '<label for="reason">理由</label><input id="reason" aria-describedby="reason-hint">'
    hint = '<p class="hint" id="reason-hint">注意</p>'
    html = f'<form method="post">{field}{hint}</form><form method="post">{field}{hint}</form>'
    problems = [str(p) for p in markup_problems(html)]
    assert any("id used twice" in p and "id=reason " in p for p in problems), problems
    assert any("id=reason-hint" in p for p in problems), problems
    token = '<input type="hidden" id="csrf_token" name="csrf_token" value="x">'
    problems = [str(p) for p in markup_problems(f"<form>{token}</form><form>{token}</form>")]
    assert any("id=csrf_token on input, input" in p for p in problems), problems
    bare = '<input type="hidden" name="csrf_token" value="x">'
    assert not markup_problems(f"<form>{bare}</form><form>{bare}</form>")
