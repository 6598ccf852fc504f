"""The public pages: both languages, key facts, sharing tags, caching, drafts stay hidden."""

from __future__ import annotations

import re

import pytest

from campaign.auth.models import Role
from tests.pages import factories
from tests.pages.factories import PageFactory

# Key facts each page must state, per language (checked against ../shared/DOMAIN.md).
KEY_FACTS = {
    "/info/qa": {
        "ja": [
            "12けた",
            "第16条の2第1項",
            "義務ではありません",
            "通知カード",
            "写真付きの本人確認書類",
            "2019年7月23日",
            "2019年10月15日",
            "2017年12月13日",
            "第48条",
            "200万円",
            "第55条",
            "両罰規定",
            "職員証",
            "資格確認書",
        ],
        "en": [
            "12-digit",
            "Art. 16-2(1)",
            "no penalty for not applying",
            "notification card",
            "photo ID",
            "23 July 2019",
            "15 October 2019",
            "13 December 2017",
            "Art. 48",
            "¥2 million",
            "Art. 55",
            "staff ID",
            "eligibility certificate",
        ],
    },
    "/info/rights": {
        "ja": ["第16条の2第1項", "2019年7月23日", "2019年10月15日", "第19条", "通知カード"],
        "en": [
            "own application",
            "23 July 2019",
            "15 October 2019",
            "Article 19",
            "notification card",
        ],
    },
    "/info/rights/flyer": {
        "ja": ["第16条の2第1項", "2019年7月23日"],
        "en": ["own application", "23 July 2019"],
    },
    "/info/pressed": {
        "ja": [
            "申請書の一括配布",
            "職場での申請書回収",
            "取得状況の調査",
            "不取得理由の記入要求",
            "被扶養者への勧奨",
            "非常勤・新規採用者への勧奨",
            "職員証との一体化",
            "出退勤管理での利用",
            "共済組合の個人情報流用",
            "不利益取扱い・示唆",
            "健康保険証利用の誘導",
            "その他",
            "返事の例",
            "支部への伝え方",
        ],
        "en": [
            "Pre-printed forms handed out at work",
            "Forms collected at work",
            "Status surveys",
            "Asked to give reasons",
            "Dependents targeted",
            "Non-regular staff and new hires targeted",
            "Staff ID merged with the card",
            "Attendance records",
            "Mutual-aid data used without consent",
            "Disadvantage, or hints of it",
            "health insurance",
            "Other",
            "A reply you can give",
            "Telling your branch",
        ],
    },
    "/info/figures": {
        "ja": ["11,474,475", "128,066,211", "9.0%", "高知県", "総務省"],
        "en": ["11,474,475", "128,066,211", "9.0%", "Kochi", "Ministry of Internal Affairs"],
    },
}


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", sorted(KEY_FACTS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_public_page_renders_in_both_languages_with_its_facts(client, shipped, url, lang):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200
    html = _text(response)
    assert f'<html lang="{lang}">' in html
    for fact in KEY_FACTS[url][lang]:
        assert fact in html, (url, lang, fact)


def test_qa_has_at_least_twelve_questions_in_both_languages(client, shipped):
    for lang in ("ja", "en"):
        html = _text(client.get("/info/qa", headers={"Accept-Language": lang}))
        questions = re.findall(r'<h2 id="s\d+">', html)
        assert len(questions) >= 12, lang
        assert 'href="#s12"' in html  # the contents list links every question


def test_pages_carry_title_description_and_open_graph(client, shipped):
    html = _text(client.get("/info/rights", headers={"Accept-Language": "en"}))
    assert "<title>Your rights | " in html
    assert '<meta name="description" content="Whether to get a My Number card' in html
    assert '<meta property="og:title" content="Your rights">' in html
    assert '<meta property="og:url" content="http://naishin.test/info/rights">' in html
    assert 'media="print"' in html and re.search(r"pages/print\.[0-9a-f]{12}\.css", html)


def test_menu_lists_the_public_pages_for_anonymous_visitors(client, shipped):
    html = _text(client.get("/info/qa"))
    menu = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert ">Q&A</a>" in menu or ">Q&amp;A</a>" in menu
    for label in ("Your rights", "When pressed at work", "Figures"):
        assert f">{label}</a>" in menu
    assert menu.count('aria-current="page"') == 1
    assert '<a href="/info/qa" aria-current="page">' in menu
    assert "Edit pages" not in html


