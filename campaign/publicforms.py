"""The toolkit for anonymous public forms (survey answers, petition signatures).

A public form is a page that anyone may fill in without an account, and whose visitors must leave
no trace: no cookie is read or set, no access-log line is written, no address is stored. This
module holds every piece such a form needs, so that a feature never copies one out of another.

Using it (the whole API)
------------------------

Mark the view, once::

    from campaign import publicforms

    @bp.route("/petitions/sign/<int:petition_id>", methods=["GET", "POST"])
    @publicforms.public_form                  # cookieless + CSRF-exempt + unlogged + form CSP
    def sign(petition_id): ...

``@public_form(wasm=True)`` allows WebAssembly (libsodium) on the page; ``@public_form(log=False)``
is the default, ``log=True`` keeps the access-log line (a public page that is no one's secret).
A public page that is not a form (a script it loads, a public list) can use the parts alone:
``@cookieless`` (from campaign.access, re-exported here) and ``@unlogged``.

Check a post, in this order (each is cheap; the throttle last, so that forged or stale posts do
not use up a real visitor's allowance)::

    publicforms.require_same_origin()                        # 403 for another site's post
    if not publicforms.verify_token("petition-sign", petition_id, request.form.get("token")):
        ...  # show the form again with "the form has expired" (400)
    if not publicforms.throttle("petition-sign", limit="20 per 10 minutes"):
        ...  # 429 with "too many from this network"

and put ``publicforms.issue_token("petition-sign", petition_id)`` into the form as ``token``.

- ``issue_token(purpose, subject)`` / ``verify_token(purpose, subject, token)``: the cookieless
  anti-forgery token. An HMAC (key derived from the app's secret key, used for nothing else) over
  the purpose, the subject (e.g. the survey id) and the hour the page was served; good for that
  hour and the next. It names nobody and is never stored.
- ``same_origin()`` / ``require_same_origin()`` (from campaign.security, where the rule is
  explained): ``Sec-Fetch-Site`` must be ``same-origin`` or ``none`` when sent, and ``Origin``
  when sent must be this host, or ``null`` (what browsers send for a site's own post under
  ``Referrer-Policy: no-referrer``, and a sandboxed frame for its post) with
  ``Sec-Fetch-Site: same-origin``. ``require_same_origin`` answers 403 with a page that says
  what happened. Every post passes the same check before any view (security's
  ``refuse_cross_site_posts``); a public form's view still calls it first, as above, so that
  the check stays written next to the form it guards. It is the defence against another
  site's post: the form token is the same for every visitor of the hour, so another site can
  fetch one.
- ``throttle(scope, limit, key=None)`` → True while allowed. Counts one hit of the client (by
  default its address, ``request.remote_addr``) in a fixed window. What is counted against is a
  *tag*: a keyed BLAKE2b hash of (scope, window, address) under a random key of that window
  (derived from nothing, forgotten with the window); the address itself is never stored, in
  memory or in Redis, and a tag of one window cannot be linked to the same client's tag in the
  next. In memory (one process: gunicorn then runs one worker) the table and its key are
  dropped when the window ends; with ``NAISHIN_REDIS_URL`` set, the key and the tags are Redis
  keys that all expire at the window's end (the same second for all, never relative to a hit),
  so several workers share the count. RedisThrottle says what a live Redis still shows.
- ``PUBLIC_FORM_CSP`` / ``public_form_csp(wasm=False)``: the app's CSP for such a page (no inline
  script, ``form-action 'self'``), with ``'wasm-unsafe-eval'`` when the page compiles libsodium.
- ``unlogged(view)`` / ``register_unlogged_prefix("/surveys/answer")`` /
  ``unlogged_static("css/site.css")`` / ``is_unlogged(environ)``: the registry of requests that
  leave no access-log line. A marked endpoint flags its WSGI environ, and so does a request
  that Werkzeug redirects to one or answers 405 for one; but a path that matches no route (a
  mistyped survey number, a slash more or less: ``/petitions/1/``) reaches no view, so each
  feature also registers its whole public URL space as a prefix, without the trailing slash,
  with its staff areas named as logged (``register_unlogged_prefix("/petitions",
  logged=("/petitions/manage",))``); every answer under it, 404 and 308 included, is unlogged
  (review R5-5; tests/main/test_unlogged_addresses.py checks every public route against it).
  Static files that an unlogged page loads are registered by their file name, and are then
  unlogged for every visitor, so that a staff member's visit and a respondent's look the same
  (there is none to see). The gunicorn logger (campaign/gunicorn_conf.py) asks
  ``is_unlogged(environ)`` for every access line.
- ``kept_page(render, *key)``: a cookieless page that is the same for every visitor (a
  thank-you page), rendered once per address, language and key, and kept.
- ``locale_url(code)``: on a cookieless page the language switch cannot set a cookie; the
  language travels in the address (``?lang=en``) instead (see campaign/i18n.py).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, make_response, request, url_for
from limits import parse

from campaign.access import cookieless, is_cookieless_endpoint
from campaign.params import parse_int
from campaign.security import CSP, require_same_origin, same_origin

__all__ = [
    "PUBLIC_FORM_CSP",
    "TOKEN_WINDOW",
    "cookieless",
    "derive_key",
    "is_unlogged",
    "is_unlogged_path",
    "issue_token",
    "locale_url",
    "public_form",
    "public_form_csp",
    "register_unlogged_prefix",
    "require_same_origin",
    "same_origin",
    "throttle",
    "token_for",
    "unlogged",
    "unlogged_static",
    "verify_token",
]

F = TypeVar("F", bound=Callable)

TOKEN_WINDOW = 3600  # seconds: a form is good for the hour it was served and the next
ENVIRON_FLAG = "naishin.unlogged"
PUBLIC_FORM_CSP = CSP
_WASM_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")


def public_form_csp(wasm: bool = False) -> str:
    """The Content-Security-Policy of a public form page (``wasm`` for libsodium's WebAssembly)."""
    return _WASM_CSP if wasm else PUBLIC_FORM_CSP


# --- keys and tokens -------------------------------------------------------------------------


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose, derived from the app's secret key (a leak of one such key
    weakens nothing else, not the session cookies)."""
    return hashlib.sha256(f"naishin-{purpose}|".encode() + secret_key.encode()).digest()


def _window(now: float | None = None) -> int:
    from campaign import clock

    return int(now if now is not None else clock.now().timestamp()) // TOKEN_WINDOW


def token_for(key: bytes, purpose: str, subject: object, window: int) -> str:
    """The token for (purpose, subject) in one window, under ``key`` (pure; see issue_token)."""
    mac = hmac.new(key, f"{purpose}|{subject}|{window}".encode(), hashlib.sha256)
    return f"{window}.{mac.hexdigest()[:32]}"


def _token_key() -> bytes:
    return derive_key(current_app.config["SECRET_KEY"], "public-form")


def issue_token(purpose: str, subject: object) -> str:
    """The anti-forgery token to put in a public form (hidden field ``token``)."""
    return token_for(_token_key(), purpose, subject, _window())


def verify_token(
    purpose: str, subject: object, token: str | None, *, key: bytes | None = None
) -> bool:
    """Whether ``token`` was issued here for (purpose, subject) this hour or the one before."""
    token = token or ""
    window_text, _, _mac = token.partition(".")
    now = _window()
    window = parse_int(window_text, maximum=now)  # ASCII digits only, and not 5,000 of them
    if window not in (now, now - 1):
        return False
    expected = token_for(key or _token_key(), purpose, subject, window)
    return hmac.compare_digest(expected, token)


# --- throttle --------------------------------------------------------------------------------


WINDOW_MARGIN = 5  # seconds a window's keys outlive it: workers' clocks differ a little


def window_end(window: int, length: int) -> int:
    """When every key of a window expires (Unix seconds): the window's end plus the margin.

    The same moment for every key of the window, whenever it was hit, so that no key tells when
    its client was last (or first) counted (review R4-8)."""
    return (window + 1) * length + WINDOW_MARGIN


class MemoryThrottle:
    """Hits per tag in the current fixed window, in this process's memory only.

    Each scope has, for its current window, a table of counts and a random tag key
    (``secrets.token_bytes``, derived from nothing). Both are dropped when the window ends (at
    the next hit of any scope): nothing about a client outlives one window, nothing is written
    anywhere, and not even the secret key can rebuild a tag.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[int, int]] = {}  # scope -> (window, length)
        self.counts: dict[str, dict[str, int]] = {}
        self.keys: dict[str, bytes] = {}

    def _forget_ended(self, now: float) -> None:
        for scope, (window, length) in list(self.windows.items()):
            if (window + 1) * length <= now:
                del self.windows[scope], self.counts[scope], self.keys[scope]

    def count(self, scope: str, client: str, window: int, length: int) -> int:
        """Count one hit of ``client``; return its count in this window."""
        with self.lock:
            self._forget_ended(time.time())
            if self.windows.get(scope) != (window, length):
                self.windows[scope], self.counts[scope] = (window, length), {}
                self.keys[scope] = secrets.token_bytes(32)
            tag = client_tag(scope, window, client, self.keys[scope])
            table = self.counts[scope]
            table[tag] = table.get(tag, 0) + 1
            return table[tag]


