"""HTTP security: response headers and the session cookie (SECURITY.md promise 8)."""

from __future__ import annotations

import re

from flask import Flask, Response, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l

from campaign.access import is_public_endpoint
from campaign.errors import Refused

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured, or when this request arrived over HTTPS."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


# C0 control characters other than tab, line feed and carriage return: PostgreSQL cannot store
# NUL at all, and none of them belongs in anything a person types. U+FFFE and U+FFFF are no
# characters at all, and XML (the Word files) cannot hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
CONTROL_MESSAGE = _l(
    "What you entered contains invisible control characters (often left by text pasted from "
    "another program), so nothing was saved. Go back to the form with your browser's back "
    "button, retype or remove the pasted part, and send it again."
)


def reject_control_characters() -> None:
    """``before_request`` hook: refuse query, form or path values with control characters (400;
    every value of a repeated name, not only the first),
    saying so: they are invisible, so the person needs to be told what to look for (text
    pasted from another program is the usual source). Nothing is stored; the browser's back
    button returns to the form as it was filled in."""
    values = [v for _key, items in request.args.lists() for v in items]
    values += [v for _key, items in request.form.lists() for v in items]
    values += [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    if any(_CONTROL.search(value) for value in values):
        raise Refused(CONTROL_MESSAGE)


def add_headers(response: Response) -> Response:
    """``after_request`` hook: the same protective headers on every response.

    Private pages are never stored by the browser or a proxy. Public pages may opt into caching
    by setting their own ``Cache-Control``; static files keep Flask's.
    """
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    is_static = request.endpoint == "static"
    shared = (
        is_public_endpoint(request.endpoint)
        and "Cache-Control" in response.headers
        # A page that showed this visitor's own message (a flash) or changed their cookie is
        # theirs alone, whatever the page: no cache, shared or the browser's, may keep it.
        and not session.modified
        and "Set-Cookie" not in response.headers
    )
    if not is_static and not shared:
        response.headers["Cache-Control"] = "no-store"
    if not is_static:
        response.vary.add("Cookie")
    return response
