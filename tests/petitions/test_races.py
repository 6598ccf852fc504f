"""Review R6-4: whatever gives a person's place (``signer_hash``) to a row waits for the others.

On PostgreSQL, "who holds the person's place?" (``SELECT … FOR UPDATE``) locks nothing when no
row holds it, and another transaction's uncommitted row is invisible to it: confirming a
repeat's link while the same person signed again (or another of their links was confirmed, or
their counted signature was withdrawn and handed over) saw the place free, wrote the person's
hash, and hit the unique index: a 500. Now each of them first takes the person's lock
(``services._lock_person``) and decides under it. Each test holds one transaction open in the
test's own session and sends the other through the real route in a thread: that one must wait,
then answer as a new signer is answered (never a 500), and the person counts exactly once. On
SQLite the write lock serialises them already (``BEGIN IMMEDIATE``); the tests run there too.
"""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.db import make_engine
from campaign.petitions import services
from campaign.petitions.models import Petition, Signature
from tests.petitions.helpers import FORM_TOKEN_RE

NAME = "競合四郎"
ADDRESS = "東京都港区芝公園9-9-9"


def _states(session) -> list[str]:
    session.expire_all()
    return sorted(s.value for s in session.scalars(select(Signature.state)))


def _counted(session, petition) -> int:
    session.expire_all()
    return services.counts(session, petition).online


def _confirm_while(app, client, database_url, token: str, hold) -> str:
    """Confirm ``token``'s link through its page while ``hold(session)`` is done, not committed,
    in another transaction; the page's answer (``data-done``) once both are through."""
    page = client.get(f"/petitions/signature?token={token}").get_data(as_text=True)
    form_token = FORM_TOKEN_RE.search(page).group(1)
    answers: list = []
    failures: list[BaseException] = []

    def confirm() -> None:
        try:
            answers.append(
                client.post(
                    "/petitions/signature",
                    data={"token": token, "form_token": form_token, "action": "confirm"},
                )
            )
        except BaseException as error:
            failures.append(error)

    engine = make_engine(database_url)
    try:
        with app.app_context(), Session(engine) as holding:
            hold(holding)
            thread = threading.Thread(target=confirm)
            thread.start()
            thread.join(timeout=1.5)
            assert thread.is_alive()  # it waits for the other transaction
            holding.commit()
            thread.join(timeout=20)
            assert not thread.is_alive() and not failures, failures
    finally:
        engine.dispose()
    (response,) = answers
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    return body.split('data-done="', 1)[1].split('"', 1)[0]


def test_a_repeats_link_confirmed_while_the_person_signs_again(
    app, client, petitions, session, database_url
):
    """pg_race.py: the person's first link withdrawn, a repeat's link waits; the person signs
    again without email (counted, not committed) while the repeat's link is confirmed."""
    petition = petitions.opened()
    first = petitions.sign(petition, NAME, ADDRESS, email="a@example.org")
    repeat = petitions.sign(petition, NAME, ADDRESS, email="b@example.org")
    assert services.withdraw(session, first.token)
    session.commit()

    def sign_again(other: Session) -> None:
        signed = services.sign(other, other.get(Petition, petition.id), name=NAME, address=ADDRESS)
        assert signed.outcome == "counted"

    done = _confirm_while(app, client, database_url, repeat.token, sign_again)
    assert done == "confirmed"  # as a new signer is thanked
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted", "repeat-confirmed"]


def test_two_repeat_links_of_one_person_confirmed_at_once(
    app, client, petitions, session, database_url
):
    """pg_race2.py: two repeat links wait and nobody holds the place; both are confirmed."""
    petition = petitions.opened()
    first = petitions.sign(petition, NAME, ADDRESS, email="a@example.org")
    second = petitions.sign(petition, NAME, ADDRESS, email="b@example.org")
    third = petitions.sign(petition, NAME, ADDRESS, email="c@example.org")
    assert services.withdraw(session, first.token)
    session.commit()

    def confirm_second(other: Session) -> None:
        assert services.confirm(other, second.token) == "confirmed"

    done = _confirm_while(app, client, database_url, third.token, confirm_second)
    assert done == "confirmed"
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted", "repeat-confirmed"]


def test_a_repeats_link_confirmed_while_the_counted_one_is_withdrawn_and_handed_over(
    app, client, petitions, session, database_url
):
    """The counted signature is withdrawn (its place handed to an acknowledged repeat, not
    committed) while a waiting repeat's link is confirmed: the heir keeps the place."""
    petition = petitions.opened()
    counted = petitions.sign(petition, NAME, ADDRESS, email="a@example.org")
    assert services.confirm(session, counted.token) == "confirmed"
    session.commit()
    petitions.sign(petition, NAME, ADDRESS)  # acknowledged repeat: the heir
    waiting = petitions.sign(petition, NAME, ADDRESS, email="c@example.org")

    def withdraw_counted(other: Session) -> None:
        assert services.withdraw(other, counted.token) is True

    done = _confirm_while(app, client, database_url, waiting.token, withdraw_counted)
    assert done == "confirmed"
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted", "repeat-confirmed"]
