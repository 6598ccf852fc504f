"""No secret reaches a log line (SECURITY.md promise 12): the production server's logs are read
after a setup link and a credentials reset were used."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta

from campaign import logsafe
from campaign.accounts import services as accounts
from campaign.auth.models import Role
from tests.hardening.servers import gunicorn


def test_setup_links_leave_no_token_in_the_logs(app, make, session, database_url, tmp_path):
    hq = make.user(role=Role.HQ)
    with app.app_context():
        _user, token = accounts.invite(
            session, hq, email="new@example.org", display_name="新人", role=Role.HQ,
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
