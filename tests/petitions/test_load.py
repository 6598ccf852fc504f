"""Load (SECURITY.md promise 11): 2,000 signatures from 20 concurrent clients are all counted,
none twice; one emailed link confirmed by 20 requests at once counts once."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from campaign.petitions import services
from campaign.petitions.models import Signature, SignatureState
from tests.helpers import served
from tests.petitions.helpers import FORM_TOKEN_RE, page_token

N = 2000
CLIENTS = 20


def _post(url: str, fields: dict) -> tuple[int, str]:
    body = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=120) as r:  # noqa: S310
            return r.status, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_two_thousand_signatures_from_twenty_clients_none_lost_none_twice(
    app, client, petitions, session
):
    app.config["PETITION_SIGN_LIMIT"] = "100000 per hour"
    petition = petitions.opened(goal=N, hourly_limit=100_000)
    token = page_token(client, petition.id)
    towns = ["東京都千代田区", "滋賀県大津市", "大阪府大阪市北区", "北海道札幌市中央区"]
    # Every 10th signer posts twice (a double click): counted once.
    bodies = []
    for n in range(N):
        address = f"{towns[n % 4]}{n // 40 + 1}-{n % 40 + 1}-1"
        fields = {
            "name": f"署名者{n:05d}".translate(str.maketrans("0123456789", "〇一二三四五六七八九")),
            "address": address,
            "token": token,
        }
        bodies.append(fields)
        if n % 10 == 0:
            bodies.append(dict(fields))
    with served(app) as base, ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda f: _post(f"{base}/petitions/{petition.id}", f), bodies))
    assert {status for status, _ in results} == {200}
    # Every signer, the double clicks too, gets the same page (review R3-11).
    assert all('data-outcome="counted"' in page for _, page in results)
    session.expire_all()
    counted = select(func.count()).where(Signature.state == SignatureState.COUNTED)
    assert session.scalar(counted) == N
    counts = services.counts(session, petition)
    assert counts.online == N
    assert counts.by_prefecture == {"01": [500, 0], "13": [500, 0], "25": [500, 0], "27": [500, 0]}


def test_one_link_confirmed_by_twenty_requests_at_once_counts_once(app, client, petitions, session):
    petition = petitions.opened()
    signed = petitions.sign(
        petition, "山田太郎", "東京都千代田区霞が関2-1-2", email="t@example.org"
    )
    page = client.get(f"/petitions/signature?token={signed.token}").get_data(as_text=True)
    form_token = FORM_TOKEN_RE.search(page).group(1)
    fields = {"token": signed.token, "form_token": form_token, "action": "confirm"}
    barrier = threading.Barrier(CLIENTS)

    with served(app) as base:

        def confirm(_):
            barrier.wait()
            return _post(f"{base}/petitions/signature", fields)

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(confirm, range(CLIENTS)))
    assert {status for status, _ in results} == {200}
    done = [page.split('data-done="', 1)[1].split('"', 1)[0] for _, page in results]
    assert done.count("confirmed") == 1
    assert done.count("already") == CLIENTS - 1
    session.expire_all()
    assert session.scalar(select(Signature.state)) == SignatureState.COUNTED
    assert services.counts(session, petition).online == 1
