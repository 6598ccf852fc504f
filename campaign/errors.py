"""Error pages: every failure gets a clear message in the visitor's language, never a trace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, SecurityError

from campaign import db

MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered and try again."),
    401: _l(
        "You are not logged in (a session ends after a while without activity), so what you "
        "sent was not saved. Go back with your browser's back button and copy your text, then "
        "log in again and send it."
    ),
    403: _l("Your role does not allow this action."),
    404: _l("The page you asked for does not exist, or you may not see it."),
    405: _l("This address does not accept that kind of request."),
    412: _l(
        "The page has changed since your browser last loaded it. Reload the page to see it as "
        "it is now."
    ),
    413: _l("What you sent is too large."),
    429: _l("Too many attempts. Please wait a while before trying again."),
    500: _l("Something went wrong on our side. Nothing you saved has been lost."),
}
TITLES = {
    400: _l("Bad request"),
    401: _l("Login required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    412: _l("The page has changed"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Server error"),
}


class Refused(BadRequest):
    """A 400 that tells the person what was wrong (a translated message), not only that it was."""

    def __init__(self, message) -> None:
        super().__init__()
        self.message = message


class CrossSitePost(Forbidden):
    """The 403 for a post the browser did not say came from this site (campaign/security.py,
    ``same_origin``): it names what happened and what to do, not the person's role."""

    title = _l("Not sent from this site")
    message = _l(
        "The form could not be confirmed as sent from a page of this site, so nothing was "
        "saved. Open the form on this site and send it again. If the same thing happens, "
        "update your browser or use another one."
    )


def _back_to() -> str | None:
    """The page the person was on (their form), for logging in again after a 401."""
    if not has_request_context() or not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _wording(table: dict, code: int):
    """The code's own entry, else its class's: any other 4xx (406, 416, 431…) is the person's
    request refused, worded as a 400; only a 5xx says the server failed (review R4-3: a 416
    on a respondent's script said 「サーバーエラー」, as if their answer might be lost)."""
    return table.get(code) or table[400 if 400 <= code < 500 else 500]


def _render(code: int, message=None, title=None):
    return (
        render_template(
            "errors/error.html",
            code=code,
            back_to=_back_to() if code == 401 else None,
            title=title or _wording(TITLES, code),
            message=message or _wording(MESSAGES, code),
        ),
        code,
    )


def init_app(app: Flask) -> None:
    """Register one handler for HTTP errors, one for CSRF failures and one for crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _render(
            400, _l("The form has expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, SecurityError):
            # A Host outside TRUSTED_HOSTS: no URL can be built for this request, so no page
            # (every template links somewhere); a plain answer, and nothing from the request.
            return app.response_class("Bad request: unknown host.\n", 400, mimetype="text/plain")
        return _render(error.code, getattr(error, "message", None), getattr(error, "title", None))

    @app.errorhandler(Exception)
    def crash(error: Exception):
        app.logger.exception("unhandled error")
        # A failed flush leaves the request's session unusable until it is rolled back, and
        # the error page reads the session too (the menu, the person's name): without this,
        # the page itself crashed and the person got the server's bare error instead.
        db.session().rollback()
        return _render(500)
