"""The petition's rules without a request: its life, signing, duplicates, counts, batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaign.audit import services as audit
from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.petitions import sealing, services
from campaign.petitions.models import PetitionTally, Signature, SignatureState, State

ADDRESS = "東京都千代田区霞が関二丁目1番2号"


def test_a_petition_goes_from_draft_to_anonymised(petitions, session, make, clock):
    hq = make.user(role=Role.HQ)
    petition = services.create_petition(
        session,
        hq,
        title_ja="請願",
        addressee_ja="総務大臣",
        goal=10,
        closes_on=services.today() + timedelta(days=3),
    )
    session.commit()
    assert petition.state == State.DRAFT and not services.accepting(petition)
    services.open_petition(session, petition)
    assert services.accepting(petition) and petition.sealed_key is not None
    petitions.sign(petition, "山田太郎", ADDRESS)
    clock.advance(days=4)
    services.close_if_due(session, petition)
    assert petition.state == State.CLOSED and petition.closed_on == petition.closes_on
    services.submit(session, petition, submitted_on=services.today(), submitted_to="総務大臣")
    assert petition.state == State.SUBMITTED
    assert petition.delete_on == services.today() + timedelta(days=30)
    assert services.anonymise(session, petition) == 1
    assert petition.state == State.ANONYMISED and petition.sealed_key is None
    assert services.counts(session, petition).online == 1
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"petition.created", "petition.opened", "petition.closed"} <= actions
    assert {"petition.submitted", "petition.anonymised"} <= actions


def test_states_only_move_forward(petitions, session):
    petition = petitions.draft()
    with pytest.raises(services.PetitionError):
        services.close_petition(session, petition)
    with pytest.raises(services.PetitionError):
        services.submit(session, petition, submitted_on=services.today(), submitted_to="x")
    with pytest.raises(services.PetitionError):
        services.anonymise(session, petition)
    services.open_petition(session, petition)
    with pytest.raises(services.PetitionError):
        services.update_petition(session, petition, title_ja="変更", addressee_ja="x", goal=1)


def test_a_draft_past_its_closing_date_cannot_open(petitions, session):
    petition = petitions.draft(closes_on=services.today() - timedelta(days=1))
    with pytest.raises(services.PetitionError):
        services.open_petition(session, petition)


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("山田 太郎", "東京都千代田区霞ヶ関２－１－２"),
        ("山田　太郎", "東京都千代田区霞が関2丁目1番地の2"),
        ("ﾔﾏﾀﾞ", None),
        ("山田太郎", "〒100-8926 東京都 千代田区 霞ケ関2-1-2"),
        ("山田太郎", "東京都千代田区霞が関二の一の二"),
        ("山田太郎", "東京都千代田区霞が関2ー1ー2"),
    ],
)
def test_the_same_person_written_differently_is_refused(petitions, session, name, address):
    petition = petitions.opened()
    first_name = "ヤマダ" if name == "ﾔﾏﾀﾞ" else "山田太郎"
    assert petitions.sign(petition, first_name, ADDRESS).outcome == "counted"
    again = petitions.sign(petition, name, address or ADDRESS)
    assert (again.outcome, again.duplicate) == ("counted", True)  # told as anyone: not counted
    assert services.counts(session, petition).online == 1


def test_a_household_signs_as_two_people(petitions, session):
    petition = petitions.opened()
    assert petitions.sign(petition, "山田太郎", ADDRESS).outcome == "counted"
    assert petitions.sign(petition, "山田花子", "東京都千代田区霞が関2-1-2").outcome == "counted"
    assert services.counts(session, petition).online == 2


def test_hashes_are_keyed_per_petition_by_its_own_key(petitions, session):
    one, two = petitions.opened(), petitions.opened()
    petitions.sign(one, "山田太郎", ADDRESS)
    petitions.sign(two, "山田太郎", ADDRESS)
    hashes = list(session.scalars(select(Signature.signer_hash)))
    assert len(set(hashes)) == 2
    assert services.hashes(services.signer_key(one), "山田太郎", ADDRESS).signer in hashes
    other = services.hashes(sealing.hash_key(sealing.new_key()), "山田太郎", ADDRESS)
    assert other.signer not in hashes


def test_the_personal_data_is_sealed_under_the_petitions_wrapped_key(app, petitions, session):
    from nacl.exceptions import CryptoError

    from campaign import datakey

    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS, email="taro@example.org", wants_news=True)
    stored = session.scalar(select(Signature))
    assert "山田".encode() not in stored.sealed and b"taro" not in stored.sealed
    assert len(stored.sealed) % sealing.PAD == 40 % sealing.PAD  # padded, plus nonce and MAC
    assert petitions.signer(stored) == sealing.Signer("山田太郎", ADDRESS, "taro@example.org")
    with pytest.raises(CryptoError):  # the stored key opens only under the data key
        datakey.unseal(petition.sealed_key, sealing.new_key())
    with pytest.raises(CryptoError):  # and another petition's key opens nothing
        sealing.open_signer(sealing.new_key(), stored.sealed)


def test_with_an_email_the_signature_waits_for_the_link(petitions, session):
    petition = petitions.opened()
    signed = petitions.sign(petition, "山田太郎", ADDRESS, email="taro@example.org")
    assert signed.outcome == "pending" and signed.token
    assert services.counts(session, petition).online == 0
    assert services.counts(session, petition).pending == 1
    stored = session.scalar(select(Signature))
    assert petitions.signer(stored).email is None  # kept only for news
    assert stored.token_hash == services.token_hash(signed.token) != signed.token.encode()
    assert services.confirm(session, signed.token) == "confirmed"
    assert services.confirm(session, signed.token) == "already"
    assert services.confirm(session, "not-a-token") == "unknown"
    session.commit()
    assert services.counts(session, petition).online == 1


def test_news_keeps_the_email_until_anonymisation(petitions, session):
    petition = petitions.opened()
    signed = petitions.sign(
        petition, "山田太郎", ADDRESS, email="taro@example.org", wants_news=True
    )
    services.confirm(session, signed.token)
    services.close_petition(session, petition)
    emails = services.submit(
        session, petition, submitted_on=services.today(), submitted_to="総務大臣"
    )
    assert emails == ["taro@example.org"]


def test_withdrawal_deletes_the_whole_signature(petitions, session):
    petition = petitions.opened()
    signed = petitions.sign(petition, "山田太郎", ADDRESS, email="taro@example.org")
    services.confirm(session, signed.token)
    assert services.withdraw(session, signed.token) is True
    session.commit()
    assert session.scalar(select(func.count()).select_from(Signature)) == 0
    assert services.withdraw(session, signed.token) is False
    # Withdrawn, the person may sign again.
    assert petitions.sign(petition, "山田太郎", ADDRESS).outcome == "counted"


def test_a_closed_petition_takes_no_signature_and_no_confirmation(petitions, session, clock):
    petition = petitions.opened(closes_on=services.today())
    signed = petitions.sign(petition, "山田太郎", ADDRESS, email="taro@example.org")
    clock.advance(days=1)
    with pytest.raises(services.NotAccepting):
        services.sign(session, petition, name="鈴木一郎", address=ADDRESS)
    assert services.confirm(session, signed.token) == "closed"


def test_bad_names_and_addresses_are_refused_with_each_field(petitions, session):
    petition = petitions.opened()
    with pytest.raises(services.InvalidSignature) as caught:
        services.sign(session, petition, name="", address="千代田区")
    assert {p.field for p in caught.value.problems} == {"name", "address"}


def test_counts_join_online_and_paper_by_prefecture(petitions, session, make):
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)
    petitions.sign(petition, "田中一郎", "滋賀県大津市京町4-1-1")
    shiga = make.branch(prefecture="25")
    officer = make.user(branch=shiga)
    petitions.batch(petition, officer, shiga, signatures=120, sheets=24)
    counts = services.counts(session, petition)
    assert (counts.online, counts.paper, counts.total) == (2, 120, 122)
    assert counts.by_prefecture == {"13": [1, 0], "25": [1, 120]}


def test_an_officer_enters_paper_for_their_own_branch_only(petitions, session, make):
    petition = petitions.opened()
    officer, other = make.user(), make.branch()
    with pytest.raises(services.PetitionError):
        petitions.batch(petition, officer, other, signatures=1, sheets=1)


def test_a_correction_is_audited_with_its_reason(petitions, session, make):
    petition = petitions.opened()
    branch = make.branch()
    hq = make.user(role=Role.HQ)
    batch = petitions.batch(petition, hq, branch)
    with pytest.raises(services.PetitionError):
        services.correct_batch(
            session,
            batch,
            received_on=services.today(),
            signatures=45,
            sheets=10,
            note="",
            reason=" ",
        )
    services.correct_batch(
        session,
        batch,
        received_on=services.today(),
        signatures=45,
        sheets=10,
        note="",
        reason="二重に数えた用紙があった",
    )
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "petition.paper_corrected")
    )
    assert (entry.reason, audit.note_of(session, entry)) == (
        "50/10 → 45/10",
        "二重に数えた用紙があった",
    )
    assert services.counts(session, petition).paper == 45


def test_review_shows_bursts_as_counts_and_sets_them_aside(petitions, session):
    petition = petitions.opened()
    for n in range(6):
        petitions.sign(petition, f"山田{'一二三四五六'[n]}郎", ADDRESS)
    for n in range(5):
        petitions.sign(petition, "鈴木花子", f"大阪府大阪市北区{n + 1}-1")
    petitions.sign(petition, "田中一郎", "滋賀県大津市京町4-1-1")
    review = services.review(session, petition, threshold=5)
    assert [g.count for g in review["address"]] == [6]
    assert [g.count for g in review["name"]] == [5]
    assert review["days"] == [(services.today(), 12)]
    assert (
        services.mark_group(
            session, petition, kind="address", tag=review["address"][0].tag, invalid=True
        )
        == 6
    )
    counts = services.counts(session, petition)
    assert (counts.online, counts.invalid) == (6, 6)
    # Set aside, the same person still cannot sign again.
    assert petitions.sign(petition, "山田一郎", ADDRESS).duplicate
    assert (
        session.scalar(
            select(AuditEntry.reason).where(AuditEntry.action == "petition.marked_invalid")
        )
        == "address group, 6 signatures"
    )
    with pytest.raises(services.PetitionError):
        services.mark_group(session, petition, kind="address", tag="zz", invalid=True)


def test_the_signature_list_is_grouped_by_prefecture_and_numbered(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "田中一郎", "滋賀県大津市京町4-1-1")
    petitions.sign(petition, "山田太郎", ADDRESS)
    petitions.sign(petition, "佐藤次郎", "北海道札幌市中央区北3条西6丁目")
    pending = petitions.sign(petition, "鈴木花子", ADDRESS, email="h@example.org")
    assert pending.outcome == "pending"
    groups = services.signature_list(session, petition)
    assert [code for code, _ in groups] == ["01", "13", "25"]
    assert [row[0] for _, rows in groups for row in rows] == [1, 2, 3]
    assert groups[1][1][0][1:] == ("山田太郎", "東京都千代田区霞が関二丁目1番2号")


def test_anonymise_due_follows_the_deletion_dates(petitions, session, clock):
    submitted = petitions.opened(closes_on=services.today())
    never = petitions.opened(closes_on=services.today())
    petitions.sign(submitted, "山田太郎", ADDRESS)
    petitions.sign(never, "山田太郎", ADDRESS)
    clock.advance(days=1)
    services.close_if_due(session, submitted)
    services.submit(session, submitted, submitted_on=services.today(), submitted_to="総務大臣")
    session.commit()
    clock.advance(days=29)
    assert services.anonymise_due(session) == []
    clock.advance(days=1)
    assert services.anonymise_due(session) == [submitted]
    clock.advance(days=60)
    assert services.anonymise_due(session) == [never]
    assert session.scalar(select(func.count()).select_from(Signature)) == 0
    assert {t.online for t in session.scalars(select(PetitionTally))} == {1}


def test_unconfirmed_signatures_expire_after_a_week(petitions, session, clock):
    petition = petitions.opened(closes_on=services.today() + timedelta(days=60))
    petitions.sign(petition, "山田太郎", ADDRESS, email="t@example.org")
    petitions.sign(petition, "鈴木花子", ADDRESS)
    clock.advance(days=8)
    services.anonymise_due(session)
    states = list(session.scalars(select(Signature.state)))
    assert states == [SignatureState.COUNTED]
