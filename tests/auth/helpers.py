"""Helpers of the login tests: browsers that send their login forms at one moment."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.helpers import CSRF_RE


def parallel_logins(bases: list[str], email: str, passwords: list[str], code: str) -> list[int]:
    """One browser per password, each on the next server of ``bases`` in turn: each loads the
    login form, then all POST at the same moment; returns their statuses (302 when logged in).
    """
    count = len(passwords)
    gate = threading.Barrier(count, timeout=60)

    def one(index: int) -> int:
        base = bases[index % len(bases)]
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPRedirectHandler(),
        )
        page = opener.open(f"{base}/login", timeout=60).read().decode()
        token = CSRF_RE.search(page).group(1)
        fields = {"email": email, "password": passwords[index], "code": code, "csrf_token": token}
        gate.wait()
        try:
            with opener.open(f"{base}/login", urllib.parse.urlencode(fields).encode(), 60):
                return 302  # the redirect to the home page, followed
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def change_password(client, current: str, new: str, confirm: str | None = None):
    """Post the password change form."""
    from tests.helpers import csrf_token

    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )


def renew_recovery_codes(client, current: str | None, code: str | None = None):
    """Post the form that issues new recovery codes (without the password or the
    authenticator code when ``None``)."""
    from tests.helpers import csrf_token

    data = {"csrf_token": csrf_token(client, "/account")}
    if current is not None:
        data["current_password"] = current
    if code is not None:
        data["code"] = code
    return client.post("/account", data=data)
