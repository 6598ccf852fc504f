"""A gunicorn worker killed with SIGKILL while 20 clients answer a survey loses no acknowledged
answer and counts none twice (issue 13), on whichever database the suite runs: SQLite and
PostgreSQL.

Each client answers in turn with its own invitation codes, sealing "in the browser". A request
that fails (the connection reset by the kill, a 5xx) is sent again with the same code and the
same sealed answer, as a respondent pressing the button again would: if the first one had been
committed, the code is spent and the second is refused, so it cannot count twice.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

from sqlalchemy import func, select

from surveys import codes, sealing
from surveys.models import InvitationCode, Slot, Survey
from tests.hardening.servers import gunicorn_process, workers

CLIENTS = 20
PER_CLIENT = 8
TOTAL = CLIENTS * PER_CLIENT
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _request(url: str, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers={"Accept-Language": "en"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


RETRIES: list[int] = []


def _answer(base: str, survey_id: int, sealed: bytes, code: str) -> str:
    """Send one answer until the server gives a definite reply: "acked" (200) or "spent" (the
    code was used by an earlier try that was committed but never acknowledged)."""
    url = f"{base}/surveys/answer/{survey_id}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, page = _request(url)
            token = TOKEN.search(page) if status == 200 else None
            if token is None:
                raise ConnectionError(status)
            body = urllib.parse.urlencode(
                {"sealed": base64.b64encode(sealed).decode(), "token": token.group(1), "code": code}
            ).encode()
            status, page = _request(url, body)
        except (OSError, http.client.HTTPException):
            RETRIES.append(1)
            time.sleep(0.2)  # the worker died under us: the master starts another
            continue
        if status == 200:
            return "acked"
        if "already been used" in page:
            return "spent"
        if status >= 500:
            time.sleep(0.2)
            continue
        raise AssertionError((status, re.findall(r'id="answer-error"><p>([^<]*)', page)))
    raise AssertionError("no definite answer within two minutes")


def test_a_killed_worker_loses_no_acknowledged_answer_and_counts_none_twice(
    app, database_url, surveys, session, tmp_path
):
    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    with app.test_request_context():
        made = codes.generate(session, app.config["SECRET_KEY"], survey, TOTAL)
    session.commit()
    number = next(q.id for q in survey.questions if q.kind.value == "number")
    answers = [
        sealing.seal(
            {str(survey.grouping.id): n % 4, str(number): n}, survey.public_key, survey.block_size
        )
        for n in range(TOTAL)
    ]
    RETRIES.clear()
    outcome: dict[int, str] = {}
    errors: list[BaseException] = []
    kills: list[int] = []

    with gunicorn_process(
        database_url,
        tmp_path / "instance",
        tmp_path / "gunicorn.log",
        NAISHIN_SECRET_KEY=app.config["SECRET_KEY"],
        NAISHIN_PROXY_COUNT="1",
        NAISHIN_SURVEY_ANSWER_LIMIT="100000 per minute",
    ) as (base, master):

        def client(i: int) -> None:
            try:
                for n in range(i * PER_CLIENT, (i + 1) * PER_CLIENT):
                    outcome[n] = _answer(base, survey.id, answers[n], made[n])
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for when in (TOTAL // 4, TOTAL // 2):  # twice, while the answers stream in
            while len(outcome) < when and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            for pid in workers(master):
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)
            time.sleep(0.05)
        for thread in threads:
            thread.join(timeout=300)
    assert not errors, errors
    assert len(kills) >= 2 and len(outcome) == TOTAL
    assert RETRIES, "the kills hit no request in flight"

    session.expire_all()
    parts = defaultdict(list)
    for slot, _part, data in session.execute(
        select(Slot.slot, Slot.part, Slot.data)
        .where(Slot.survey_id == survey.id, Slot.filled)
        .order_by(Slot.slot, Slot.part)
    ):
        parts[slot].append(bytes(data))
    stored = [b"".join(p) for p in parts.values()]
    acked = {answers[n] for n, o in outcome.items() if o == "acked"}
    assert acked, outcome
    assert acked <= set(stored)  # no acknowledged answer lost
    assert len(stored) == len(set(stored))  # none twice
    assert set(stored) <= set(answers)
    assert len(stored) == len(outcome)  # each committed exactly once, acknowledged or not
    spent = session.scalar(
        select(func.count())
        .select_from(InvitationCode)
        .where(InvitationCode.survey_id == survey.id, InvitationCode.spent)
    )
    assert spent == len(stored)
    assert session.get(Survey, survey.id).state == "open"
    print(
        f"kill test: {len(kills)} kills, {len(RETRIES)} requests sent again, "
        f"{len(acked)} acknowledged, {len(stored)} stored"
    )
