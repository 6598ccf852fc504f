"""The app's response class: Flask's, with the conditional GET answered as RFC 9110 says.

Werkzeug's ``make_conditional`` (which the cacheable public pages call after ``add_etag``)
answers a failed ``If-Match`` with 412 but keeps the response's body: the whole page went out
under "Precondition Failed" (and a shared cache could keep that 412 for the page's
``max-age``). It also gets ``If-Match: *`` wrong (412, though the page exists) and lets a
matching ``If-Match`` hide a matching ``If-None-Match`` (200 where 304 is due). Here the
``If-Match`` precondition is judged first (RFC 9110, 13.2.2): when it fails, the view stops
with a 412 the error handler draws (a short, translated page, never stored); when it holds,
Werkzeug judges the rest (``If-None-Match`` → 304 with no body, ``If-Modified-Since``,
ranges) as before. Every caller of ``make_conditional`` gets this, ``send_file`` included.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from werkzeug.exceptions import PreconditionFailed
from werkzeug.http import parse_etags, unquote_etag


class Response(FlaskResponse):
    """Flask's response, whose ``make_conditional`` answers a failed If-Match with a 412 page."""

    def make_conditional(self, request_or_environ, accept_ranges=False, complete_length=None):
        """Werkzeug's, after judging ``If-Match``: raise 412 when it fails (a GET or HEAD)."""
        environ = getattr(request_or_environ, "environ", request_or_environ)
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and environ.get("HTTP_IF_MATCH"):
            if not self._if_match_holds(environ["HTTP_IF_MATCH"]):
                raise PreconditionFailed()
            environ = {k: v for k, v in environ.items() if k != "HTTP_IF_MATCH"}
        return super().make_conditional(environ, accept_ranges, complete_length)

    def _if_match_holds(self, header: str) -> bool:
        """``*`` holds for any page that exists; a list holds if one tag is this response's
        ETag by strong comparison (a weak ETag never matches)."""
        tags = parse_etags(header)
        if tags.star_tag:
            return True
        etag = self.headers.get("ETag")
        if etag is None:
            return False
        value, weak = unquote_etag(etag)
        return not weak and tags.is_strong(value)