class RedisThrottle:
    """The same counts in Redis, shared by every worker and app server.

    Per scope and window, Redis holds:

    - ``naishin:pf:<scope>:key:<window>``: the window's tag key, 32 random bytes, made by the
      first worker that needs it (``SET NX``, so all workers use the one key) and derived from
      nothing: a copy of ``NAISHIN_SECRET_KEY`` cannot rebuild a tag from a candidate address;
    - ``naishin:pf:<scope>:<tag>``: a count, ``INCR`` then ``EXPIREAT`` in one ``MULTI``.

    Every one of these keys expires at ``window_end()``, the same second for all of them,
    never relative to a hit: a key's TTL says which window it belongs to, not when it was hit.
    When the window ends the tag key goes with the counts (and this worker drops its copy at
    its next hit), so afterwards no tag can be recomputed, even with the counts copied.

    What someone with live access to Redis still learns, during the window only: how many
    tags there are and each one's count; with the window's tag key (it is there) whether a
    candidate address is among them; and when each tag was last counted, to the second,
    from Redis's own access clock (``OBJECT IDLETIME``) or by watching (``MONITOR``). That is
    what a live Redis must be trusted with; nothing of it is in a key's value or expiry, and
    nothing reaches a disk if that Redis runs without persistence (README: ``save ""``,
    ``appendonly no``: an AOF would list the hits in arrival order). The address itself is
    never sent to Redis.
    """

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.lock = threading.Lock()
        self.keys: dict[str, tuple[int, int, bytes]] = {}  # scope -> (window, end, tag key)

    def _tag_key(self, scope: str, window: int, end: int) -> bytes:
        with self.lock:
            now = time.time()
            for name, (_window, ends, _key) in list(self.keys.items()):
                if ends - WINDOW_MARGIN <= now:
                    del self.keys[name]
            held = self.keys.get(scope)
            if held is not None and held[0] == window:
                return held[2]
        name = f"naishin:pf:{scope}:key:{window}"
        pipe = self.client.pipeline()
        pipe.set(name, secrets.token_bytes(32), nx=True)
        pipe.expireat(name, end)
        pipe.get(name)
        _, _, key = pipe.execute()
        with self.lock:
            self.keys[scope] = (window, end, key)
        return key

    def count(self, scope: str, client: str, window: int, length: int) -> int:
        """Count one hit of ``client``; return its count in this window."""
        end = window_end(window, length)
        tag = client_tag(scope, window, client, self._tag_key(scope, window, end))
        key = f"naishin:pf:{scope}:{tag}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expireat(key, end)
        count, _ = pipe.execute()
        return int(count)


