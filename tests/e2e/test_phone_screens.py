"""The front page, the figures page and the audit log on a 390×844 phone, in Japanese.

Nothing is wider than the screen, no text is drawn under 11 px (SVG text is measured as drawn,
after the drawing's scaling), a wrapper that scrolls sideways can take the keyboard's focus and
has a name, and the dashed national-rate line of a chart crosses no label.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaign.auth.models import Role
from tests.e2e.helpers import login
from tests.pages.factories import PageFactory

PHONE = {"width": 390, "height": 844}

# Everything measured in the page, in one pass.
MEASURE = """() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && !el.closest('.visually-hidden, [hidden], [aria-hidden="true"]');
  };
  const small = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el) || ['SCRIPT', 'STYLE', 'TITLE', 'DESC'].includes(el.tagName)) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) size *= el.getScreenCTM().a;
    const what = el.textContent.trim().slice(0, 40);
    if (size < 11) small.push(`${el.tagName.toLowerCase()} ${size.toFixed(1)}px: ${what}`);
  }
  const scrollers = [];
  for (const el of document.querySelectorAll('body *')) {
    const s = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(s.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (el.tabIndex !== 0 || !named || !el.getAttribute('role'))
      scrollers.push(el.outerHTML.slice(0, 80));
  }
  const crossings = [];
  for (const line of document.querySelectorAll('svg line[stroke-dasharray]')) {
    const a = line.getBoundingClientRect();
    for (const text of line.closest('svg').querySelectorAll('text.chart-label')) {
      const b = text.getBoundingClientRect();
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
        crossings.push(text.textContent);
    }
  }
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    small, scrollers, crossings,
  };
}"""


@pytest.fixture
def phone(browser, live_server, live_make):
    """A phone-sized page in Japanese, with the shipped pages loaded."""
    PageFactory(live_make.session).load_shipped()
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
        base_url=live_server,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _check(page, path: str) -> dict:
    page.goto(path)
    found = page.evaluate(MEASURE)
    assert found["overflow"] <= 0, f"{path}: {found['overflow']} px wider than the screen"
    assert not found["small"], f"{path}: text under 11 px: {found['small'][:10]}"
    assert not found["scrollers"], f"{path}: sideways scroller without focus or name"
    assert not found["crossings"], f"{path}: the dashed line crosses {found['crossings']}"
    return found


def test_front_page_on_a_phone(phone):
    _check(phone, "/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()


def test_figures_page_on_a_phone(phone):
    _check(phone, "/info/figures")
    # The table shows its last column (交付率) on the screen, or in a frame a finger can scroll
    # and a keyboard can focus.
    table = phone.locator("#prefecture-table")
    rate = table.locator("thead th").last
    expect(rate).to_contain_text("交付率")
    wrapper = phone.locator(".table-wrap", has=table)
    inside = rate.bounding_box()["x"] + rate.bounding_box()["width"] <= PHONE["width"]
    assert inside or wrapper.get_attribute("tabindex") == "0"
    wrapper.focus()
    expect(wrapper).to_be_focused()
    # The chart's own labels are drawn at 11 px or more (measured above, after scaling).
    assert phone.locator("#chart-prefectures svg text").count() >= 47


def test_audit_log_on_a_phone(phone, live_make):
    user = live_make.user(role=Role.HQ)
    login(phone, user)
    _check(phone, "/audit/")
    expect(phone.get_by_role("region", name="監査ログ")).to_be_visible()
