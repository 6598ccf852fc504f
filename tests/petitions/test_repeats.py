"""Review R5-4: whoever signs first in a person's name does not own the person.

A repeat (the same normalised name and address again) is counted nowhere while the person's
place is held, but it is the person's signature all the same: when the holder goes (withdrawn,
before or after the close; never confirmed and discarded; its email not sent) an acknowledged
repeat takes the count over, and an acknowledged repeat never waits behind a holder that only
waits for its link. So the person counts exactly once while any acknowledged signature of
theirs remains, and is then in the 署名簿; and nothing of this shows to either signer.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

from sqlalchemy import func, select

from campaign.petitions import services
from campaign.petitions.models import Petition, Signature, SignatureState
from tests.petitions.helpers import BASE_URL, FORM_TOKEN_RE, sign_via_form, waits_for

NAME = "標的花子"
ADDRESS = "滋賀県大津市御陵町3-1"


def _counted(session, petition) -> int:
    session.expire_all()
    return services.counts(session, petition).online


def _listed(session, petition) -> list[tuple[str, str]]:
    return [
        (name, address)
        for _, rows in services.signature_list(session, petition)
        for _, name, address in rows
    ]


def _states(session) -> list[str]:
    session.expire_all()
    return sorted(s.value for s in session.scalars(select(Signature.state)))


def _link(client, link: str, action: str):
    token = link.split("token=", 1)[1]
    page = client.get(link.removeprefix(BASE_URL))
    form_token = FORM_TOKEN_RE.search(page.get_data(as_text=True)).group(1)
    return client.post(
        "/petitions/signature", data={"token": token, "form_token": form_token, "action": action}
    )


def test_withdrawing_the_first_signature_leaves_the_persons_own_counted(
    client, petitions, session, outbox
):
    """preempt.py: a prober signs in the person's name with his own email and confirms; the
    person signs without email (thanked as a new signer); the prober withdraws his."""
    petition = petitions.opened()
    first = sign_via_form(client, petition.id, NAME, ADDRESS, email="prober@example.org")
    assert first.status_code == 200
    outbox.deliver(expect=1)
    assert 'data-done="confirmed"' in _link(client, outbox.links()[0], "confirm").get_data(
        as_text=True
    )
    real = sign_via_form(client, petition.id, "標的 花子", "滋賀県大津市御陵町三丁目1番")
    fresh = sign_via_form(client, petition.id, "別人太郎", ADDRESS)
    assert real.status_code == fresh.status_code == 200
    assert 'data-outcome="counted"' in real.get_data(as_text=True)
    assert _page(real) == _page(fresh)  # she is thanked as a new signer is (R3-11)
    assert _counted(session, petition) == 2  # 花子 once, 別人 once
    withdrawn = _link(client, outbox.links()[0], "withdraw")
    assert 'data-done="withdrawn"' in withdrawn.get_data(as_text=True)
    assert _counted(session, petition) == 2  # 花子 still counted, once
    services.close_petition(session, petition)
    session.commit()
    # Her own signature, as she typed it, is in the list the addressee receives.
    assert ("標的 花子", "滋賀県大津市御陵町三丁目1番") in _listed(session, petition)
    assert len(_listed(session, petition)) == 2


def test_a_withdrawal_after_the_close_does_not_drop_the_person(petitions, session):
    """preempt3.py: the withdrawal comes after the closing, when she can no longer sign."""
    petition = petitions.opened()
    prober = petitions.sign(petition, NAME, ADDRESS, email="prober@example.org")
    assert services.confirm(session, prober.token) == "confirmed"
    session.commit()
    assert petitions.sign(petition, NAME, ADDRESS).duplicate
    services.close_petition(session, petition)
    session.commit()
    assert _counted(session, petition) == 1
    assert services.withdraw(session, prober.token) is True  # allowed until the submission
    session.commit()
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted"]
    assert _listed(session, petition) == [(NAME, ADDRESS)]


def test_a_signature_without_email_counts_at_once_behind_a_pending_one(petitions, session, clock):
    """preempt2.py: a prober signs in the person's name and never confirms; the person's own
    signature without email counts at once, and still counts once the pending one expires."""
    petition = petitions.opened(closes_on=services.today() + timedelta(days=60))
    prober = petitions.sign(petition, NAME, ADDRESS, email="nobody@example.org")
    assert _counted(session, petition) == 0
    real = petitions.sign(petition, NAME, ADDRESS)
    assert real.outcome == "counted"
    assert _counted(session, petition) == 1
    assert _listed(session, petition) == [(NAME, ADDRESS)]
    # The prober's link still reads as a new signer's: waiting, then confirmed; it counts
    # nothing more.
    assert services.find_by_token(session, prober.token).shown_state == "pending"
    clock.advance(days=8)
    services.anonymise_due(session)
    session.commit()
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted"]
    assert services.find_by_token(session, prober.token) is None


def test_behind_a_pending_one_the_page_is_a_new_signers(client, petitions, session, outbox):
    """Counting the person at once behind a pending signature shows nothing either."""
    petition = petitions.opened()
    sign_via_form(client, petition.id, NAME, ADDRESS, email="prober@example.org")
    outbox.deliver(expect=1)
    real = sign_via_form(client, petition.id, NAME, ADDRESS)
    fresh = sign_via_form(client, petition.id, "別人太郎", ADDRESS)
    assert real.status_code == fresh.status_code == 200
    assert _page(real) == _page(fresh)
    assert dict(real.headers) == dict(fresh.headers)
    assert _counted(session, petition) == 2
    first = client.get(outbox.links()[0].removeprefix(BASE_URL))
    assert first.status_code == 200 and 'value="confirm"' in first.get_data(as_text=True)


def _page(response) -> bytes:
    return re.sub(rb'name="token" value="[^"]+"', b"", response.get_data())


def test_the_pending_ones_link_behaves_as_before_and_counts_nothing_more(petitions, session):
    petition = petitions.opened()
    prober = petitions.sign(petition, NAME, ADDRESS, email="prober@example.org")
    petitions.sign(petition, NAME, ADDRESS)
    assert services.confirm(session, prober.token) == "confirmed"
    session.commit()
    assert services.find_by_token(session, prober.token).shown_state == "counted"
    assert _counted(session, petition) == 1
    assert services.withdraw(session, prober.token) is True
    session.commit()
    assert _counted(session, petition) == 1


def test_a_discarded_unsent_email_hands_the_place_over(petitions, session):
    """``discard_pending`` (the email could not be sent) goes through the same rule."""
    petition = petitions.opened()
    waiting = petitions.sign(petition, NAME, ADDRESS, email="a@example.org")
    petitions.sign(petition, NAME, ADDRESS)
    services.discard_pending(session, waiting.token)
    session.commit()
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted"]


def test_a_repeat_confirmed_behind_a_pending_one_counts_and_the_pending_link_stays(
    petitions, session
):
    """A repeat with email confirmed while the first only waits: it counts, and the first's
    link does not turn into "unknown" (which would tell its holder someone confirmed)."""
    petition = petitions.opened()
    first = petitions.sign(petition, NAME, ADDRESS, email="prober@example.org")
    second = petitions.sign(petition, NAME, ADDRESS, email="hanako@example.org")
    assert services.confirm(session, second.token) == "confirmed"
    session.commit()
    assert _counted(session, petition) == 1
    assert services.find_by_token(session, first.token).shown_state == "pending"
    assert services.confirm(session, first.token) == "confirmed"
    session.commit()
    assert _counted(session, petition) == 1
    assert services.withdraw(session, second.token) is True
    session.commit()
    assert _counted(session, petition) == 1  # the first, confirmed, takes the place over
    assert services.withdraw(session, first.token) is True
    session.commit()
    assert _counted(session, petition) == 0


def test_a_set_aside_person_stays_set_aside_when_the_holder_withdraws(petitions, session):
    """Headquarters sets aside an address group: the person's repeats are in it too; the
    place handed over keeps the set-aside, and counting the group again counts them once."""
    petition = petitions.opened()
    prober = petitions.sign(petition, NAME, ADDRESS, email="prober@example.org")
    services.confirm(session, prober.token)
    petitions.sign(petition, NAME, ADDRESS)
    session.commit()
    tag = session.scalar(select(Signature.address_tag).limit(1)).hex()
    assert services.mark_group(session, petition, kind="address", tag=tag, invalid=True) == 1
    session.commit()
    assert _counted(session, petition) == 0
    assert services.withdraw(session, prober.token) is True
    session.commit()
    assert _states(session) == ["invalid"]
    assert _counted(session, petition) == 0
    assert services.mark_group(session, petition, kind="address", tag=tag, invalid=False) == 1
    session.commit()
    assert _counted(session, petition) == 1


def test_legacy_repeats_with_a_random_hash_are_found_by_their_tags(petitions, session, clock):
    """Rows written before this fix (a repeat behind a pending holder, never promoted) are
    handed the place when the pending one expires: the tags find them, no migration needed."""
    petition = petitions.opened(closes_on=services.today() + timedelta(days=60))
    petitions.sign(petition, NAME, ADDRESS, email="nobody@example.org")
    real = petitions.sign(petition, NAME, ADDRESS)
    assert real.duplicate
    # As the old code left it: the pending one holds the place, the real one a repeat.
    row = session.scalar(select(Signature).where(Signature.state == SignatureState.COUNTED))
    waiting = session.scalar(select(Signature).where(Signature.state == SignatureState.REPEAT))
    held, row.signer_hash = row.signer_hash, b"\x01" * 32
    row.state = SignatureState.REPEAT_CONFIRMED
    session.flush()
    waiting.state, waiting.signer_hash = SignatureState.PENDING, held
    session.commit()
    assert _counted(session, petition) == 0
    clock.advance(days=8)
    services.anonymise_due(session)
    session.commit()
    assert _counted(session, petition) == 1


def test_random_sequences_count_a_person_once_while_an_acknowledged_signature_remains(
    petitions, session, clock
):
    """Property: for one person, any sequence of signing (with or without email),
    confirming, withdrawing, discarding stale unconfirmed signatures, and headquarters setting
    aside the person's address group or counting it again, leaves them counted exactly once
    while any acknowledged signature (without email, or confirmed, and not withdrawn) remains
    and the group is not set aside, and not at all otherwise; set aside, such a person is one
    ``invalid`` row, which counting the group again counts (never a signature that was not
    confirmed); each link reads as a new signer's would, set aside or not."""
    rng = random.Random(5404)
    petition = petitions.opened(closes_on=services.today() + timedelta(days=20 * 365))
    others = 0
    for run in range(150):
        address = f"滋賀県大津市御陵町{run + 1}-1"
        plain = 0
        links: dict[str, str] = {}  # token -> "waiting" | "confirmed" | "gone"
        aside = False  # the person's address group set aside by headquarters
        group = services.hashes(services.signer_key(petition), NAME, address).address.hex()
        actions = ["email", "email", "plain", "confirm", "withdraw", "discard", "aside", "again"]
        for _ in range(rng.randint(1, 9)):
            action = rng.choice(actions)
            tokens = list(links)
            if action == "email":
                signed = petitions.sign(petition, NAME, address, email="x@example.org")
                links[signed.token] = "waiting"
            elif action == "plain":
                assert petitions.sign(petition, NAME, address).outcome == "counted"
                plain += 1
            elif action == "confirm" and tokens:
                token = rng.choice(tokens)
                done = services.confirm(session, token)
                session.commit()
                expected = {"waiting": "confirmed", "confirmed": "already", "gone": "unknown"}
                assert done == expected[links[token]]
                if links[token] == "waiting":
                    links[token] = "confirmed"
            elif action == "withdraw" and tokens:
                token = rng.choice(tokens)
                assert services.withdraw(session, token) is (links[token] != "gone")
                session.commit()
                links[token] = "gone"
            elif action == "discard":
                clock.advance(days=8)
                services.anonymise_due(session)
                session.commit()
                links = {t: "gone" if s == "waiting" else s for t, s in links.items()}
            elif action in ("aside", "again"):
                aside = action == "aside"
                services.mark_group(session, petition, kind="address", tag=group, invalid=aside)
                session.commit()
            session.expire_all()
            acknowledged = plain or "confirmed" in links.values()
            mine = dict(
                session.execute(
                    select(Signature.state, func.count())
                    .where(
                        Signature.petition_id == petition.id,
                        Signature.state.in_((SignatureState.COUNTED, SignatureState.INVALID)),
                        Signature.id.in_(_rows_of(session, petition, address)),
                    )
                    .group_by(Signature.state)
                ).all()
            )
            expected = {SignatureState.INVALID if aside else SignatureState.COUNTED: 1}
            assert mine == (expected if acknowledged else {}), (run, action, plain, links, aside)
            for token, state in links.items():
                found = services.find_by_token(session, token)
                if state == "gone":
                    assert found is None
                else:
                    assert found.shown_state == ("pending" if state == "waiting" else "counted")
        others += 1 if (plain or "confirmed" in links.values()) and not aside else 0
        assert _counted(session, petition) == others
    listed = _listed(session, petition)
    assert len(listed) == len(set(listed)) == others


def _rows_of(session, petition, address: str) -> list[int]:
    """The ids of every row of (NAME, address), found through their tags."""
    keyed = services.hashes(services.signer_key(petition), NAME, address)
    return list(
        session.scalars(
            select(Signature.id).where(
                Signature.petition_id == petition.id,
                Signature.name_tag == keyed.name,
                Signature.address_tag == keyed.address,
            )
        )
    )


def test_a_withdrawal_at_the_moment_the_person_signs_again_waits_and_hands_over(
    app, petitions, session, database_url
):
    """The person signs again (not yet committed) while the holder is withdrawn: the
    withdrawal waits for the holder's lock and then hands the place to the new repeat (without
    the lock it saw no repeat, committed, and the person counted nowhere)."""
    petition = petitions.opened()
    prober = petitions.sign(petition, NAME, ADDRESS, email="prober@example.org")
    services.confirm(session, prober.token)
    session.commit()
    waits_for(
        app,
        database_url,
        lambda signing: services.sign(
            signing, signing.get(Petition, petition.id), name=NAME, address=ADDRESS
        ),
        lambda other: services.withdraw(other, prober.token),
    )
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted"]
