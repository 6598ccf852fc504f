"""Every page each role can reach, read as a Japanese reader reads it.

The crawl starts at each role's first page (and the public's front page) with the demo data and
follows the links shown; every page it reaches must pass the house rules of
``tests/screens/pagetext.py``: no framework message, no ASCII colon or parenthesis or space next
to Japanese text, no ISO date in running text, no Latin-letter code outside code-like places, no
unstyled submit button, no attribute written from Python.
"""

from __future__ import annotations

import re

import pytest

from tests.screens.crawl import crawl, forms, login
from tests.screens.pagetext import markup_problems, text_problems

# Fields a person does not type into.
SILENT_KINDS = {"hidden", "submit", "button", "checkbox", "radio", "file"}
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


# Forms whose fields are all optional or that act at once: posting them empty is not a mistake.
ACTS_WHEN_EMPTY = ("/logout", "/lang/")


@pytest.mark.parametrize("role", ["admin", "officer-shiga"])
def test_every_form_sent_empty_answers_in_finished_japanese(role, app, client, clock, demo):
    """Each POST form with fields to fill, sent with nothing filled in: the page that comes back
    names what is missing in natural Japanese (no framework message, no code)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    login(client, clock, demo, role)
    pages = crawl(client, ["/", "/welcome"], per_shape=1)
    problems, sent = [], 0
    for path, html in sorted(pages.items()):
        for form in forms(html):
            typed = [n for n, kind in form["fields"].items() if kind not in SILENT_KINDS]
            action = form["action"] or path
            if not typed or action.startswith(ACTS_WHEN_EMPTY):
                continue
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            response = client.post(action, data={"csrf_token": token.group(1) if token else ""})
            sent += 1
            if "text/html" not in response.content_type or response.status_code >= 500:
                assert response.status_code < 500, (action, response.status_code)
                continue
            for problem in text_problems(response.get_data(as_text=True)):
                problems.append(f"{action} (from {path}): {problem}")
    assert sent >= 8, sent
    assert not problems, "\n".join(sorted(set(problems)))
