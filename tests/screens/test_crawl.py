"""Every page each role can reach, read as a Japanese reader reads it.

The crawl starts at each role's first page (and the public's front page) with the demo data and
follows the links shown; every page it reaches must pass the house rules of
``tests/screens/pagetext.py``: no framework message, no ASCII colon or parenthesis or space next
to Japanese text, no ISO date in running text, no Latin-letter code outside code-like places, no
unstyled submit button, no attribute written from Python.
"""

from __future__ import annotations

import pytest

from tests.screens.crawl import crawl, login
from tests.screens.pagetext import markup_problems, text_problems

ROLES = ["public", "admin", "hq", "officer-tokyo", "officer-shiga"]


def _report(pages: dict[str, str]) -> list[str]:
    found = []
    for path, html in sorted(pages.items()):
        for problem in text_problems(html) + markup_problems(html):
            found.append(f"{path}: {problem}")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_as_finished_japanese(role, app, client, clock, demo):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    if role != "public":
        login(client, clock, demo, role)
    pages = crawl(client, ["/", "/welcome", "/info/", "/petitions/"])
    # The crawl reached the role's pages, not only the login form.
    assert len(pages) > (8 if role == "public" else 20), sorted(pages)
    problems = _report(pages)
    assert not problems, "\n".join(problems)