def test_public_page_is_cacheable_and_revalidates_with_304(client, shipped):
    first = client.get("/info/qa")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in first.headers["Vary"] and "Cookie" in first.headers["Vary"]
    etag = first.headers["ETag"]
    again = client.get("/info/qa", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    other_language = client.get(
        "/info/qa", headers={"If-None-Match": etag, "Accept-Language": "ja"}
    )
    assert other_language.status_code == 200


# Every page that answers conditional requests (campaign/responses.py): the information pages
# and the formal requests' public summary, each with words only its own content carries.
CONDITIONAL_PAGES = [
    ("/info/qa", "12-digit"),
    ("/info/confirmed", "These are the answers the ministry gave"),
]


@pytest.mark.parametrize(("url", "content"), CONDITIONAL_PAGES)
def test_a_failed_if_match_answers_a_short_412_not_the_page(client, shipped, url, content):
    page = client.get(url)
    assert page.status_code == 200 and content in page.get_data(as_text=True)
    for header in ('"nope"', 'W/"nope"', f"W/{page.headers['ETag']}", '"a", "b"'):
        refused = client.get(url, headers={"If-Match": header})
        assert refused.status_code == 412, header
        text = refused.get_data(as_text=True)
        assert content not in text
        assert "The page has changed since your browser last loaded it" in text
        # The platform's error page: a heading, the sentence and a link, nothing of the page.
        main = re.search(r"<main.*?</main>", text, re.S).group(0)
        assert "<h1>The page has changed</h1>" in main and len(main) < 600, main
        assert refused.headers["Content-Length"] == str(len(refused.get_data()))
        # Never kept: a shared cache must not give this 412 to the next visitor.
        assert refused.headers["Cache-Control"] == "no-store"
        assert "ETag" not in refused.headers
    head = client.head(url, headers={"If-Match": '"nope"'})
    assert head.status_code == 412 and head.get_data() == b""
    japanese = client.get(url, headers={"If-Match": '"nope"', "Accept-Language": "ja"})
    assert "ページが更新されています" in japanese.get_data(as_text=True)


@pytest.mark.parametrize(("url", "content"), CONDITIONAL_PAGES)
def test_a_holding_if_match_gets_the_page_and_if_none_match_still_304(
    client, shipped, url, content
):
    etag = client.get(url).headers["ETag"]
    for header in (etag, "*", f'"nope", {etag}'):
        matched = client.get(url, headers={"If-Match": header})
        assert matched.status_code == 200, header
        assert content in matched.get_data(as_text=True)
        assert matched.headers["ETag"] == etag
    for method in (client.get, client.head):
        for headers in ({"If-None-Match": etag}, {"If-None-Match": etag, "If-Match": etag}):
            fresh = method(url, headers=headers)
            assert fresh.status_code == 304, headers
            assert fresh.get_data() == b""
            assert "Content-Length" not in fresh.headers or fresh.headers["Content-Length"] == "0"
    head = client.head(url)
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == etag


def test_an_edit_changes_the_etag(client, session, shipped, hq, auth):
    etag = client.get("/info/rights").headers["ETag"]
    page = factories.services.page_by_slug(session, "rights")
    rev = factories.services.latest(session, page)
    content = {n: getattr(rev, n) for n in factories.services.FIELDS}
    content["body_en"] += "\n\nA new line."
    factories.services.save(session, page, content, base_number=1, author_id=None, publish=True)
    session.commit()
    assert client.get("/info/rights", headers={"If-None-Match": etag}).status_code == 200


def test_a_logged_in_staff_member_gets_a_private_uncached_page(client, shipped, make, auth):
    auth.login(make.user(role=Role.OFFICER))
    response = client.get("/info/qa")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_drafts_are_hidden_from_the_public(client, session, shipped):
    draft = PageFactory(session).page(publish=False, body_en="Secret draft text")
    assert client.get(f"/info/p/{draft.slug}").status_code == 404
    assert "Secret draft" not in _text(client.get("/info/search?q=secret"))


def test_pressed_page_lists_branch_contacts(client, shipped, make):
    make.branch(name="大津支部", prefecture="25")
    html = _text(client.get("/info/pressed", headers={"Accept-Language": "ja"}))
    assert "大津支部" in html and "内線 1234" in html and "滋賀県" in html


def test_figures_sort_links_work_without_javascript(client, shipped):
    html = _text(client.get("/info/figures?sort=rate&dir=desc", headers={"Accept-Language": "en"}))
    rates = re.findall(r"<td class=\"num\" data-rate>([\d.]+)%</td>", html)
    assert len(rates) == 47
    assert [float(r) for r in rates] == sorted((float(r) for r in rates), reverse=True)
    assert 'aria-sort="descending"' in html
    assert html.index("Miyagi") > html.index("Miyazaki")  # 11.3% comes first
    svg = re.search(r'<svg [^>]*aria-labelledby="chart-prefectures-svg-title[^>]*>', html)
    assert svg
    assert (
        '<title id="chart-prefectures-svg-title">' in html
        and '<desc id="chart-prefectures-svg-desc">' in html
    )


def test_unknown_sort_falls_back_to_code_order(client, shipped):
    html = _text(client.get("/info/figures?sort=<script>", headers={"Accept-Language": "en"}))
    table = html[html.index('id="prefecture-table"') :]
    assert table.index("Hokkaido") < table.index("Okinawa")
    assert "<script>" not in html


def test_the_flyer_a_cache_may_keep_never_prints_the_requests_host(client, shipped):
    """Without a base URL the flyer gives the path: a foreign Host must not reach print."""
    html = _text(client.get("/info/rights/flyer", headers={"Host": "evil.example"}))
    assert "evil.example" not in html
    assert "/info/pressed" in html  # where the branch contacts are, as its text says


def test_flyer_uses_its_own_print_stylesheet(client, shipped):
    html = _text(client.get("/info/rights/flyer"))
    assert re.search(r"pages/flyer\.[0-9a-f]{12}\.css", html)  # hashed: campaign/staticfiles.py
    assert "site.css" not in html


def test_pressed_page_links_a_case_report_form_only_where_the_visitor_can_use_it(
    app, client, shipped, make, auth
):
    from campaign.pages.views import CASE_REPORT_ENDPOINTS

    private = [e for e in CASE_REPORT_ENDPOINTS if e in app.view_functions]
    html = client.get("/info/pressed").get_data(as_text=True)
    assert "Report what happened at your workplace" not in html  # no login wall for the public
    auth.login(make.user(role=Role.OFFICER))
    html = client.get("/info/pressed").get_data(as_text=True)
    assert ("Report what happened at your workplace" in html) == bool(private)
