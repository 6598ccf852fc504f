"""Opening a survey for the answers headquarters expects: its storage is made at once, so that a
survey sized right never grows while its answers arrive (a growth step holds the write lock)."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from surveys import storage
from surveys.models import State, Survey
from tests.helpers import csrf_token
from tests.surveys.helpers import PASSPHRASE


def _open(client, survey_id: int, **extra):
    token = csrf_token(client, f"/surveys/{survey_id}/open")
    data = {"csrf_token": token, "passphrase": PASSPHRASE, "confirm": PASSPHRASE, **extra}
    return client.post(f"/surveys/{survey_id}/open", data=data)


def _state(session, survey_id: int) -> tuple[State, int]:
    session.expire_all()
    survey = session.get(Survey, survey_id)
    return survey.state, storage.capacity(session, survey_id)


@pytest.mark.parametrize(
    ("typed", "slots"),
    [("", 512), ("100", 512), ("300", 600), ("４０００", 8000), ("10000", 20000)],
)
def test_the_storage_is_made_for_twice_the_answers_expected(
    client, hq, surveys, session, typed, slots
):
    survey = surveys.draft()
    session.commit()
    assert _open(client, survey.id, expected=typed).status_code == 302
    assert _state(session, survey.id) == (State.OPEN, slots)


def test_custodians_open_with_the_same_room(client, hq, surveys, session, make):
    survey = surveys.draft()
    people = [make.user(role=Role.HQ), make.user(role=Role.HQ), make.user()]
    session.commit()
    token = csrf_token(client, f"/surveys/{survey.id}/open")
    data = {
        "csrf_token": token,
        "custody": "custodians",
        "custodians": [str(p.id) for p in people],
        "threshold": "2",
        "expected": "1200",
    }
    assert client.post(f"/surveys/{survey.id}/open", data=data).status_code == 302
    assert _state(session, survey.id) == (State.OPEN, 2400)


@pytest.mark.parametrize("typed", ["0", "-5", "10001", "abc", "²", "99999999999999999999"])
def test_a_number_out_of_range_is_named_and_nothing_opens(client, hq, surveys, session, typed):
    survey = surveys.draft()
    session.commit()
    response = _open(client, survey.id, expected=typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Expected number of answers" in page  # the message names the field
    assert _state(session, survey.id) == (State.DRAFT, 0)


def test_the_message_and_hint_read_in_japanese(client, hq, surveys, session, japanese):
    survey = surveys.draft()
    session.commit()
    page = client.get(f"/surveys/{survey.id}/open").get_data(as_text=True)
    assert "回答数の見込み" in page and "10,000" in page
    refused = _open(client, survey.id, expected="20000").get_data(as_text=True)
    assert "回答数の見込みには1から10,000までの数を入力してください。" in refused


def test_an_officer_cannot_open_a_survey_whatever_he_expects(client, auth, make, surveys, session):
    survey = surveys.draft()
    auth.login(make.user(role=Role.OFFICER))
    session.commit()
    data = {"csrf_token": csrf_token(client, "/surveys/"), "expected": "5000"}
    response = client.post(
        f"/surveys/{survey.id}/open", data={**data, "passphrase": PASSPHRASE, "confirm": PASSPHRASE}
    )
    assert response.status_code == 403
    assert _state(session, survey.id) == (State.DRAFT, 0)


def test_more_answers_than_expected_are_still_taken(surveys, session):
    """Sized for 300 answers (600 slots), 700 are stored: the storage grows when it must."""
    import secrets

    survey = surveys.draft(text=False)
    from surveys import sealing, services

    services.open_survey(session, survey, PASSPHRASE, sealing.KDF_LIMITS["testing"], expected=300)
    session.commit()
    assert storage.capacity(session, survey.id) == 600
    for _ in range(700):
        storage.store(session, survey, secrets.token_bytes(survey.sealed_size))
    session.commit()
    assert storage.filled_count(session, survey.id) == 700
    assert storage.capacity(session, survey.id) > 700


def test_slots_for_never_goes_below_the_default_nor_above_the_cap():
    assert storage.slots_for(None) == storage.slots_for(0) == storage.DEFAULT_CAPACITY
    assert storage.slots_for(257) == 514
    assert storage.slots_for(10**9) == 2 * storage.EXPECTED_MAX
