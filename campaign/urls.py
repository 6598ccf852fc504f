"""Absolute URLs from the configured base URL, never from the request's Host header.

A public page may be kept by a cache (``Cache-Control: public``): a canonical link or an
``og:url`` built from ``Host: evil.example`` would then be served to everyone (SECURITY.md
promise 12). ``NAISHIN_BASE_URL`` names the address the platform is reached at; requests for any
other host are refused by Flask's ``TRUSTED_HOSTS`` (see ``config.trusted_hosts``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


class BadBaseURL(RuntimeError):
    """Raised at start-up when ``NAISHIN_BASE_URL`` is not a plain http(s) address."""


def check_base_url(value: str | None) -> str | None:
    """A base URL without a trailing slash, or None; anything but scheme, host and path fails."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadBaseURL("NAISHIN_BASE_URL must look like https://naishin.example.org")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BadBaseURL("NAISHIN_BASE_URL holds only a scheme, a host and a path")
    return value.rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint: the base URL plus the path.

    Without a configured base URL (development) the path alone is returned for links that a
    cache may keep, and Flask's own absolute URL otherwise (``trusted=True``), which then trusts
    the Host header as the development server does.
    """
    trusted = values.pop("trusted", False)
    base = current_app.config.get("BASE_URL")
    path = url_for(endpoint, **values)
    if base:
        root = request.script_root if has_request_context() else ""
        return base + path[len(root) :]
    return url_for(endpoint, _external=True, **values) if trusted else path


def canonical_url() -> str:
    """This page's canonical address (absolute with a base URL; the path alone without)."""
    base = current_app.config.get("BASE_URL")
    return (base or "") + request.path  # request.path excludes the script root