def _store():
    store = current_app.extensions.get("publicforms.throttle")
    if store is None:
        url = current_app.config.get("REDIS_URL")
        store = RedisThrottle(url) if url else MemoryThrottle()
        current_app.extensions["publicforms.throttle"] = store
    return store


def client_tag(scope: str, window: int, key: str, secret: bytes) -> str:
    """The keyed, per-window hash a client is counted by (never the key itself)."""
    message = f"{scope}|{window}|{key}".encode()
    return hashlib.blake2b(message, key=secret[:64], digest_size=16).hexdigest()


@functools.lru_cache(maxsize=64)
def _parse_limit(limit: str):
    return parse(limit)  # the same few limits on every post: parsed once


def throttle(scope: str, limit: str, key: str | None = None) -> bool:
    """Count one hit of this client against ``limit`` (e.g. ``"20 per 10 minutes"``).

    True while the client is within the limit, False once over it. ``key`` defaults to the
    client's address; only a hash of it under the window's random key is kept, and only until
    its window ends (see MemoryThrottle and RedisThrottle).
    """
    item = _parse_limit(limit)
    length = int(item.get_expiry())
    window = int(time.time()) // length
    client = key if key is not None else (request.remote_addr or "")
    return _store().count(scope, client, window, length) <= item.amount


