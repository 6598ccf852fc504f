"""``petitions rehash``: signatures hashed under the narrower normal form of before review R5-1
match their person again once rehashed, and two rows of one person count once."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from campaign.audit.models import AuditEntry
from campaign.petitions import japanese, sealing, services
from campaign.petitions.models import Signature
from tests.petitions.helpers import page_token, sign_via_form, waits_for

ADDRESS = "東京都港区芝公園1-2-3 Aビル"


def _old_name(name: str) -> str:
    """The normal form of a name before R5-1: NFKC, no spaces, variant kanji."""
    return japanese._base(name).replace("’", "'")


def _old_form(patch) -> None:
    """Names normalised as before R5-1, under a version of the normal form before this one."""
    patch.setattr(japanese, "normal_name", _old_name)
    patch.setattr(japanese, "NORMAL_FORM_VERSION", japanese.NORMAL_FORM_VERSION - 1)


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
    with monkeypatch.context() as old:
        _old_form(old)
        old.setattr(japanese, "normal_address", japanese._base)
        petition = petitions.opened()
        petitions.sign(petition, "佐々木 花子", ADDRESS)
        petitions.sign(petition, "佐々木・花子", ADDRESS)  # one person, counted twice then
        petitions.sign(petition, "Kensho Taro", ADDRESS, email="k@example.org")
        petitions.sign(petition, "KENSHO TARO", ADDRESS)
        petitions.sign(petition, "山田 太郎", "東京都港区芝公園1-23")
        petitions.sign(petition, "山田 次郎", "東京都港区芝公園1 23")  # 1-23 or 12-3…
        petitions.sign(petition, "山田 次郎", "東京都港区芝公園12 3")  # …a repeat then
    assert services.counts(session, petition).online == 5
    # Unrehashed, the very same text signs again and counts: its old hash is not the new one.
    key = sealing.hash_key(services.petition_key(petition))
    now = services.hashes(key, "佐々木 花子", ADDRESS).signer
    assert now not in set(session.scalars(select(Signature.signer_hash)))
    session.close()
    result = runner.invoke(args=["petitions", "rehash"])
    assert result.exit_code == 0, result.output
    assert (
        f"Petition {petition.id}: 6 signatures rehashed, 2 found to repeat a signature and no "
        "longer counted, 1 repeats found to be a person of their own and counted."
    ) in result.output
    assert _states(session, petition) == {"counted": 5, "repeat-confirmed": 1, "repeat": 1}
    assert services.counts(session, petition).online == 5  # 佐々木, Kensho, 太郎, 次郎 twice
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "petition.rehashed"))
    reason = "6 signatures rehashed, 2 repeats found, 1 repeats counted as persons of their own"
    assert entry.one().reason == reason
    # Now every variant of them, and the exact text, is the person who had signed.
    for name in ("佐々木 花子", "佐佐木花子", "kensho taro", "山田・太郎"):
        address = "東京都港区芝公園1-23" if name == "山田・太郎" else "東京都港区芝公園1-2-3 aビル"
        assert sign_via_form(client, petition.id, name, address).status_code == 200
    assert sign_via_form(client, petition.id, "山田次郎", "東京都港区芝公園12-3").status_code == 200
    assert services.counts(session, petition).online == 5
    again = runner.invoke(args=["petitions", "rehash"])
    assert again.exit_code == 0 and "rehashed," not in again.output


def test_a_set_aside_signature_keeps_the_person_set_aside(petitions, session, monkeypatch):
    petition = petitions.opened()
    with monkeypatch.context() as old:
        old.setattr(japanese, "normal_name", _old_name)
        petitions.sign(petition, "佐々木 花子", ADDRESS)
        petitions.sign(petition, "佐々木・花子", ADDRESS)
    tag = session.scalars(select(Signature.name_tag)).first()
    services.mark_group(session, petition, kind="name", tag=tag.hex(), invalid=True)
    session.commit()
    assert services.rehash(session, petition).repeats == 1  # it counts no more
    assert _states(session, petition) == {"invalid": 1, "repeat-confirmed": 1}


def test_rehash_changes_nothing_of_signatures_already_in_the_current_form(petitions, session):
    petition = petitions.opened()
    petitions.sign(petition, "山田 太郎", "東京都千代田区霞が関2-1-2")
    petitions.sign(petition, "山田 花子", "東京都千代田区霞が関2-1-2")  # a household: two
    before = session.execute(select(Signature.signer_hash, Signature.state)).all()
    assert services.rehash(session, petition) == services.Rehashed(0, 0)
    assert session.execute(select(Signature.signer_hash, Signature.state)).all() == before


def _r5_name(name: str) -> str:
    """The normal form of a name after R5-1 and before R6-1: ー dropped, no kana folding."""
    return japanese._letters(japanese._folded(name).replace("ー", ""))


def test_rehash_after_r6_1_parts_a_household_and_joins_a_person(petitions, session, monkeypatch):
    """Review R6-1: under R5-1's form 佐藤マリー was 佐藤マリ's repeat (not counted), while
    やまだ/ヤマダ and 101/101号室 counted one person twice; a pair both counted under the form
    of before R5-1 (which kept ー) stays two people once rehashed."""
    petition = petitions.opened()
    with monkeypatch.context() as old:
        old.setattr(japanese, "normal_name", _r5_name)
        old.setattr(japanese, "_KATAKANA", {})
        old.setattr(japanese, "_ROOM_RE", re.compile("(?!)"))
        petitions.sign(petition, "佐藤 マリ", "東京都港区芝公園7-8-9")
        petitions.sign(petition, "佐藤 マリー", "東京都港区芝公園7-8-9")  # a repeat then
        petitions.sign(petition, "やまだ はなこ", "東京都港区芝公園4-5-6")
        petitions.sign(petition, "ヤマダ ハナコ", "東京都港区芝公園4-5-6")  # counted again
        petitions.sign(petition, "検証 太郎", "東京都港区芝公園1-2-3 コーポ芝101")
        petitions.sign(petition, "検証 太郎", "東京都港区芝公園1-2-3 コーポ芝101号室")  # again
    with monkeypatch.context() as older:
        older.setattr(japanese, "normal_name", _old_name)
        petitions.sign(petition, "佐藤 ユキ", "東京都港区芝公園7-8-9")
        petitions.sign(petition, "佐藤 ユーキ", "東京都港区芝公園7-8-9")  # two people then
    assert services.counts(session, petition).online == 7
    done = services.rehash(session, petition)
    session.commit()
    assert (done.repeats, done.counted) == (2, 1)
    # マリ, マリー, ユキ, ユーキ, 花子 and 太郎: ハナコ and 101号室 are repeats now.
    assert _states(session, petition) == {"counted": 6, "repeat-confirmed": 2}
    assert services.counts(session, petition).online == 6
    assert services.rehash(session, petition) == services.Rehashed(0, 0)


def _rehashed_entries(session) -> int:
    return session.scalar(select(func.count()).where(AuditEntry.action == "petition.rehashed"))


def test_after_an_upgrade_the_next_signature_rehashes_first_and_the_repeat_is_recognised(
    petitions, session, monkeypatch
):
    """Nobody ran ``petitions rehash`` after the upgrade: the next signer's hashing rehashes
    the petition first (once), so the person signed under the old form is the same person
    under the new one and counts once (it counted twice, the new row's lock and duplicate
    check missing the old row)."""
    with monkeypatch.context() as old:
        _old_form(old)
        petition = petitions.opened()
        petitions.sign(petition, "佐々木・花子", ADDRESS)
        petitions.sign(petition, "佐々木 花子", ADDRESS)  # two people under that form
        assert petition.normal_form == japanese.NORMAL_FORM_VERSION
    assert services.counts(session, petition).online == 2
    assert petitions.sign(petition, "佐佐木花子", ADDRESS).duplicate
    assert services.counts(session, petition).online == 1
    assert _states(session, petition) == {"counted": 1, "repeat-confirmed": 2}
    assert petition.normal_form == japanese.NORMAL_FORM_VERSION
    assert _rehashed_entries(session) == 1
    petitions.sign(petition, "山田 太郎", ADDRESS)  # of the current form now: no rehash again
    assert _rehashed_entries(session) == 1


def test_after_an_upgrade_a_confirmation_rehashes_first(petitions, session, monkeypatch):
    """A link pressed after the upgrade: its signature is compared with the person's old rows
    under the new form, and the person counts once."""
    with monkeypatch.context() as old:
        _old_form(old)
        petition = petitions.opened()
        petitions.sign(petition, "佐々木・花子", ADDRESS)
        waiting = petitions.sign(petition, "佐々木 花子", ADDRESS, email="h@example.org")
    assert services.confirm(session, waiting.token) == "confirmed"
    session.commit()
    assert services.counts(session, petition).online == 1
    assert _states(session, petition) == {"counted": 1, "repeat-confirmed": 1}
    assert services.find_by_token(session, waiting.token).shown_state == "counted"


def test_after_an_upgrade_the_review_shows_the_groups_of_the_new_form(
    petitions, session, monkeypatch
):
    with monkeypatch.context() as old:
        _old_form(old)
        petition = petitions.opened()
        for n, name in enumerate(("佐々木・花子", "佐々木 花子", "佐佐木花子")):
            petitions.sign(petition, name, f"東京都港区芝公園{n + 1}-1")
    found = services.review(session, petition, threshold=2)
    session.commit()
    assert [group.count for group in found["name"]] == [3]
    assert petition.normal_form == japanese.NORMAL_FORM_VERSION


def test_two_signers_at_once_after_an_upgrade_rehash_once(
    app, petitions, session, database_url, monkeypatch
):
    """The first to hash rehashes under the petition's exclusive lock; the other waits for it
    and finds the petition up to date (PostgreSQL: the lock; SQLite: the write lock)."""
    from campaign.petitions.models import Petition

    with monkeypatch.context() as old:
        _old_form(old)
        petition = petitions.opened()
        petitions.sign(petition, "佐々木・花子", ADDRESS)

    def sign(name: str):
        return lambda db: services.sign(
            db, db.get(Petition, petition.id), name=name, address=ADDRESS
        )

    waits_for(app, database_url, sign("佐々木 花子"), sign("佐佐木 花子"))
    assert _rehashed_entries(session) == 1  # once, by whichever came first
    assert services.counts(session, petition).online == 1
    assert _states(session, petition) == {"counted": 1, "repeat-confirmed": 2}
    session.expire_all()
    assert session.get(Petition, petition.id).normal_form == japanese.NORMAL_FORM_VERSION


def test_a_group_set_aside_under_the_old_form_holds_under_the_new(petitions, session, monkeypatch):
    """The set-aside group is recorded by its tag, which the new form changes: rehashing gives
    the record its rows' new tags, so the group holds what the new form puts in it (a variant
    counted apart under the old form, one signed after the upgrade)."""
    with monkeypatch.context() as old:
        _old_form(old)
        petition = petitions.opened()
        petitions.sign(petition, "佐々木・花子", "東京都港区芝公園1-1")
        petitions.sign(petition, "佐々木 花子", "東京都港区芝公園2-1")  # another name then
        tag = services.review(session, petition, threshold=1)["name"][0].tag
        services.mark_group(session, petition, kind="name", tag=tag, invalid=True)
        session.commit()
    assert services.counts(session, petition).online == 1
    assert petitions.sign(petition, "佐佐木花子", "東京都港区芝公園3-1").outcome == "counted"
    assert services.counts(session, petition).online == 0
    assert _states(session, petition) == {"invalid": 3}
    [group] = services.review(session, petition, threshold=3)["name"]
    assert (group.count, group.invalid, group.set_aside) == (3, 3, True)
    services.mark_group(session, petition, kind="name", tag=group.tag, invalid=False)
    session.commit()
    assert services.counts(session, petition).online == 3


def test_a_group_set_aside_with_no_row_left_holds_under_the_new_form(
    petitions, session, monkeypatch
):
    """Review R8-3: the address group set aside under the old form, then every row of it
    withdrawn (or expired): no row is left to give the record its new tag, so the record keeps
    the address sealed (``SetAside.sealed``), and the rehash works its tag out again. The same
    address signed after the upgrade is set aside, as without the upgrade."""
    from campaign.petitions.models import SetAside

    with monkeypatch.context() as old:
        old.setattr(japanese, "normal_address", japanese._base)
        old.setattr(japanese, "NORMAL_FORM_VERSION", japanese.NORMAL_FORM_VERSION - 1)
        petition = petitions.opened()
        names = [f"偽名 {n}郎" for n in "一二三四五"]
        tokens = [
            petitions.sign(petition, n, ADDRESS, email=f"{i}@ex.org").token
            for i, n in enumerate(names)
        ]
        tag = services.review(session, petition, threshold=5)["address"][0].tag
        services.mark_group(session, petition, kind="address", tag=tag, invalid=True)
        session.commit()
        for token in tokens:
            assert services.withdraw(session, token)
            session.commit()
    assert petitions.sign(petition, "後から 来た", ADDRESS).outcome == "counted"
    assert _states(session, petition) == {"invalid": 1}
    [record] = session.scalars(select(SetAside)).all()
    assert record.tag != bytes.fromhex(tag)  # the new form's tag
    assert b"\xe8\x8a\x9d" not in record.sealed  # 芝: sealed, not in the clear


def test_a_public_request_never_rehashes_and_init_does(
    runner, client, petitions, session, monkeypatch, outbox
):
    """Review R8-6: a petition still on an older form (``flask init`` not run after the
    upgrade). A public signer, or a link pressed, is refused with a 503 and nothing written:
    no rehash (its audit entry would carry the moment the member pressed "sign", as R4-15 found
    of the closing), no row hashed under the new form beside the old. ``init`` brings it up to
    date (a seeder); then signing works, and the person signed under the old form counts once."""
    from campaign.petitions.models import Petition

    with monkeypatch.context() as old:
        _old_form(old)
        petition = petitions.opened()
        petitions.sign(petition, "佐々木・花子", ADDRESS)
        waiting = petitions.sign(petition, "山田 太郎", ADDRESS, email="t@example.org")
    session.commit()
    before = _states(session, petition)
    refused = sign_via_form(client, petition.id, "佐々木 花子", ADDRESS)
    assert refused.status_code == 503
    page = refused.get_data(as_text=True)
    assert "Nothing was saved" in page
    data = {"name": "佐々木 花子", "address": ADDRESS, "token": page_token(client, petition.id)}
    japanese_page = client.post(
        f"/petitions/{petition.id}", data=data, headers={"Accept-Language": "ja"}
    )
    assert japanese_page.status_code == 503
    assert "保存されていません" in japanese_page.get_data(as_text=True)
    form = {"token": waiting.token, "action": "confirm"}
    link = client.get(f"/petitions/signature?token={waiting.token}").get_data(as_text=True)
    form["form_token"] = re.search(r'name="form_token" value="([^"]+)"', link).group(1)
    assert client.post("/petitions/signature", data=form).status_code == 503
    assert _rehashed_entries(session) == 0
    assert _states(session, petition) == before
    session.expire_all()
    assert session.get(Petition, petition.id).normal_form < japanese.NORMAL_FORM_VERSION
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Petitions: 1 brought up to the current normal form" in result.output
    assert _rehashed_entries(session) == 1
    assert sign_via_form(client, petition.id, "佐々木 花子", ADDRESS).status_code == 200
    assert client.post("/petitions/signature", data=form).status_code == 200
    assert services.counts(session, petition).online == 2  # 花子 once, 太郎
