"""No application log line during an unlogged request (SECURITY.md promise 1; review R3-5).

The access log leaves out the requests of anonymous public forms (campaign/publicforms.py), but
an application log record written inside one (``petitions: a confirmation email could not be
sent``, a library's warning, the traceback of a crash) got a line with the time to the
millisecond, so it timed a signer's or a respondent's action all the same. Here a filter sits
on every log handler of the process: a record emitted during an unlogged request is dropped, and
only counted, per message, in the process.

The counts are reported by day (the Japan day, as a signature keeps its date and no time): the
first log record written outside an unlogged request, or the first request that is logged (a
staff page, the login page…), after a day has ended writes one line per message with its count
and the day, ``quietlog: 3 × WARNING campaign.petitions.public: petitions: a confirmation
email could not be sent (unlogged requests of 2026-12-01)``. Why a day and not "at the next
line": on a busy server the next logged line comes seconds after the signer's request, so its
time would time the signer again; a day's count at the first line of the next day says only
that it happened that day. A process that ends reports what it holds (its exit says nothing of
when the requests came). The cost: an operator learns of a failing mail server from the log the
next day (the signer is told at once, by the page).

What a line holds: the record's level, logger and message *template* (its arguments, which may
hold what a person typed, are dropped); for an exception, its type and where it was raised (the
innermost frame of this project, and the innermost frame of all), never its message. No request
data, no time of the request.
"""

from __future__ import annotations

import atexit
import logging
import threading
import traceback
from datetime import date
from pathlib import Path

from flask import Flask, current_app, has_request_context, request

from campaign import dates, logsafe, publicforms

_ROOT = str(Path(__file__).resolve().parent.parent)
_lock = threading.Lock()
_counts: dict[tuple[date, str], int] = {}  # (the Japan day, what happened) -> how many times
_local = threading.local()
_handlers_seen = [0]
SUMMARY = "quietlog_summary"  # set on the report's own records: they always pass


def in_unlogged_request() -> bool:
    """Whether this thread is serving a request of an unlogged endpoint (or path)."""
    environ = getattr(_local, "environ", None)
    if environ is None and has_request_context():
        environ = request.environ
    if environ is None:
        return False
    if publicforms.is_unlogged(environ):
        return True
    if has_request_context():  # before the toolkit's flag is set, the endpoint says
        view = current_app.view_functions.get(request.endpoint or "")
        return bool(getattr(view, "is_unlogged", False))
    return False


def describe(record: logging.LogRecord) -> str:
    """What is kept of a record: level, logger, message template, and for an exception its
    type and place; never the arguments or the exception's message."""
    template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    text = f"{record.levelname} {record.name}: {template}"
    if record.exc_info and record.exc_info[0] is not None:
        kind, _, tb = record.exc_info
        frames = traceback.extract_tb(tb)
        text += f" [{kind.__module__}.{kind.__qualname__}"
        own = [f for f in frames if _own(f.filename)]
        if own:
            text += f" at {_where(own[-1])}"
        if frames and (not own or frames[-1] is not own[-1]):
            text += f", raised in {_where(frames[-1])}"
        text += "]"
    return logsafe.escape(text, limit=500)


def _own(filename: str) -> bool:
    return filename.startswith(_ROOT) and "site-packages" not in filename


def _where(frame: traceback.FrameSummary) -> str:
    name = frame.filename
    if name.startswith(_ROOT):
        name = name[len(_ROOT) :].lstrip("/")
    elif "site-packages/" in name:
        name = name.split("site-packages/", 1)[1]
    return f"{name}:{frame.lineno} in {frame.name}"


def _count(record: logging.LogRecord) -> None:
    key = (dates.local_today(), describe(record))
    with _lock:
        _counts[key] = _counts.get(key, 0) + 1


def take(*, all_days: bool = False) -> dict[tuple[date, str], int]:
    """The counts of the days that have ended (with ``all_days``, every one held), emptied."""
    today = dates.local_today()
    with _lock:
        done = {k: n for k, n in _counts.items() if all_days or k[0] < today}
        for key in done:
            del _counts[key]
    return done


def report(*, all_days: bool = False) -> None:
    """Write the counts of the days that have ended, one line per day and message."""
    counts = take(all_days=all_days)
    logger = logging.getLogger(_logger_name[0])
    for (day, text), number in sorted(counts.items()):
        logger.warning(
            "quietlog: %d × %s (unlogged requests of %s)",
            number,
            text,
            day.isoformat(),
            extra={SUMMARY: True},
        )


_logger_name = ["campaign.quietlog"]


class QuietFilter(logging.Filter):
    """On every handler: drop (and count) a record emitted during an unlogged request; before
    a record written elsewhere, report the counts of a day that has ended."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the handler writes the record."""
        if getattr(record, SUMMARY, False):
            return True
        if getattr(record, "quietlog_dropped", False):
            return False  # a second handler of the same record: counted once
        if in_unlogged_request():
            record.quietlog_dropped = True
            _count(record)
            return False
        if _counts:
            report()  # only days that have ended
        return True


QUIET = QuietFilter()


def cover_handlers() -> None:
    """Put the filter on every handler of the process (checked again when handlers are made)."""
    handlers = logging._handlerList  # every handler made, as weak references (the stdlib's)
    if len(handlers) == _handlers_seen[0]:
        return
    for ref in list(handlers):
        handler = ref()
        if handler is not None and QUIET not in handler.filters:
            handler.addFilter(QUIET)
    _handlers_seen[0] = len(handlers)


class _Track:
    """WSGI middleware: which request this thread serves, for records written outside the
    request context but inside the app's call (a middleware's, a teardown's). Records written
    while a streamed response is iterated, after the call, are not covered (no page here
    streams)."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        cover_handlers()
        _local.environ = environ
        try:
            return self.app(environ, start_response)
        finally:
            _local.environ = None


def _report_at_logged_request() -> None:
    if _counts and not in_unlogged_request():
        report()


def init_app(app: Flask) -> None:
    """Cover the app's handlers (its logger is made now), track requests, report daily."""
    _logger_name[0] = app.logger.name
    cover_handlers()
    app.wsgi_app = _Track(app.wsgi_app)
    app.before_request(_report_at_logged_request)


atexit.register(lambda: report(all_days=True))
