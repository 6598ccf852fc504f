"""HTTP security: response headers and the session cookie (SECURITY.md promise 8)."""

from __future__ import annotations

import re

from flask import Flask, Response, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l

from campaign.access import is_public_endpoint
from campaign.errors import CrossSitePost, Refused

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

    def open_session(self, app: Flask, request):
        """Flask's, but without building the signing serializer when there is no cookie to
        read (every anonymous visitor, every answer and signature: about 50 µs a request)."""
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)

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


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def reject_control_characters() -> None:
    """``before_request`` hook: refuse query, form or path values with control characters (400;
    every value of a repeated name, not only the first),
    saying so: they are invisible, so the person needs to be told what to look for (text
    pasted from another program is the usual source). Nothing is stored; the browser's back
    button returns to the form as it was filled in.

    It runs on every request, so it does no more than it must: the query string and the form
    are looked at only when the request has one (a body werkzeug would parse as a form), and
    all values are searched at once (joined by a line feed, which is allowed).
    """
    values = [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    if request.query_string:
        values += [v for _key, items in request.args.lists() for v in items]
    if request.mimetype in _FORM_TYPES:
        values += [v for _key, items in request.form.lists() for v in items]
    if values and _CONTROL.search("\n".join(values)):
        raise Refused(CONTROL_MESSAGE)


# --- where a post comes from -------------------------------------------------------------------

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def same_origin() -> bool:
    """Whether the browser says this request comes from a page of this site.

    Two headers only a browser sets (no page can forge them) say where a request comes from:

    - ``Sec-Fetch-Site``, when sent, must be ``same-origin`` (or ``none``: the person typed the
      address). ``cross-site`` and ``same-site`` (a sibling subdomain) are refused.
    - ``Origin``, when sent, must be this host, or the literal ``null`` *with*
      ``Sec-Fetch-Site: same-origin``. Every page here is served with
      ``Referrer-Policy: no-referrer`` (promise 8), and under that policy browsers send
      ``Origin: null`` for the site's own form posts (Fetch, "append a request Origin
      header"), so ``null`` cannot be refused outright. But a sandboxed frame, a ``data:``
      page and a post redirected from another site send ``null`` too (review R3-16); only
      Fetch Metadata tells them apart, saying ``same-origin`` for the first and ``cross-site``
      for the others (Chromium, tried: a page's own post under ``no-referrer`` and a sandboxed
      frame's post on that same page both said ``null``, the first ``same-origin``, the second
      ``cross-site``). A ``null`` without ``Sec-Fetch-Site`` is refused: it cannot be told from
      a sandboxed frame's. Browsers without Fetch Metadata (Safari before 16.4), and every
      browser posting to a plain-HTTP address other than localhost (they send Fetch Metadata
      to secure origins only), are refused with it; the 403 page tells the person to update
      the browser. (Django's CsrfViewMiddleware refuses any Origin it cannot match, ``null``
      included, and defaults to ``Referrer-Policy: same-origin``, ticket #31232, so that a
      site's own posts carry a real Origin; here ``no-referrer`` is a promise.)
    - No ``Origin`` at all: what sends none is a script or a browser over ten years old, and
      ``Sec-Fetch-Site`` (when sent) has already been checked; the form's token decides (the
      session's CSRF token on staff forms, the form token on public ones).
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == "null":
        return site == "same-origin"
    return origin == request.host_url.rstrip("/")


def require_same_origin() -> None:
    """Answer 403, with a page that says why, to a post that is not from this site."""
    if not same_origin():
        raise CrossSitePost()


def refuse_cross_site_posts() -> None:
    """``before_request`` hook: every POST (PUT, PATCH, DELETE), staff form or public form,
    passes ``same_origin`` before anything reads its body.

    Staff forms are checked by Flask-WTF's session-bound token too, but its HTTPS check (a
    ``Referer`` from this host, ``WTF_CSRF_SSL_STRICT``) cannot work here: under
    ``Referrer-Policy: no-referrer`` a browser sends no ``Referer``, so it refused every staff
    post over HTTPS, the login included. It is off (campaign/config.py) and this check, which
    reads the headers the browser still sends, stands in for it.
    """
    if request.method in UNSAFE_METHODS:
        require_same_origin()


_HEADER_NAMES = {name.lower() for name in HEADERS}
_HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def add_headers(response: Response) -> Response:
    """``after_request`` hook: the same protective headers on every response.

    Private pages are never stored by the browser or a proxy. Public pages may opt into caching
    by setting their own ``Cache-Control``; static files keep Flask's.

    It runs on every response, so the names already set are read once (one pass over the
    headers) and the missing protective headers are added in one go.
    """
    headers = response.headers
    present = {key.lower() for key, _value in headers}
    if present.isdisjoint(_HEADER_NAMES):
        headers.extend(HEADERS.items())
    else:
        headers.extend((k, v) for k, v in HEADERS.items() if k.lower() not in present)
    if request.is_secure:
        headers[_HSTS[0]] = _HSTS[1]
    is_static = request.endpoint == "static"
    if not is_static:
        shared = (
            "cache-control" in present
            and is_public_endpoint(request.endpoint)
            # A page that showed this visitor's own message (a flash) or changed their cookie
            # is theirs alone, whatever the page: no cache, shared or the browser's, may keep it.
            and not session.modified
            and "set-cookie" not in present
        )
        if not shared:
            headers["Cache-Control"] = "no-store"
        if "vary" in present:
            response.vary.add("Cookie")
        else:
            headers["Vary"] = "Cookie"
    return response
