"""No application log line during a signer's request (review R3-5, SECURITY.md promise 1): the
records are counted and reported by day, after the day has ended, without the request's time
or data (campaign/quietlog.py)."""

from __future__ import annotations

import logging
import re
import socket
import time

from campaign import quietlog
from campaign.petitions import services
from tests.helpers import Gunicorn, http_request
from tests.petitions.helpers import BASE_URL, TOKEN_RE, sign_via_form


class Lines(logging.Handler):
    """Every record any logger of the process writes, formatted as a log file would hold it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once closed


def test_a_signers_failed_email_and_a_crash_leave_no_line_until_the_day_is_over(
    app, client, petitions, clock, capsys, monkeypatch
):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_closed_port(), BASE_URL=BASE_URL)
    petition = petitions.opened()
    hashes = services.hashes
    quietlog.take(all_days=True)  # what earlier tests of this process left
    lines = Lines()
    root = logging.getLogger()
    root.addHandler(lines)
    level = root.level
    root.setLevel(logging.DEBUG)
    address = "大阪府大阪市北区中之島1丁目3番20号"
    try:
        capsys.readouterr()
        # A warning inside a signing request (the mail server is down: a link is queued, no
        # request sends it, links.py), then a crash inside the signing (a bug).
        queued = sign_via_form(client, petition.id, "時刻検証", address, email="t@example.org")
        assert queued.status_code == 200
        assert 'data-outcome="pending"' in queued.get_data(as_text=True)
        with app.test_request_context(f"/petitions/{petition.id}", method="POST"):
            app.logger.warning("petitions: a confirmation email could not be sent")
        # A crash inside the signing (a bug): the signer gets the error page, the log nothing.
        monkeypatch.setattr(services, "hashes", None)
        crashed = sign_via_form(client, petition.id, "時刻検証", address)
        assert crashed.status_code == 500
        monkeypatch.setattr(services, "hashes", hashes)
        during = capsys.readouterr()
        assert lines.lines == [] and during.err == "" and during.out == ""
        # A staff request, and a line of the app's own, the same day: still nothing of them.
        client.get("/login")
        app.logger.warning("a line outside any public form")
        assert len(lines.lines) == 1
        assert lines.lines[0].endswith(f"WARNING {app.logger.name}: a line outside any public form")
        day = services.today()
        clock.advance(days=1)
        client.get("/login")  # the first logged request of the next day reports
    finally:
        root.removeHandler(lines)
        root.setLevel(level)
    summary = [line for line in lines.lines if "quietlog:" in line]
    assert len(summary) == 2, lines.lines
    error, mail = sorted(summary, key=lambda line: "confirmation email" in line)
    assert mail.endswith(
        f"quietlog: 1 × WARNING {app.logger.name}: petitions: a confirmation email could not be"
        f" sent (unlogged requests of {day.isoformat()})"
    )
    assert f"quietlog: 1 × ERROR {app.logger.name}: unhandled error [builtins.TypeError at" in error
    assert "campaign/petitions/services.py:" in error and " in sign]" in error
    for line in summary:
        message = line.split("quietlog:", 1)[1]
        assert not re.search(r"\d\d:\d\d", message)  # the day only, never a time
        assert "大阪" not in message and "時刻" not in message and "t@example.org" not in message


def test_under_gunicorn_a_failed_email_is_the_senders_line_never_a_signers(
    app, database_url, petitions, tmp_path
):
    """As in production (campaign/gunicorn_conf.py, Flask's own handler on stderr): signers
    leave no line; the worker's sender thread, which fails to reach the mail server at moments
    of its own, logs that with its count of failures (its time is not a signer's)."""
    petition = petitions.opened()
    server = Gunicorn(
        database_url,
        tmp_path,
        NAISHIN_SMTP_HOST="127.0.0.1",
        NAISHIN_SMTP_PORT=str(_closed_port()),
        NAISHIN_BASE_URL=BASE_URL,
        NAISHIN_TRUSTED_HOSTS="127.0.0.1",
        NAISHIN_DATA_KEY=app.extensions["naishin.data_key"].hex(),
        NAISHIN_PETITION_LINK_FLUSH_MINUTES="0.005",  # the sender runs every 0.15 to 0.45 s
    )
    with server:
        url = f"{server.base}/petitions/{petition.id}"
        for name in ("時刻検証", "時刻検証二"):
            status, page = http_request(url)
            fields = {
                "name": name,
                "address": "大阪府大阪市北区中之島1丁目3番20号",
                "email": "timecheck@example.org",
                "token": TOKEN_RE.search(page).group(1),
            }
            status, _ = http_request(url, fields, {"Origin": server.base})
            assert status == 200  # queued: the signer is thanked; no request sends it
            time.sleep(0.5)
        assert http_request(f"{server.base}/login")[0] == 200  # a logged request: its line
        time.sleep(0.5)
        running = server.log_path.read_text()
        assert '"GET /login HTTP/1.1" 200' in running
        assert "/petitions/" not in running
        sender = [line for line in running.splitlines() if "the link sender sent nothing" in line]
        reason = "the mail server could not be reached: ConnectionRefusedError"
        assert sender and sender[-1].endswith(f"({reason}; failures: {len(sender)})")
    log = server.log_path.read_text()
    assert "quietlog:" not in log  # nothing was logged inside a signer's request
    assert "時刻" not in log and "timecheck" not in log
