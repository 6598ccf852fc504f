"""Bad input on the answer page (SECURITY.md promise 10): a clear 4xx, never a 500, nothing
stored; the cookie-less token and the same-origin check stand in for the CSRF token."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import sealing, services
from tests.surveys.helpers import answer_token, plain_form, sealed_answer


def _count(session, survey_id):
    session.expire_all()
    return services.count_answers(session, survey_id)


@pytest.fixture
def opened(surveys):
    return surveys.opened()


def test_malformed_or_wrong_length_ciphertext_is_refused(client, opened, session):
    url = f"/surveys/answer/{opened.id}"
    good = base64.b64decode(sealed_answer(opened, {}))
    for sealed in (
        "not base64 at all!",
        "",
        base64.b64encode(good[:-1]).decode(),
        base64.b64encode(good + b"\0").decode(),
        base64.b64encode(b"\0" * 10).decode(),
    ):
        response = client.post(
            url, data={"token": answer_token(client, opened.id), "sealed": sealed}
        )
        assert response.status_code == 400, sealed
        assert "could not be read" in response.get_data(as_text=True)
    assert _count(session, opened.id) == 0


def test_oversize_body_is_refused(client, opened, session):
    url = f"/surveys/answer/{opened.id}"
    response = client.post(
        url, data={"token": answer_token(client, opened.id), "sealed": "A" * 200_000}
    )
    assert response.status_code == 413
    long_text = {**plain_form(opened, text="長" * 301), "token": answer_token(client, opened.id)}
    assert client.post(url, data=long_text).status_code == 400
    assert _count(session, opened.id) == 0


def test_missing_wrong_or_old_token_is_refused(client, opened, surveys, session, clock):
    url = f"/surveys/answer/{opened.id}"
    other = surveys.opened()
    sealed = sealed_answer(opened, {})
    assert client.post(url, data={"sealed": sealed}).status_code == 400
    for forged in ("1.abc", "9" * 5000 + ".abc", "²³.abc"):  # 5,000 digits: int() refuses them
        assert client.post(url, data={"sealed": sealed, "token": forged}).status_code == 400
    assert not sealing.check_form_token(b"k" * 32, opened.id, "9" * 5000 + ".abc", 1)
    foreign = answer_token(client, other.id)
    assert client.post(url, data={"sealed": sealed, "token": foreign}).status_code == 400
    old = answer_token(client, opened.id)
    clock.advance(hours=3)
    response = client.post(url, data={"sealed": sealed, "token": old})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert _count(session, opened.id) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        # A sandboxed frame or data: page of another site (review R3-16).
        {"Origin": "null"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_posts_are_refused(client, opened, session, headers):
    url = f"/surveys/answer/{opened.id}"
    data = {"sealed": sealed_answer(opened, {}), "token": answer_token(client, opened.id)}
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == 403
    assert "could not be confirmed as sent from a page of this site" in response.get_data(
        as_text=True
    )
    assert "Set-Cookie" not in response.headers
    assert _count(session, opened.id) == 0


def test_a_null_origin_is_refused_in_japanese_and_nothing_is_stored(client, opened, session):
    url = f"/surveys/answer/{opened.id}?lang=ja"
    data = {"sealed": sealed_answer(opened, {}), "token": answer_token(client, opened.id)}
    response = client.post(url, data=data, headers={"Origin": "null"})
    assert response.status_code == 403
    assert "このサイトのページから送られたことを確かめられなかった" in response.get_data(
        as_text=True
    )
    assert _count(session, opened.id) == 0


@pytest.mark.parametrize(
    "headers",
    [
        # A same-origin browser post under Referrer-Policy: no-referrer sends Origin: null.
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://naishin.test", "Sec-Fetch-Site": "same-origin"},
        {},
    ],
)
def test_same_origin_posts_are_answered(client, opened, session, headers):
    url = f"/surveys/answer/{opened.id}"
    data = {"sealed": sealed_answer(opened, {}), "token": answer_token(client, opened.id)}
    assert client.post(url, data=data, headers=headers).status_code == 200
    assert _count(session, opened.id) == 1


def test_closed_or_not_yet_open_survey_takes_nothing(client, opened, session, clock):
    url = f"/surveys/answer/{opened.id}"
    data = {"sealed": sealed_answer(opened, {}), "token": answer_token(client, opened.id)}
    from surveys.models import Survey

    survey = session.get(Survey, opened.id)
    survey.opens_at = clock.now().replace(year=clock.now().year + 1)
    session.commit()
    assert client.post(url, data=data).status_code == 410
    survey.opens_at = None
    survey.closes_at = clock.now()
    session.commit()
    response = client.post(url, data=data)
    assert response.status_code == 410
    assert "not taking answers" in response.get_data(as_text=True)
    assert client.get(url).status_code == 410
    assert _count(session, opened.id) == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(["q1", "q2", "q3", "q4", "q5", "q6", "sealed", "x"]),
        st.one_of(st.text(max_size=400), st.lists(st.text(max_size=20), max_size=4)),
        max_size=8,
    )
)
def test_fuzzed_answers_get_a_4xx_or_are_stored_once(client, opened, session, values):
    before = _count(session, opened.id)
    data = {**values, "token": answer_token(client, opened.id)}
    response = client.post(f"/surveys/answer/{opened.id}", data=data)
    assert response.status_code in (200, 400), response.status_code
    assert _count(session, opened.id) == before + (response.status_code == 200)
    if response.status_code == 200:
        assert "receipt" in response.get_data(as_text=True)


def test_server_refuses_to_pad_an_answer_bigger_than_the_block():
    with pytest.raises(ValueError):
        sealing.pad(b"x" * 256, 256)
    assert sealing.unpad(sealing.pad(b"abc", 256)) == b"abc"
    with pytest.raises(ValueError):
        sealing.unpad(b"abc" + b"\0" * 10)
