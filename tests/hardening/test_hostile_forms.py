"""Every form, as the people who may send it, filled with hostile values: never a 500
(SECURITY.md promise 10).

Each POST route is sent the fields its own page shows (every ``name`` of the page at the same
address, or at the address without its last part for an action such as ``/edit/save``), each
set to a value that broke a parser before, with the page's own tokens (or a valid CSRF token).
Whatever the route makes of it (refused with a message, ignored, saved), it must answer below
500.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import Auth, csrf_token
from tests.main.helpers import url_for_rule

VALUES = (
    "²", "99999999999999999999", "-1", "0001-01-01", "0001-01-01T00:00", "'\"<>&", "ａ１",
    "9" * 400, "", "/%0d%0aX", "1e9",
)  # fmt: skip
NAME = re.compile(r'\bname="([^"]+)"')
# The page's own tokens are sent as the page gave them (a CSRF token, a public form's token),
# so that the hostile values reach the checks behind them.
TOKEN = re.compile(r'name="(csrf_token|token)"[^>]*value="([^"]+)"')


def _form(client, url: str, value: str) -> dict[str, str]:
    """Every field the page (or the page it belongs to) shows set to ``value``, its tokens as
    given."""
    names: set[str] = set()
    tokens: dict[str, str] = {}
    for page in (url, url.rsplit("/", 1)[0] or "/"):
        response = client.get(page)
        if response.status_code == 200 and response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            names.update(NAME.findall(text))
            tokens = dict(TOKEN.findall(text)) | tokens
    return {name: value for name in names} | tokens


@pytest.mark.parametrize("who", ["anonymous", "officer", "hq"])
def test_no_form_answers_500_to_hostile_values(app, auth, world, who):
    failures = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        url = url_for_rule(app, rule, world)
        for value in VALUES:
            client = app.test_client()
            if who != "anonymous":
                Auth(client, auth.clock).login(world[who])
            data = _form(client, url, value)
            data.setdefault(
                "csrf_token", csrf_token(client, "/login" if who == "anonymous" else "/account")
            )
            try:
                status = client.post(url, data=data).status_code
            except Exception as error:  # the test app lets a view's exception through
                status = f"{type(error).__name__}: {error}"
            if not isinstance(status, int) or status >= 500:
                failures.append((rule.endpoint, value, status))
    assert not failures, [(e, v[:24], s) for e, v, s in failures]
