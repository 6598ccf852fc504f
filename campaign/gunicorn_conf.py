"""Gunicorn settings.

With Redis configured, login throttles are shared, so several worker processes are safe. Without
it the throttle counters live in memory, which is only correct inside one process: then a single
worker serves every request on several threads.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger


class RespondentSafeLogger(Logger):
    """Gunicorn's logger, minus the access lines of anonymous public forms' requests.

    Not even the path and status of those requests is logged: a log line gets a time from
    whatever collects it (journald, a container runtime), and the time of an answer can be
    matched against who was at their desk (SECURITY.md promise 1). Which requests those are is
    the registry of campaign/publicforms.py (the features fill it when the app is built).
    """

    def access(self, resp, req, environ, request_time):
        """Write the access line unless the request belongs to a public form."""
        from campaign.publicforms import is_unlogged

        if is_unlogged(environ):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        """Gunicorn's fields, with secrets in the path (a setup link's token) cut out."""
        from campaign import logsafe

        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = logsafe.redact(atoms.get("U"))
        atoms["r"] = "-"  # the raw request line holds the path (and the query) unredacted
        return atoms


def _without_address(level: str):
    """Gunicorn's ``level`` method, with the client address cut and every value escaped."""

    def method(self, msg, *args, **kwargs):
        getattr(Logger, level)(self, *_clean(msg, args), **kwargs)

    method.__doc__ = f"Gunicorn's {level} line, without a client address."
    return method


# Gunicorn's own messages about requests it could not parse ("Invalid request from ip=…:
# Request Line is too large") name the client: the address is cut, as from every line.
for _level in ("critical", "error", "warning", "info", "debug", "exception"):
    setattr(RespondentSafeLogger, _level, _without_address(_level))


def _clean(msg, args) -> tuple:
    """The message and its arguments, the client address cut and every value escaped (a
    request's path among them may hold a newline that would forge a line)."""
    import re

    from campaign import logsafe

    def one(value):
        if not isinstance(value, str):
            return value
        return logsafe.escape(re.sub(r"\bip=\S+?(?=:\s|\s|$)", "ip=-", value), limit=2000)

    return (one(msg), *(one(a) for a in args))


logger_class = RespondentSafeLogger

bind = os.environ.get("NAISHIN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
threads = int(os.environ.get("NAISHIN_THREADS", "8"))
workers = (
    int(os.environ.get("NAISHIN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
    if os.environ.get("NAISHIN_REDIS_URL")
    else 1
)
# The access log names neither the client (no address) nor the query string: %(U)s is the path
# alone. Survey respondents and petition signers must leave no trace (SECURITY.md promise 1).
accesslog = "-"
access_log_format = '"%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("NAISHIN_FORWARDED_ALLOW_IPS", "127.0.0.1")
timeout = 60
graceful_timeout = 30


def post_worker_init(worker):
    """Start what the features start in each worker (``registry.add_worker_start``: the
    petitions' confirmation-link sender, which sends queued links at random moments of its own,
    never from a request: review R8-1)."""
    from campaign import registry

    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "extensions"):
        return
    stops = app.extensions.setdefault("naishin.worker_stops", [])
    for start in registry.worker_starts():
        stop = start(app)
        if stop is not None:
            stops.append(stop)


def worker_exit(server, worker):
    """Stop what ``post_worker_init`` started (a run under way finishes or dies with the
    process)."""
    app = getattr(worker, "wsgi", None)
    for stop in getattr(app, "extensions", {}).get("naishin.worker_stops", []):
        stop()
