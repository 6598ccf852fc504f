"""A group set aside by headquarters holds for every signature of the group, whenever it
comes to count (``services._counting``): one waiting for its link when the group was set aside,
a repeat taking the place of a waiting one, one signed after the set-aside. Counting the group
again counts exactly its acknowledged signatures, never one that was not confirmed; and no
page a signer sees tells a set-aside signature from another (review R3-11)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.petitions import services
from campaign.petitions.models import SetAside, Signature
from tests.petitions.helpers import BASE_URL, FORM_TOKEN_RE, sign_via_form, waits_for

ADDRESS = "滋賀県大津市御陵町3-1"
OTHER = "滋賀県大津市京町4-1-1"


def _counted(session, petition) -> int:
    session.expire_all()
    return services.counts(session, petition).online


def _states(session) -> list[str]:
    session.expire_all()
    return sorted(s.value for s in session.scalars(select(Signature.state)))


def _address_tag(petition, address: str = ADDRESS) -> str:
    return services.hashes(services.signer_key(petition), "誰か", address).address.hex()


def _mark(session, petition, invalid: bool, kind: str = "address", tag: str | None = None):
    changed = services.mark_group(
        session, petition, kind=kind, tag=tag or _address_tag(petition), invalid=invalid
    )
    session.commit()
    return changed


def test_a_signature_waiting_for_its_link_stays_set_aside_once_confirmed(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    waiting = petitions.sign(petition, "山田花子", ADDRESS, email="h@example.org")
    assert _mark(session, petition, invalid=True) == 1
    assert _states(session) == ["invalid", "pending"]  # its link is left as it was
    assert services.confirm(session, waiting.token) == "confirmed"
    session.commit()
    assert _counted(session, petition) == 0
    assert _states(session) == ["invalid", "invalid"]
    assert _mark(session, petition, invalid=False) == 2
    assert _counted(session, petition) == 2


def test_a_repeat_taking_the_place_of_a_waiting_one_stays_set_aside(petitions, session):
    """The person's first signature waits (typed by a prober who never confirms); the
    person's own, with email, waits behind it; the group is set aside; confirming the
    person's takes the place, set aside; counting the group again counts the person once,
    and never the prober's unconfirmed one."""
    petition = petitions.opened()
    petitions.sign(petition, "別人太郎", ADDRESS)
    prober = petitions.sign(petition, "標的花子", ADDRESS, email="prober@example.org")
    own = petitions.sign(petition, "標的花子", ADDRESS, email="hanako@example.org")
    _mark(session, petition, invalid=True)
    assert services.confirm(session, own.token) == "confirmed"
    session.commit()
    assert _counted(session, petition) == 0
    assert _states(session) == ["invalid", "invalid", "repeat"]
    _mark(session, petition, invalid=False)
    assert _counted(session, petition) == 2  # 別人 and 花子, once
    assert services.confirm(session, prober.token) == "confirmed"
    session.commit()
    assert _counted(session, petition) == 2


