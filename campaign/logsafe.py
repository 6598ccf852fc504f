"""What may reach a log line: paths with their secrets cut out (SECURITY.md promise 12).

A setup link (``/setup/<token>``) is a password for 72 hours: whoever reads the access log in
that time could take the account. Features name the path prefixes whose next segment is a
secret; the access log (campaign/gunicorn_conf.py) writes ``/setup/…`` instead.
"""

from __future__ import annotations

import re

_SLASHES = re.compile(r"/{2,}")
_SECRET_PREFIXES: set[str] = set()
REDACTED = "…"


def secret_segment_after(prefix: str) -> None:
    """Declare that the path segment after ``prefix`` (e.g. ``"/setup/"``) is a secret."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError("a prefix starts and ends with a slash")
    _SECRET_PREFIXES.add(prefix)


def redact(path: str | None) -> str:
    """The path as it may be logged: each declared secret segment replaced by ``…``."""
    if not path:
        return path or ""
    # "/setup//T" still reaches the page (Werkzeug merges slashes), so it is matched merged.
    path = _SLASHES.sub("/", path)
    for prefix in _SECRET_PREFIXES:
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            tail = rest.split("/", 1)[1] if "/" in rest else None
            return prefix + REDACTED + ("" if tail is None else "/" + tail)
    return path
