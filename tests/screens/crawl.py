"""Walking the site as each role does, from its first page, by the links it shows.

Used by the crawl test (text and markup rules) and by the accessibility test in the browser.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from tests.helpers import Auth
from tests.screens.pagetext import parse, walk

# Links a crawl must not follow: they change state by GET or leave the site's pages.
NOT_FOLLOWED = re.compile(
    r"^/(?:lang/|static/|health)|[?&]lang=|/(?:export|download)\b|\.(?:csv|xlsx|pdf|svg|png|ico|js|css)(?:\?|$)"
)


@dataclass
class Demo:
    """The demo data's logins, as ``make run`` prints them."""

    logins: dict  # role -> (email, password, secret)
    survey_passphrase: str | None


def load_demo(runner) -> Demo:
    """Load the demo data (accounts, cases, the sample survey) through the real commands."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    logins = {}
    blocks = re.findall(
        r"(\S+@demo\.naishin\.invalid)\s+\[(\w+)\]\s+password:\s+(\S+)\s+authenticator:\s+(\S+)",
        result.output,
    )
    for email, role, password, uri in blocks:
        secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
        key = role if role != "officer" else f"officer-{email.split('.')[1].split('@')[0]}"
        logins.setdefault(key, (email, password, secret))
    for command in (["pages", "load"], ["cases", "demo"], ["surveys", "demo"]):
        outcome = runner.invoke(args=command)
        assert outcome.exit_code == 0, outcome.output
    passphrase = re.search(r"passphrase[^:：]*[:：]\s*(\S+)", outcome.output)
    return Demo(logins, passphrase.group(1) if passphrase else None)


def load_demo_site(runner, session, make) -> Demo:
    """The demo data as ``make run`` loads it, plus an open petition with a signature."""
    from tests.petitions.helpers import PetitionFactory

    site = load_demo(runner)
    outcome = runner.invoke(args=["formal", "demo"])
    assert outcome.exit_code == 0, outcome.output
    petitions = PetitionFactory(session, make)
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", "東京都港区芝公園1-5-25")
    return site


def login(client, clock, demo: Demo, role: str) -> None:
    """Log a demo account in through the login form."""
    email, password, secret = demo.logins[role]
    response = Auth(client, clock).login_with(email, password, secret)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def links(html: str, base: str) -> list[str]:
    """The local pages a page links to (no fragments, no state-changing GETs)."""
    found = []
    for node in walk(parse(html)):
        if node.tag != "a" or "href" not in node.attrs or "download" in node.attrs:
            continue
        target = urljoin(base, node.attrs["href"])
        parts = urlsplit(target)
        if parts.netloc not in ("", "naishin.test", "localhost"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or NOT_FOLLOWED.search(path):
            continue
        found.append(path)
    return found


def crawl(client, starts: list[str], limit: int = 400, per_shape: int = 3) -> dict[str, str]:
    """Every HTML page reachable from ``starts`` by links: {path: html}.

    Pages of one shape (the path with its numbers left out, and its query keys) are read up to
    ``per_shape`` times (three cases in different states, not every case), so a pager or a filter
    does not multiply the crawl.
    """
    seen: set[str] = set()
    shapes: dict[tuple, int] = {}
    pages: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(pages) < limit:
        path = queue.popleft()
        parts = urlsplit(path)
        shape = (re.sub(r"\d+", "N", parts.path), tuple(sorted(re.findall(r"(\w+)=", parts.query))))
        if path in seen or shapes.get(shape, 0) >= per_shape:
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(path)
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.headers["Location"]).path)
            continue
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        pages[path] = html
        queue.extend(links(html, path))
    return pages


def forms(html: str) -> list[dict]:
    """The POST forms of a page: action and field names with their kinds."""
    found = []
    for node in walk(parse(html)):
        if node.tag != "form" or node.attrs.get("method", "get").lower() != "post":
            continue
        fields = {}
        for child in walk(node):
            name = child.attrs.get("name")
            if not name or child.tag not in ("input", "select", "textarea"):
                continue
            fields[name] = child.attrs.get("type", child.tag)
        found.append({"action": node.attrs.get("action", ""), "fields": fields})
    return found
