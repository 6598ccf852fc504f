"""A large survey's results through gunicorn as in production (several workers, threads): the
page and its first progress bar arrive before the count ends, then the results, from the one
worker that holds the key (no other worker has to find the count), and no log holds the key."""

from __future__ import annotations

import base64
import http.client
import http.cookiejar
import re
import secrets
import time
import urllib.parse
import urllib.request

import pyotp
import pytest
import redis
from sqlalchemy import insert

from campaign.auth.models import Role
from surveys import sealing, services, storage
from surveys.models import Slot
from tests.factories import PASSWORD
from tests.helpers import Gunicorn
from tests.surveys.helpers import PASSPHRASE
from tests.surveys.results_helpers import answer_for

REDIS_URL = "redis://127.0.0.1:6379/12"  # this line of work's own Redis database
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANSWERS = 6000  # above the 5,000 counted in the request


def _bulk_answers(session, survey, count: int) -> None:
    """``count`` sealed answers written straight into fresh slots (storing them one by one
    through the answer path would take minutes)."""
    numbers = storage._new_slot_numbers(session, survey.id, count)
    rows = []
    for n, number in enumerate(numbers):
        sealed = sealing.seal(answer_for(survey, n), survey.public_key, survey.block_size)
        for part, piece in enumerate(storage._split(sealed)):
            rows.append(
                {
                    "id": secrets.randbelow(2**62),
                    "survey_id": survey.id,
                    "slot": number,
                    "part": part,
                    "filled": True,
                    "data": piece,
                }
            )
    for start in range(0, len(rows), 2000):
        session.execute(insert(Slot), rows[start : start + 2000])
    session.commit()


class Browser:
    """Cookies kept between requests, as a browser keeps them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return CSRF.search(response.read().decode()).group(1)

    def post(self, path: str, fields: dict) -> int:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.status

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


@pytest.fixture
def shared_redis():
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    yield
    client.flushdb()


def test_gunicorn_streams_the_progress_then_the_results(
    shared_redis, app, make, session, surveys, database_url, tmp_path
):
    survey = surveys.opened()
    _bulk_answers(session, survey, ANSWERS)
    survey = surveys.close(survey)
    private = bytes(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    user = make.user(role=Role.HQ)
    env = {
        "NAISHIN_DATA_KEY": app.extensions["naishin.data_key"].hex(),
        "NAISHIN_REDIS_URL": REDIS_URL,
        "NAISHIN_WORKERS": "2",
    }
    with Gunicorn(database_url, tmp_path, **env) as server:
        browser = Browser(server.base)
        fields = {"email": user.email, "password": PASSWORD}
        fields |= {
            "code": pyotp.TOTP(user.totp_secret).now(),
            "csrf_token": browser.token("/login"),
        }
        assert browser.post("/login", fields) == 200
        token = browser.token(f"/surveys/{survey.id}/results")
        body = urllib.parse.urlencode(
            {"csrf_token": token, "passphrase": PASSPHRASE, "format": "html"}
        )
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        connection.request(
            "POST",
            f"/surveys/{survey.id}/results",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": browser.cookie_header(),
                "Accept-Language": "ja",
            },
        )
        response = connection.getresponse()  # (closed at the end, or by gunicorn's stop)
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"
        assert "no-store" in response.getheader("Cache-Control", "")
        first = b""
        while b"<progress" not in first:
            first += response.read1(65536)
        assert "を集計しました".encode() not in first  # the count has not ended yet
        started = time.monotonic()
        rest = response.read()
        connection.close()
        page = (first + rest).decode()
        assert f'max="{ANSWERS}" value="0"' in page
        assert f"すべての回答（{ANSWERS:,}件）を集計しました".replace(",", "") in page.replace(
            ",", ""
        )
        assert f"{ANSWERS}件の回答を集計しました。" in page
        assert time.monotonic() - started < 60
    log = server.log_path.read_bytes()
    for secret in (private, private.hex().encode(), base64.b64encode(private), PASSPHRASE.encode()):
        assert secret not in log
    assert b" 500 " not in log
