"""Two app servers behind one PostgreSQL and one Redis serve as one platform.

Two gunicorn instances, each with an instance folder of its own, share only the database, Redis
and the two keys from the environment (``NAISHIN_SECRET_KEY``, ``NAISHIN_DATA_KEY``): a case
with an attachment logged through one is downloaded through the other with the same login, and
failed logins through both count against one throttle.
"""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pyotp
import pytest
import redis
from sqlalchemy import select

from campaign.cases.models import Attachment
from tests.cases import factories as case_factories
from tests.cases.factories import CaseFactory
from tests.cases.helpers import form_data
from tests.factories import PASSWORD
from tests.hardening.servers import gunicorn
from tests.helpers import ON_POSTGRES

REDIS_URL = "redis://127.0.0.1:6379/6"  # this line of work's own Redis database
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="two servers need PostgreSQL")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar shared by every server, like one browser behind a load balancer."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, url: str, data: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(url, data=data)  # noqa: S310 (our own servers)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def token(self, url: str) -> str:
        status, body, _ = self.request(url)
        assert status == 200, (url, status)
        return CSRF.search(body.decode()).group(1)

    def post(self, url: str, fields: dict):
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request(url, body, "application/x-www-form-urlencoded")

    def post_multipart(self, url: str, fields: dict, files: list[tuple[str, bytes]]):
        boundary = secrets.token_hex(16)
        parts = []
        for name, values in fields.items():
            for value in values if isinstance(values, list) else [values]:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
        for filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(url, b"".join(parts), f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def shared_redis():
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    yield
    client.flushdb()


def test_two_servers_serve_as_one(shared_redis, app, make, session, database_url, tmp_path):
    CaseFactory(session).seed()
    officer = make.user(branch=make.branch())
    keys = {
        "NAISHIN_SECRET_KEY": secrets.token_urlsafe(48),
        # The key the test's own app sealed the officer's TOTP secret with.
        "NAISHIN_DATA_KEY": app.extensions["naishin.data_key"].hex(),
        "NAISHIN_REDIS_URL": REDIS_URL,
        "NAISHIN_WORKERS": "2",
    }
    with (
        gunicorn(database_url, tmp_path / "one", tmp_path / "one.log", **keys) as one,
        gunicorn(database_url, tmp_path / "two", tmp_path / "two.log", **keys) as two,
    ):
        browser = Browser()
        status, _, _ = browser.post(
            f"{one}/login",
            {
                "email": officer.email,
                "password": PASSWORD,
                "code": pyotp.TOTP(officer.totp_secret).now(),
                "csrf_token": browser.token(f"{one}/login"),
            },
        )
        assert status == 302, (tmp_path / "one.log").read_text()[-4000:]
        pdf = case_factories.pdf_bytes(author="nobody")
        fields = form_data(session, browser.token(f"{one}/cases/new"))
        status, _, _ = browser.post_multipart(f"{one}/cases/new", fields, [("notice.pdf", pdf)])
        assert status == 302, (tmp_path / "one.log").read_text()[-4000:]
        session.expire_all()
        attachment = session.scalars(select(Attachment)).one()
        url = f"{two}/cases/{attachment.case_id}/attachments/{attachment.id}"
        status, body, _ = browser.request(url)  # the other server, the same login
        assert status == 200 and body.startswith(b"%PDF-")

        # Failed logins through both servers count against one account throttle (5 per 15 min).
        stranger = Browser()
        statuses = []
        for base in (one, two, one, two, one, two):
            statuses.append(
                stranger.post(
                    f"{base}/login",
                    {
                        "email": officer.email,
                        "password": "wrong password",
                        "code": "000000",
                        "csrf_token": stranger.token(f"{base}/login"),
                    },
                )[0]
            )
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
