"""axe-core on every page a role reaches, in Japanese, on a desktop and on a phone.

The pages are found by the crawl of the screen tests (tests/screens/crawl.py) over the demo
data; each is then opened in Debian's chromium by the first role that reaches it, at 1280×900
and at 390×844, and axe-core (from tests/e2e/package.json, injected into the test browser only,
never served by the app) must find no violation of WCAG 2.1 A or AA.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import current_code
from tests.screens.crawl import crawl, login

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ROLES = ["public", "admin", "hq", "officer-tokyo", "officer-shiga"]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(
    document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}"""


@pytest.fixture
def axe_path() -> Path:
    """axe-core's script, installed by ``make test`` (npm ci --prefix tests/e2e)."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing at {AXE}; make test installs it")
        pytest.skip("axe-core is not installed: npm ci --prefix tests/e2e")
    return AXE


@pytest.fixture
def reachable(app, clock, demo) -> dict[str, list[str]]:
    """Each role's pages: every page the crawl reaches, under the first role that reaches it."""
    taken: set[str] = set()
    found = {}
    for role in ROLES:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
        if role != "public":
            login(client, clock, demo, role)
        pages = crawl(client, ["/", "/welcome", "/info/", "/petitions/"], per_shape=2)
        found[role] = [p for p in pages if p not in taken]
        taken.update(pages)
    return found


def _browser_login(page, clock, demo, role: str) -> None:
    email, password, secret = demo.logins[role]
    clock.advance(seconds=30)
    page.goto("/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_label("認証コードまたはリカバリーコード").fill(current_code(secret, clock))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_every_page_meets_wcag_21_aa(browser, live_server, reachable, clock, demo, axe_path):
    problems = []
    checked = 0
    for role, paths in reachable.items():
        # bypass_csp lets the test inject axe-core; the app's own pages are unchanged.
        context = browser.new_context(
            locale="ja-JP", base_url=live_server, bypass_csp=True, viewport=SIZES["desktop"]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            if role != "public":
                _browser_login(page, clock, demo, role)
            for path in paths:
                for size_name, size in SIZES.items():
                    page.set_viewport_size(size)
                    page.goto(path)
                    page.add_script_tag(path=str(axe_path))
                    for v in page.evaluate(RUN_AXE, WCAG):
                        problems.append(
                            f"{role} {size_name} {path}: {v['id']} ({v['impact']}) "
                            f"{v['help']} at {v['nodes']}"
                        )
                    for problem in page.evaluate(UNTIED):
                        problems.append(f"{role} {size_name} {path}: {problem}")
                    checked += 1
        finally:
            context.close()
    print(f"axe-core checked {checked} page views")
    assert checked > 150, checked
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_check_finds_a_violation_when_there_is_one(browser, axe_path):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    try:
        page.set_content(
            '<html lang="ja"><head><title>見本</title></head><body><main>'
            '<input type="text"><p style="color:#bbb;background:#fff">薄い文字</p>'
            "</main></body></html>"
        )
        page.add_script_tag(path=str(axe_path))
        found = {v["id"] for v in page.evaluate(RUN_AXE, WCAG)}
        assert {"label", "color-contrast"} <= found
    finally:
        context.close()


# Every hint and error inside a form must be listed in some control's aria-describedby, every
# reference must name an element, and no aria-label may copy a legend (review R5-6).
UNTIED = """() => {
  const problems = [];
  const described = new Set();
  document.querySelectorAll('form [aria-describedby], form [aria-labelledby]').forEach((el) => {
    const refs = ((el.getAttribute('aria-describedby') || '') + ' '
                  + (el.getAttribute('aria-labelledby') || '')).split(/\\s+/).filter(Boolean);
    refs.forEach((id) => { if (!document.getElementById(id)) problems.push('missing #' + id); });
    (el.getAttribute('aria-describedby') || '').split(/\\s+/).forEach((id) => described.add(id));
  });
  document.querySelectorAll('form .hint, form .error, form .error-text').forEach((el) => {
    if (!el.id || !described.has(el.id)) {
      problems.push('untied: ' + el.textContent.trim().slice(0, 40));
    }
  });
  const legends = [...document.querySelectorAll('form legend')].map(
    (l) => l.textContent.replace(/\\s+/g, ' '));
  document.querySelectorAll('form [aria-label]').forEach((el) => {
    const label = el.getAttribute('aria-label');
    if (legends.some((l) => l.includes(label))) {
      problems.push('aria-label copies a legend: ' + label);
    }
  });
  return problems;
}"""


def _check(page, axe_path, where: str) -> list[str]:
    page.add_script_tag(path=str(axe_path))
    found = [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for v in page.evaluate(RUN_AXE, WCAG)
    ]
    return found + [f"{where}: {problem}" for problem in page.evaluate(UNTIED)]


def test_the_answer_page_and_its_errors_meet_wcag_21_aa(
    browser, live_server, live_app, live_make, session, axe_path
):
    """The answer page as a member sees it: its text and number questions, an error on a
    question (from the server, and from the page's own check), and the invitation code field
    with its error."""
    from surveys import codes
    from tests.surveys.helpers import SurveyFactory

    factory = SurveyFactory(session, live_make)
    survey = factory.opened()
    coded = factory.draft()
    coded.needs_code = True
    session.commit()
    coded = factory.opened_draft(coded)
    with live_app.test_request_context():
        codes.generate(session, live_app.config["SECRET_KEY"], coded, 1)
    session.commit()
    problems = []
    for size_name, size in SIZES.items():
        context = browser.new_context(
            locale="ja-JP", base_url=live_server, bypass_csp=True, viewport=size
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(f"/surveys/answer/{survey.id}")
            page.wait_for_selector("#survey-form[data-sealing=ready]")
            problems += _check(page, axe_path, f"{size_name} answer page")
            # The page's own check: a required question left empty, marked before any post.
            page.locator("#survey-form button[type=submit]").click()
            page.wait_for_selector("#seal-error")
            problems += _check(page, axe_path, f"{size_name} answer page, checked in the browser")
            # The server's answer to the same (as without JavaScript: the sealing script is
            # kept from loading, so the form posts as it is).
            page.route("**/surveys/sodium/**", lambda route: route.abort())
            page.goto(f"/surveys/answer/{survey.id}")
            page.locator("#survey-form button[type=submit]").click()
            page.wait_for_selector("p.error-text")
            problems += _check(page, axe_path, f"{size_name} answer page, refused by the server")
            page.goto(f"/surveys/answer/{coded.id}")
            problems += _check(page, axe_path, f"{size_name} answer page with a code")
            page.locator("#code").fill("AAAA-AAAA-AAAA-AAAA")
            for q in coded.questions:
                if q.required or q.is_grouping:
                    page.locator(f'input[name="q{q.id}"]').first.check()
            page.locator("#survey-form button[type=submit]").click()
            page.wait_for_selector("#code-error")
            problems += _check(page, axe_path, f"{size_name} answer page, a wrong code")
        finally:
            context.close()
    assert not problems, "\n".join(problems)
