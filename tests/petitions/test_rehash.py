"""``petitions rehash``: signatures hashed under the narrower normal form of before review R5-1
match their person again once rehashed, and two rows of one person count once."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.petitions import japanese, sealing, services
from campaign.petitions.models import Signature
from tests.petitions.helpers import sign_via_form

ADDRESS = "東京都港区芝公園1-2-3 Aビル"


def _old_name(name: str) -> str:
    """The normal form of a name before R5-1: NFKC, no spaces, variant kanji."""
    return japanese._base(name).replace("’", "'")


def _states(session, petition) -> dict[str, int]:
    session.expire_all()
    rows = session.execute(
        select(Signature.state, func.count())
        .where(Signature.petition_id == petition.id)
        .group_by(Signature.state)
    )
    return {str(state): number for state, number in rows}


def test_old_hashes_are_redone_and_a_person_counts_once(
    runner, client, petitions, session, monkeypatch, outbox
):
    petition = petitions.opened()
    with monkeypatch.context() as old:
        old.setattr(japanese, "normal_name", _old_name)
        old.setattr(japanese, "normal_address", japanese._base)
        petitions.sign(petition, "佐々木 花子", ADDRESS)
        petitions.sign(petition, "佐々木・花子", ADDRESS)  # one person, counted twice then
        petitions.sign(petition, "Kensho Taro", ADDRESS, email="k@example.org")
        petitions.sign(petition, "KENSHO TARO", ADDRESS)
        petitions.sign(petition, "山田 太郎", "東京都港区芝公園1-23")
    assert services.counts(session, petition).online == 4
    # Unrehashed, the very same text signs again and counts: its old hash is not the new one.
    key = sealing.hash_key(services.petition_key(petition))
    now = services.hashes(key, "佐々木 花子", ADDRESS).signer
    assert now not in set(session.scalars(select(Signature.signer_hash)))
    session.close()
    result = runner.invoke(args=["petitions", "rehash"])
    assert result.exit_code == 0, result.output
    assert f"Petition {petition.id}: 4 signatures rehashed, 2 found to repeat" in result.output
    assert _states(session, petition) == {"counted": 3, "repeat-confirmed": 1, "repeat": 1}
    assert services.counts(session, petition).online == 3
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "petition.rehashed"))
    assert entry.one().reason == "4 signatures rehashed, 2 repeats found"
    # Now every variant of them, and the exact text, is the person who had signed.
    for name in ("佐々木 花子", "佐佐木花子", "kensho taro", "山田・太郎"):
        address = "東京都港区芝公園1-23" if name == "山田・太郎" else "東京都港区芝公園1-2-3 aビル"
        assert sign_via_form(client, petition.id, name, address).status_code == 200
    assert services.counts(session, petition).online == 3
    again = runner.invoke(args=["petitions", "rehash"])
    assert again.exit_code == 0 and "rehashed," not in again.output


def test_rehash_changes_nothing_of_signatures_already_in_the_current_form(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田 太郎", "東京都千代田区霞が関2-1-2")
    petitions.sign(petition, "山田 花子", "東京都千代田区霞が関2-1-2")  # a household: two
    before = session.execute(select(Signature.signer_hash, Signature.state)).all()
    assert services.rehash(session, petition) == services.Rehashed(0, 0)
    assert session.execute(select(Signature.signer_hash, Signature.state)).all() == before