# --- access log ------------------------------------------------------------------------------

_UNLOGGED_PREFIXES: dict[str, tuple[str, ...]] = {}  # prefix -> the staff areas inside it
_UNLOGGED_PATHS: set[str] = set()
_UNLOGGED_STATIC: set[str] = set()
_SLASHES = re.compile(r"/{2,}")


def _plain(path: str) -> str:
    """A path as the registry compares it: runs of slashes as one, no trailing slash, in lower
    case (what a member types from a flyer: ``/Petitions/1/``, ``//petitions``)."""
    return _SLASHES.sub("/", path).rstrip("/").casefold()


def register_unlogged_prefix(prefix: str, *, logged: tuple[str, ...] = ()) -> None:
    """Every request whose path starts with ``prefix`` leaves no access-log line, whatever it
    answers (a page, a 404 for a mistyped number, a 405, the 308 that adds a slash): a feature
    registers its whole public URL space, without the trailing slash (``"/petitions"`` covers
    ``/petitions``, ``/petitions/``, ``/petitions/1/`` and ``/petitions/1x``). ``logged`` names
    the staff areas inside it (``"/petitions/manage"``), whose requests keep their line."""
    plain = _plain(prefix)
    if not plain:
        raise ValueError("an unlogged prefix must not be the whole site")
    _UNLOGGED_PREFIXES[plain] = tuple(_plain(area) for area in logged)


def unlogged_static(*filenames: str) -> None:
    """Static files (names under the static folder) that unlogged pages load: their requests
    leave no access-log line either, whoever makes them."""
    _UNLOGGED_STATIC.update(filenames)


def unlogged(view: F) -> F:
    """Mark a view whose requests leave no access-log line."""
    view.is_unlogged = True  # type: ignore[attr-defined]
    return view


# A static file's content-hashed name (campaign/staticfiles.py): css/site.3f2a1b9c04d1.css.
_CONTENT_HASH = re.compile(r"\.[0-9a-f]{12}(?=\.[^./]+$)")


def is_unlogged_path(path: str) -> bool:
    """Whether a request path is in the registry (prefixes and static files, under their
    plain or their content-hashed names)."""
    if path in _UNLOGGED_PATHS or _CONTENT_HASH.sub("", path, count=1) in _UNLOGGED_PATHS:
        return True
    plain = _plain(path)
    return any(
        plain.startswith(prefix) and not any(_inside(plain, area) for area in logged)
        for prefix, logged in _UNLOGGED_PREFIXES.items()
    )


def _inside(plain: str, area: str) -> bool:
    """Whether a (plain) path is the area or under it: ``/petitions/manage``,
    ``/petitions/manage/1`` (not ``/petitions/managex``, a mistyped public address)."""
    return plain == area or plain.startswith(area + "/")


def is_unlogged(environ: dict) -> bool:
    """What the access logger asks for each request: leave this one out?"""
    return bool(environ.get(ENVIRON_FLAG)) or is_unlogged_path(environ.get("PATH_INFO", ""))


def _flag_request() -> None:
    """``before_request``: flag the environ of a request to an unlogged endpoint."""
    endpoint = request.endpoint or _endpoint_behind(request.routing_exception)
    view = current_app.view_functions.get(endpoint or "")
    if getattr(view, "is_unlogged", False):
        request.environ[ENVIRON_FLAG] = True


