"""No application log line during a signer's request (review R3-5, SECURITY.md promise 1): the
records are counted and reported by day, after the day has ended, without the request's time
or data (campaign/quietlog.py)."""

from __future__ import annotations

import logging
import re
import socket
import time

from campaign import quietlog
from campaign.petitions import links, services
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
        # A later signing request's flush (links.py) fails to send the first one's link: it
        # stays queued, and the second signer, whose own link waits, is thanked as ever.
        queued = sign_via_form(client, petition.id, "時刻検証", address, email="t@example.org")
        clock.advance(minutes=links.FLUSH_MINUTES + 1)
        failed = sign_via_form(client, petition.id, "時刻検証二", address, email="u@example.org")
        assert queued.status_code == failed.status_code == 200
        assert 'data-outcome="pending"' in failed.get_data(as_text=True)
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


def test_under_gunicorn_the_failed_email_is_only_a_count_written_at_exit(
    app, database_url, petitions, tmp_path
):
    """As in production (campaign/gunicorn_conf.py, Flask's own handler on stderr): while the
    server runs, a signer whose email failed leaves no line; the worker's exit reports it."""
    petition = petitions.opened()
    server = Gunicorn(
        database_url,
        tmp_path,
        NAISHIN_SMTP_HOST="127.0.0.1",
        NAISHIN_SMTP_PORT=str(_closed_port()),
        NAISHIN_BASE_URL=BASE_URL,
        NAISHIN_TRUSTED_HOSTS="127.0.0.1",
        NAISHIN_DATA_KEY=app.extensions["naishin.data_key"].hex(),
        NAISHIN_PETITION_LINK_FLUSH_MINUTES="0.005",  # every 0.3 s: the second sends the first's
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
            assert status == 200  # queued: the signer is thanked; the flush fails quietly
            time.sleep(0.5)
        assert http_request(f"{server.base}/login")[0] == 200  # a logged request: its line
        time.sleep(0.5)
        running = server.log_path.read_text()
        assert '"GET /login HTTP/1.1" 200' in running
        assert "could not be sent" not in running and "/petitions/" not in running
    log = server.log_path.read_text()
    [line] = [line for line in log.splitlines() if "quietlog:" in line]
    assert line.endswith(
        "quietlog: 1 × WARNING campaign: petitions: a confirmation email could not be sent"
        f" (unlogged requests of {services.today().isoformat()})"
    )
    assert "時刻" not in log and "timecheck" not in log
