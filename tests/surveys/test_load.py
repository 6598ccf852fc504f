"""Load (SECURITY.md promise 11): 2,000 answers sent at once by 32 clients to a live server;
every acknowledged answer is stored exactly once (none lost, none counted twice)."""

from __future__ import annotations

import base64
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from werkzeug.serving import make_server

from surveys import sealing, services
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form

N = 2000


def test_two_thousand_concurrent_answers_none_lost_none_twice(app, client, surveys, session):
    survey = surveys.opened(text=False)
    number = next(q.id for q in survey.questions if q.kind.value == "number")
    token = answer_token(client, survey.id)  # the token is per survey and hour, not per answer
    bodies = []
    for n in range(N):
        if n % 4 == 0:  # a quarter without JavaScript: the server seals
            fields = {**plain_form(survey, group=n % 4), f"q{number}": str(n)}
        else:
            answer = {str(survey.grouping.id): n % 4, str(number): n}
            sealed = sealing.seal(answer, survey.public_key, survey.block_size)
            fields = {"sealed": base64.b64encode(sealed).decode()}
        bodies.append(urllib.parse.urlencode({**fields, "token": token}, doseq=True).encode())

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/surveys/answer/{survey.id}"

    def send(body: bytes) -> int:
        request = urllib.request.Request(url, data=body)
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status

    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(send, bodies))
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert statuses == [200] * N
    session.expire_all()
    assert services.count_answers(session, survey.id) == N
    open_one = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    numbers = sorted(open_one(s)[str(number)] for s in services.iter_sealed(session, survey.id))
    assert numbers == list(range(N))
