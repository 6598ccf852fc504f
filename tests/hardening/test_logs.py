"""No secret reaches a log line (SECURITY.md promise 12): the production server's logs are read
after a setup link and a credentials reset were used."""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from campaign import logsafe
from campaign.accounts import services as accounts
from campaign.auth.models import Role
from tests.hardening.servers import gunicorn


def test_setup_links_leave_no_token_in_the_logs(app, make, session, database_url, tmp_path):
    admin = make.user(role=Role.ADMIN)  # only an administrator gives the headquarters role
    with app.app_context():
        _user, token = accounts.invite(
            session, admin, email="new@example.org", display_name="新人", role=Role.HQ,
            branch_id=None, lifetime=timedelta(hours=72),
        )  # fmt: skip
        session.commit()
    log = tmp_path / "gunicorn.log"
    with gunicorn(database_url, tmp_path / "instance", log) as base:
        page = urllib.request.urlopen(f"{base}/setup/{token}").read().decode()  # noqa: S310 (our server)
        assert "authenticator" in page.lower() or "認証" in page  # the real setup page
        try:
            urllib.request.urlopen(f"{base}/setup/{token}x/more?t={token}")  # noqa: S310 (our server)
        except urllib.error.HTTPError as error:
            assert error.code == 404
    written = log.read_text()
    assert token not in written
    assert '"GET /setup/… HTTP/1.1" 200' in written
    assert '"GET /setup/…/more HTTP/1.1" 404' in written


def test_redact_cuts_only_the_declared_segment():
    assert logsafe.redact("/setup/abc") == "/setup/…"
    assert logsafe.redact("/setup/abc/def") == "/setup/…/def"
    assert logsafe.redact("/setupx/abc") == "/setupx/abc"
    assert logsafe.redact("/cases/1") == "/cases/1"
    # A doubled slash reaches the live page by a redirect: its token is cut all the same.
    assert logsafe.redact("/setup//abc") == "/setup/…"
    assert logsafe.redact("//setup/abc") == "/setup/…"


@pytest.mark.parametrize(
    "path",
    [
        "/SETUP/SECRETabc",
        "/Setup/SECRETabc/x",
        "/./setup/SECRETabc",
        "/static/../setup/SECRETabc",
        "/setup;x/SECRETabc",
        "/x/setup/SECRETabc",
        "/setup/./SECRETabc",
    ],
)
def test_a_rewritten_setup_link_leaves_no_token_either(path):
    """Review R7a L1: such a link opens no page, but its line still held the token."""
    logged = logsafe.redact(path)
    assert "secretabc" not in logged.lower() and "setup/…" in logged


def test_redact_escapes_what_could_forge_or_hide_a_line():
    """Review R3-22: a newline in the path wrote a second, made-up access line, and terminal
    escapes reached the log raw."""
    forged = logsafe.redact('/info/qa\n"GET /cases/FORGED HTTP/1.1" 200 1 1ms')
    assert "\n" not in forged and '"' not in forged
    assert forged.startswith("/info/qa\\x0a\\x22GET")
    assert logsafe.redact("/x\x1b[2J\u202egnp") == "/x\\x1b[2J\\u202egnp"
    assert len(logsafe.redact("/" + "a" * 5000)) <= logsafe.MAX_LOGGED + 1


def test_the_server_log_holds_one_line_per_request_and_no_client_address(database_url, tmp_path):
    import socket
    from urllib.parse import urlsplit

    log = tmp_path / "gunicorn.log"
    with gunicorn(database_url, tmp_path / "instance", log) as base:
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(  # noqa: S310 (our server)
                f"{base}/info/qa%0a%22GET%20/cases/FORGEDLINE%20HTTP/1.1%22%20200%201%201ms"
            )
        host = urlsplit(base)
        with socket.create_connection((host.hostname, host.port), timeout=10) as raw:
            raw.sendall(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            raw.recv(1000)
    written = log.read_text()
    assert "FORGEDLINE" in written  # the request was logged, on its own line
    assert not any(line.startswith('"GET /cases/FORGEDLINE') for line in written.splitlines())
    assert "Invalid request from ip=-: Request Line is too large" in written
    assert "ip=127.0.0.1" not in written
