"""HEAD is answered exactly as GET would be, without the body (RFC 9110, section 9.3.2).

Flask routes HEAD to a GET view with ``request.method == "HEAD"``, so every view that tells
its reading from its writing by ``request.method == "GET"`` took a HEAD for a POST: a HEAD of
the answer page carrying a form body went down the answer's write path (a 500 on SQLite's
read-only connection, an answer stored on PostgreSQL). Rather than trust each view to spell the
test right, the request is made a GET before the app sees it, with its body (which a HEAD has
no business carrying) dropped, and the response's body is thrown away; its headers, the
length included, are GET's.
"""

from __future__ import annotations

import io


class HeadAsGet:
    """WSGI middleware: a HEAD request reaches the app as a bodiless GET."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "HEAD":
            return self.app(environ, start_response)
        environ["REQUEST_METHOD"] = "GET"
        environ["CONTENT_LENGTH"] = "0"
        environ.pop("CONTENT_TYPE", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input"] = io.BytesIO(b"")
        body = self.app(environ, start_response)
        close = getattr(body, "close", None)
        if close is not None:
            close()
        return []