def test_a_signature_after_the_set_aside_is_set_aside(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    _mark(session, petition, invalid=True)
    assert petitions.sign(petition, "山田次郎", "滋賀県大津市御陵町三丁目1番").outcome == "counted"
    later = petitions.sign(petition, "山田三郎", ADDRESS, email="s@example.org")
    assert services.confirm(session, later.token) == "confirmed"
    session.commit()
    petitions.sign(petition, "山田四郎", OTHER)  # another address counts
    assert _counted(session, petition) == 1
    assert _states(session) == ["counted", "invalid", "invalid", "invalid"]
    review = services.review(session, petition, threshold=3)
    [group] = review["address"]
    assert (group.count, group.invalid, group.set_aside) == (3, 3, True)
    assert _mark(session, petition, invalid=False) == 3
    assert _counted(session, petition) == 4
    assert session.scalar(select(func.count()).select_from(SetAside)) == 0
    assert petitions.sign(petition, "山田五郎", ADDRESS).outcome == "counted"
    assert _counted(session, petition) == 5


def test_counting_again_never_counts_a_signature_that_was_not_confirmed(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    waiting = petitions.sign(petition, "山田花子", ADDRESS, email="h@example.org")
    _mark(session, petition, invalid=True)
    assert _mark(session, petition, invalid=False) == 1
    assert _states(session) == ["counted", "pending"]
    assert services.find_by_token(session, waiting.token).shown_state == "pending"
    reasons = session.scalars(
        select(AuditEntry.reason).where(
            AuditEntry.action.in_(("petition.marked_invalid", "petition.marked_valid"))
        )
    ).all()
    assert sorted(reasons) == ["address group, 1 signatures"] * 2


def test_a_row_in_two_set_aside_groups_counts_again_only_when_both_are(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    name_tag = services.hashes(services.signer_key(petition), "山田太郎", OTHER).name.hex()
    _mark(session, petition, invalid=True)
    _mark(session, petition, invalid=True, kind="name", tag=name_tag)
    assert petitions.sign(petition, "山田太郎", OTHER).outcome == "counted"  # the name's group
    assert _counted(session, petition) == 0
    assert _mark(session, petition, invalid=False) == 0  # still in the name's group
    assert _counted(session, petition) == 0
    assert _mark(session, petition, invalid=False, kind="name", tag=name_tag) == 2
    assert _counted(session, petition) == 2


def test_a_hand_over_in_a_set_aside_group_is_set_aside(petitions, session, clock):
    """The holder only waits and expires; the group was set aside; the person's acknowledged
    repeat takes the place set aside (it signed before the set-aside, without email)."""
    petition = petitions.opened()
    petitions.sign(petition, "別人太郎", ADDRESS)
    waiting = petitions.sign(petition, "標的花子", ADDRESS, email="x@example.org")
    repeat = petitions.sign(petition, "標的花子", ADDRESS, email="y@example.org")
    _mark(session, petition, invalid=True)
    assert services.withdraw(session, waiting.token) is True
    session.commit()
    assert services.confirm(session, repeat.token) == "confirmed"  # the place is free
    session.commit()
    assert _states(session) == ["invalid", "invalid"]
    assert _counted(session, petition) == 0


def _link_page(client, link: str, action: str | None = None) -> bytes:
    token = link.split("token=", 1)[1]
    page = client.get(link.removeprefix(BASE_URL))
    if action is None:
        return _without_tokens(page.get_data())
    form_token = FORM_TOKEN_RE.search(page.get_data(as_text=True)).group(1)
    done = client.post(
        "/petitions/signature", data={"token": token, "form_token": form_token, "action": action}
    )
    assert done.status_code == 200
    return _without_tokens(done.get_data())


def _without_tokens(body: bytes) -> bytes:
    return re.sub(rb'name="(form_)?token" value="[^"]+"', b"", body)


def test_the_link_pages_of_a_set_aside_signer_are_anyones(client, petitions, session, outbox):
    """Review R3-11: a prober who typed a person's name and address with his own email learns
    nothing from his link's pages about headquarters' set-aside: waiting, confirmed, counted,
    as for anyone."""
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    _mark(session, petition, invalid=True)
    for name, address, email in (("山田花子", ADDRESS, "a"), ("鈴木花子", OTHER, "b")):
        signed = sign_via_form(client, petition.id, name, address, email=f"{email}@example.org")
        assert signed.status_code == 200
        outbox.deliver(expect=1)  # one by one: the batch goes out in a random order
    aside, fresh = outbox.links()
    assert _link_page(client, aside) == _link_page(client, fresh)
    confirmed = _link_page(client, aside, "confirm")
    assert confirmed == _link_page(client, fresh, "confirm")
    assert b'data-done="confirmed"' in confirmed
    assert _link_page(client, aside) == _link_page(client, fresh)
    again = _link_page(client, aside, "confirm")
    assert again == _link_page(client, fresh, "confirm") and b'data-done="already"' in again
    assert _states(session) == ["counted", "invalid", "invalid"]


def test_the_review_page_counts_again_a_set_aside_group_with_pending_signatures(
    auth, make, petitions, session
):
    petition = petitions.opened()
    for n in range(3):
        petitions.sign(petition, f"山田{'一二三'[n]}郎", ADDRESS, email=f"{n}@example.org")
    petitions.sign(petition, "山田四郎", ADDRESS)
    _mark(session, petition, invalid=True)
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get(f"/petitions/manage/{petition.id}/review?threshold=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="invalid" value="0"' in html
    assert re.search(r"<td>4</td><td>1</td>", html)  # four signatures, one set aside


def test_anonymising_deletes_the_set_aside_groups(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    _mark(session, petition, invalid=True)
    services.close_petition(session, petition)
    services.anonymise(session, petition)
    session.commit()
    assert session.scalar(select(func.count()).select_from(SetAside)) == 0


def test_a_set_aside_at_the_moment_a_signature_counts_waits_for_it(
    app, petitions, session, database_url
):
    """A signature of the group is being counted (not yet committed) when headquarters sets
    the group aside: the set-aside takes the petition's lock exclusively, so it waits, and
    then sets that signature aside too (without the lock it missed the uncommitted row, and
    the row, written as counted, escaped the set-aside)."""
    from campaign.petitions.models import Petition

    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    tag = _address_tag(petition)
    waits_for(
        app,
        database_url,
        lambda db: services.sign(
            db, db.get(Petition, petition.id), name="山田花子", address=ADDRESS
        ),
        lambda db: services.mark_group(
            db, db.get(Petition, petition.id), kind="address", tag=tag, invalid=True
        ),
    )
    assert _states(session) == ["invalid", "invalid"]
    assert _counted(session, petition) == 0