def _endpoint_behind(error: Exception | None) -> str | None:
    """The endpoint a request that matched no rule was meant for: where Werkzeug's redirect
    (the 308 that adds a slash, or merges two) leads, or the rule whose method was wrong (405).
    Such a request reaches no view, so its endpoint is not set."""
    from werkzeug.exceptions import HTTPException, MethodNotAllowed
    from werkzeug.routing import RequestRedirect

    adapter = request.url_rule is None and current_app.create_url_adapter(request)
    if not adapter or not isinstance(error, RequestRedirect | MethodNotAllowed):
        return None
    path, method = request.path, request.method
    if isinstance(error, RequestRedirect):
        path = urlsplit(error.new_url).path[len(request.script_root) :]
    else:
        method = next(iter(error.valid_methods or ()), "GET")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:  # any other routing answer (a 404, a redirect again): none
        return None
    return endpoint


def init_app(app: Flask) -> None:
    """Register the hook that flags unlogged requests, and the static files' paths."""
    app.before_request(_flag_request)
    app.after_request(response_without_cookies)
    app.context_processor(lambda: {"locale_url": locale_url})
    prefix = (app.static_url_path or "/static").rstrip("/")
    for name in _UNLOGGED_STATIC:
        _UNLOGGED_PATHS.add(f"{prefix}/{name}")

    @app.before_request
    def _static_paths() -> None:  # files registered after start-up (a feature imported late)
        for name in _UNLOGGED_STATIC:
            _UNLOGGED_PATHS.add(f"{prefix}/{name}")


# --- the decorator and the language ----------------------------------------------------------


def public_form(view: F | None = None, *, wasm: bool = False, log: bool = False):
    """Make a view an anonymous public form: cookieless, CSRF-exempt (it uses ``issue_token``
    instead), unlogged unless ``log=True``, and sent with the public-form CSP."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapped(*args, **kwargs):
            response = make_response(func(*args, **kwargs))
            response.headers["Content-Security-Policy"] = public_form_csp(wasm)
            return response

        wrapped.csrf_exempt = True  # type: ignore[attr-defined]
        from campaign.extensions import csrf

        csrf.exempt(wrapped)
        if not log:
            unlogged(wrapped)
        return cookieless(wrapped)  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def locale_url(code: str) -> str:
    """This page's address in another language (``?lang=``), for cookieless pages.

    Only ``lang`` is carried over, never the rest of the query: whatever a visitor's address
    held (an invitation code, a receipt) must not be copied into a link (review R3-10)."""
    return url_for(request.endpoint, **(request.view_args or {}), lang=code)


# --- pages that are the same for every visitor ----------------------------------------------

KEPT_PAGES_MAX = 256
_kept_lock = threading.Lock()


def kept_page(render: Callable[[], str], *key: object) -> str:
    """The HTML ``render()`` gives, rendered once per app, address (scheme and host included),
    language and ``key``, and kept (a thank-you page after an answer or a signature: rendering
    it was a third of the request).

    Only for a cookieless page, which shows no user, no flash and no CSRF token, so that what
    it shows depends only on the address (with its query string), the language and what the
    caller puts in ``key`` (everything else the template reads); anywhere else it renders each
    time. Bounded, the oldest going first: an address with a made-up query costs one render.
    """
    if not in_cookieless_request():
        return render()
    pages = current_app.extensions.setdefault("publicforms.pages", {})
    # On a cookieless page the language is the address's ?lang= or the browser's preference
    # (campaign/i18n.py): both are in the key, so the language need not be worked out here.
    languages = request.headers.get("Accept-Language", "")
    address = (request.scheme, request.host, request.script_root, request.full_path)
    full = (*address, languages, *key)
    html = pages.get(full)
    if html is None:
        html = render()
        with _kept_lock:  # another thread may be evicting too
            while len(pages) >= KEPT_PAGES_MAX:
                pages.pop(next(iter(pages)), None)
            pages[full] = html
    return html


def in_cookieless_request() -> bool:
    """Whether the current request is to a cookieless endpoint."""
    return is_cookieless_endpoint(request.endpoint)


def response_without_cookies(response: Response) -> Response:
    """Strip any ``Set-Cookie`` a cookieless response might have picked up (defence in depth)."""
    if in_cookieless_request():
        response.headers.remove("Set-Cookie")
    return response
