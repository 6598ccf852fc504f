"""Where to send a person after a login or a language switch: local paths only.

How a feature uses it: ``redirect(safe_next(request.args.get("next"), url_for("x.index")))``
for any ``next`` argument that came from the browser.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only local paths are followed after a switch or a login: no open redirect, and no
    control character or space, which a Location header cannot carry (CR/LF would split it)."""
    if not target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target
