"""Every page, every role, hostile query arguments: never a 500 (SECURITY.md promise 10).

The review found 500s one URL at a time (a superscript page number, a 20-digit id, a foreign
argument passed on to ``url_for``). This walks the whole URL map instead, with every field name
the page itself shows (its filter forms) and the names views read without a form, each given
the values that broke them before, so that a new page or filter that parses its arguments by
hand is caught on the day it is added.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests.main.helpers import url_for_rule

# Read from the query string without a form on the page (and two that a pager once passed on).
NAMES = (
    "page", "sort", "dir", "q", "quarter", "next", "lang", "receipt", "calendar", "appendix",
    "expired", "endpoint", "_method",
)  # fmt: skip
FIELD = re.compile(r'\bname="([^"]+)"')
VALUES = (
    "²", "١", "99999999999999999999", "-1", "0", "0001-01", "9999-99", "0001-01-01T00:00",
    "x\x00y", "/%0aX", "//evil.example", "'\"<>", "ａ", "1e9", "",
)  # fmt: skip


def _hostile(names, value: str) -> str:
    """Every name at once, each given ``value`` (a page reads the names it knows)."""
    return urlencode([(name, value) for name in names])


@pytest.mark.parametrize("who", ["anonymous", "officer", "hq"])
def test_no_page_answers_500_to_hostile_query_arguments(app, auth, world, who):
    if who != "anonymous":
        auth.login(world[who])
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        base = url_for_rule(app, rule, world)
        page = auth.client.get(base)
        shown = FIELD.findall(page.get_data(as_text=True)) if page.mimetype == "text/html" else []
        names = sorted(set(NAMES) | set(shown) - {"csrf_token"})
        joiner = "&" if "?" in base else "?"
        for query in (_hostile(names, value) for value in VALUES):
            status = auth.client.get(f"{base}{joiner}{query}").status_code
            if status >= 500:
                failures.append((rule.endpoint, query, status))
    assert not failures
