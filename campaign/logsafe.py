"""What may reach a log line: paths with their secrets cut out (SECURITY.md promise 12).

A setup link (``/setup/<token>``) is a password for 72 hours: whoever reads the access log in
that time could take the account. Features name the path prefixes whose next segment is a
secret; the access log (campaign/gunicorn_conf.py) writes ``/setup/…`` instead.
"""

from __future__ import annotations

import posixpath
import re

_SLASHES = re.compile(r"/{2,}")
_SECRET_PREFIXES: set[str] = set()
REDACTED = "…"


def secret_segment_after(prefix: str) -> None:
    """Declare that the path segment after ``prefix`` (e.g. ``"/setup/"``) is a secret."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError("a prefix starts and ends with a slash")
    _SECRET_PREFIXES.add(prefix)


MAX_LOGGED = 300  # characters of a path in a log line; the rest is cut


def escape(text: str, limit: int = MAX_LOGGED) -> str:
    """``text`` as one log line may hold it: every control character (a newline that would
    start a forged line, an ANSI escape that would repaint the terminal of whoever reads the
    log), bidi control and noncharacter written as a visible escape, and the length capped."""
    out = []
    for char in text[:limit]:
        code = ord(char)
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or char in _ESCAPED:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out) + ("…" if len(text) > limit else "")


# Beside the control characters: the quote and backslash of the access line's own quoting,
# bidi controls, line and paragraph separators, the byte-order mark and the noncharacters.
_ESCAPED = (
    set('"\\\u061c\u200e\u200f\u2028\u2029\ufeff\ufffe\uffff')
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)


def redact(path: str | None) -> str:
    """The path as it may be logged: each declared secret segment replaced by ``…``, and what
    could forge or hide a line escaped (``escape``)."""
    if not path:
        return path or ""
    return escape(_cut_secrets(path))


def _cut_secrets(path: str) -> str:
    # "/setup//T" still reaches the page (Werkzeug merges slashes), so it is matched merged.
    path = _SLASHES.sub("/", path)
    # A link a client or a mailer rewrote (review R7a L1: "/SETUP/T", "/./setup/T",
    # "/static/../setup/T", "/setup;x/T", "/x/setup/T") reaches no page but still carries the
    # secret: wherever the prefix appears, in any case, once the dots are resolved and the
    # parameters cut, everything after it goes. The link as sent keeps what follows the secret.
    plain = _plain(path)
    for prefix in _SECRET_PREFIXES:
        where = plain.lower().find(prefix)
        if where == -1:
            continue
        if where == 0 and plain == path + "/" * (not path.endswith("/")):
            rest = path[len(prefix) :]
            tail = rest.split("/", 1)[1] if "/" in rest else None
            return prefix + REDACTED + ("" if tail is None else "/" + tail)
        return plain[:where] + prefix + REDACTED
    return path


def _plain(path: str) -> str:
    """The path with each segment's ``;parameters`` cut and its dots resolved, ending in ``/``."""
    segments = [segment.split(";", 1)[0] for segment in path.split("/")]
    return posixpath.normpath("/".join(segments)).rstrip("/") + "/"
