"""Abuse and bad input (SECURITY.md promise 10): rate limits per client and per petition,
and every malformed post gets a clear 4xx and loses nothing already saved."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaign.petitions import services
from campaign.petitions.models import Signature
from tests.petitions.helpers import page_token, sign_via_form

ADDRESS = "東京都千代田区霞が関2-1-2"


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Signature))


def test_one_client_is_limited_and_the_limit_stores_no_address(app, client, petitions, session):
    app.config["PETITION_SIGN_LIMIT"] = "3 per hour"
    petition = petitions.opened()
    headers = {"X-Forwarded-For": "203.0.113.9"}
    for n in range(3):
        response = client.post(
            f"/petitions/{petition.id}",
            data={
                "name": f"山田{'一二三'[n]}郎",
                "address": ADDRESS,
                "token": page_token(client, petition.id),
            },
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
            headers=headers,
        )
        assert response.status_code == 200
    refused = client.post(
        f"/petitions/{petition.id}",
        data={"name": "鈴木花子", "address": ADDRESS, "token": page_token(client, petition.id)},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert refused.status_code == 429
    assert "Too many signatures from this network" in refused.get_data(as_text=True)
    other = client.post(
        f"/petitions/{petition.id}",
        data={"name": "鈴木花子", "address": ADDRESS, "token": page_token(client, petition.id)},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )
    assert other.status_code == 200  # another network is not affected
    assert _count(session) == 4
    throttle = app.extensions["publicforms.throttle"]
    assert "203.0.113.9" not in repr(vars(throttle))


def test_a_petition_takes_at_most_its_hourly_limit(app, client, petitions, session, clock):
    petition = petitions.opened(hourly_limit=2)
    for n in range(2):
        response = sign_via_form(
            client,
            petition.id,
            f"山田{'一二'[n]}郎",
            ADDRESS,
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )
        assert response.status_code == 200
    refused = sign_via_form(client, petition.id, "鈴木花子", ADDRESS)
    assert refused.status_code == 429
    assert "very many signatures" in refused.get_data(as_text=True)
    assert _count(session) == 2


FOREIGN_POSTS = [
    # Another site's page, as a browser reports it.
    {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://attacker.example"},
    # A sandboxed frame or a data: page on another site: Origin null (review R3-16), with the
    # browser's cross-site verdict, or with none (a browser without Fetch Metadata).
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},
    {"Origin": "null", "Sec-Fetch-Site": "none"},
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("headers", FOREIGN_POSTS)
def test_a_post_from_another_site_is_refused(client, petitions, session, headers):
    petition = petitions.opened()
    token = page_token(client, petition.id)
    response = client.post(
        f"/petitions/{petition.id}",
        data={"name": "山田太郎", "address": ADDRESS, "token": token},
        headers=headers,
    )
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "could not be confirmed as sent from a page of this site" in text
    assert "nothing was saved" in text and "山田太郎" not in text
    assert "Set-Cookie" not in response.headers
    assert _count(session) == 0


def test_the_refusal_of_a_null_origin_reads_in_japanese(client, petitions, session):
    petition = petitions.opened()
    response = client.post(
        f"/petitions/{petition.id}?lang=ja",
        data={"name": "山田太郎", "address": ADDRESS, "token": page_token(client, petition.id)},
        headers={"Origin": "null"},
    )
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "このサイトのページから送られたことを確かめられなかった" in text
    assert "ブラウザーを最新の版にする" in text
    assert _count(session) == 0


@pytest.mark.parametrize(
    "headers",
    [
        # A browser's own post under Referrer-Policy: no-referrer: Origin null, same-origin.
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://naishin.test", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://naishin.test"},
        {},  # no browser: the form token decides
    ],
)
def test_a_post_from_this_site_signs(client, petitions, session, headers):
    petition = petitions.opened()
    response = client.post(
        f"/petitions/{petition.id}",
        data={"name": "山田太郎", "address": ADDRESS, "token": page_token(client, petition.id)},
        headers=headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _count(session) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "山" * 5000, "address": ADDRESS},
        {"name": "山田\x00太郎", "address": ADDRESS},
        {"name": "山田\x1b太郎", "address": ADDRESS},
        {"name": "山田太郎", "address": "東京都" + "あ" * 100_000},
        {"name": "", "address": ""},
        {"name": "山田太郎", "address": ADDRESS, "email": "not an email"},
        {"name": "山田太郎", "address": ADDRESS, "wants_news": "y"},
    ],
)
def test_bad_input_gets_a_4xx_and_loses_nothing(client, petitions, session, fields):
    petition = petitions.opened()
    petitions.sign(petition, "田中一郎", "滋賀県大津市京町4-1-1")
    data = {**fields, "token": page_token(client, petition.id)}
    response = client.post(f"/petitions/{petition.id}", data=data)
    assert 400 <= response.status_code < 500
    assert _count(session) == 1


def test_a_missing_or_forged_token_is_refused(client, petitions, session):
    petition = petitions.opened()
    for token in (None, "", "123.abc", "9" * 40, "9" * 5000 + ".abc", "²³.abc"):
        data = {"name": "山田太郎", "address": ADDRESS}
        if token is not None:
            data["token"] = token
        response = client.post(f"/petitions/{petition.id}", data=data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "The form has expired" in page
        assert 'value="山田太郎"' in page  # nothing typed is lost
    assert _count(session) == 0


def test_a_closed_petition_says_so(app, client, petitions, session, clock):
    from campaign import publicforms

    petition = petitions.opened(closes_on=services.today())
    clock.advance(days=1)
    with app.test_request_context():
        token = publicforms.issue_token("petition-sign", petition.id)  # a form of this hour
    response = client.post(
        f"/petitions/{petition.id}", data={"name": "山田太郎", "address": ADDRESS, "token": token}
    )
    assert response.status_code == 410
    assert "This petition is closed." in response.get_data(as_text=True)
    assert _count(session) == 0


def test_an_unknown_petition_and_link_are_404(client):
    assert client.get("/petitions/999999").status_code == 404
    assert client.post("/petitions/999999", data={"token": "x"}).status_code == 404
    assert client.get("/petitions/signature?token=" + "x" * 500).status_code == 404


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(max_size=300), address=st.text(max_size=300), email=st.text(max_size=300))
def test_random_unicode_never_causes_a_server_error(
    client, petitions, session, name, address, email
):
    petition = petitions.opened() if not hasattr(client, "_petition") else client._petition
    client._petition = petition
    response = client.post(
        f"/petitions/{petition.id}",
        data={
            "name": name,
            "address": address,
            "email": email,
            "token": page_token(client, petition.id),
        },
    )
    assert response.status_code in (200, 400, 429, 503), response.status_code
