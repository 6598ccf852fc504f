"""Signing on the public page, without JavaScript and without a cookie; the email link."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from campaign.petitions import services
from campaign.petitions.models import Signature, SignatureState
from tests.petitions.helpers import BASE_URL, FORM_TOKEN_RE, page_token, sign_via_form

ADDRESS = "東京都千代田区霞が関二丁目1番2号"


def _count(session, state=None) -> int:
    session.expire_all()
    stmt = select(func.count()).select_from(Signature)
    if state is not None:
        stmt = stmt.where(Signature.state == state)
    return session.scalar(stmt)


def test_the_page_says_what_is_kept_and_when_it_is_deleted(client, petitions):
    petition = petitions.opened(keep_days=30, unsubmitted_days=90)
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "Your personal data" in page
    assert "We keep the date you signed, not the time." in page
    assert "no cookie" in page
    deletion = petition.delete_on
    assert f"{deletion.day} {deletion:%B} {deletion.year}" in page  # e.g. 1 March 2027
    assert "deleted 30 days after the petition is handed over" in page


def test_a_signature_without_javascript_counts_and_sets_no_cookie(client, petitions, session):
    petition = petitions.opened()
    response = sign_via_form(client, petition.id, "山田 太郎", ADDRESS)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert 'data-outcome="counted"' in page
    assert _count(session, SignatureState.COUNTED) == 1
    stored = session.scalar(select(Signature))
    signer = petitions.signer(stored)
    assert (signer.name, signer.address) == ("山田 太郎", ADDRESS)
    assert stored.signed_on == services.today()


def _without_token(response) -> bytes:
    """A response's bytes with the form token (the one part that differs) cut out."""
    return re.sub(rb'name="token" value="[^"]+"', b"", response.get_data())


def test_a_duplicate_gets_the_very_page_a_new_signer_gets_and_is_not_counted(
    client, petitions, session
):
    """Review R3-11: the form must not tell whether a person signed."""
    petition = petitions.opened()
    new = sign_via_form(client, petition.id, "山田太郎", ADDRESS)
    again = sign_via_form(client, petition.id, "山田　太郎", "東京都千代田区霞ヶ関２－１－２")
    other = sign_via_form(client, petition.id, "山田花子", "東京都千代田区霞が関2-1-2")
    assert new.status_code == again.status_code == other.status_code == 200
    assert _without_token(again) == _without_token(new) == _without_token(other)
    assert dict(again.headers) == dict(new.headers)
    assert "already" not in again.get_data(as_text=True)
    assert _count(session, SignatureState.COUNTED) == 2  # the household twice, the person once
    # The repeat wrote a row as a new signature does (the same work, the same time), and the
    # row counts nowhere.
    assert _count(session, SignatureState.REPEAT_CONFIRMED) == 1
    assert services.counts(session, petition).total == 2


def _confirm(client, link: str, action: str = "confirm"):
    token = link.split("token=", 1)[1]
    page = client.get(link.removeprefix(BASE_URL))
    form_token = FORM_TOKEN_RE.search(page.get_data(as_text=True)).group(1)
    done = client.post(
        "/petitions/signature", data={"token": token, "form_token": form_token, "action": action}
    )
    return page, done, client.get(link.removeprefix(BASE_URL))


def _link_bytes(response) -> bytes:
    """A link page's bytes without its tokens (the link's own, in the language links too)."""
    page = re.sub(rb'name="(form_)?token" value="[^"]+"', b"", response.get_data())
    return re.sub(rb"token=[\w-]+", b"", page)


def test_a_duplicate_with_an_email_gets_the_same_page_email_and_link_page(
    client, petitions, session, outbox
):
    """Review R3-11, with an email address: the prober types an address of their own, so
    neither the page, nor the email, nor the link's pages (before and after confirming, and
    withdrawing) may differ for a person who had signed; confirming the repeat counts nothing."""
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", ADDRESS)  # signed before, without email
    probe = sign_via_form(client, petition.id, "山田 太郎", ADDRESS, email="probe@example.org")
    outbox.deliver(expect=1)
    fresh = sign_via_form(client, petition.id, "鈴木一郎", ADDRESS, email="probe@example.org")
    outbox.deliver(expect=1)
    assert probe.status_code == fresh.status_code == 200
    assert _without_token(probe) == _without_token(fresh)
    assert 'data-outcome="pending"' in probe.get_data(as_text=True)
    first, second = outbox.messages
    assert first.get_content().replace(outbox.links()[0], "") == second.get_content().replace(
        outbox.links()[1], ""
    )
    assert first["Subject"] == second["Subject"]
    probe_pages = _confirm(client, outbox.links()[0])
    fresh_pages = _confirm(client, outbox.links()[1])
    for probed, new in zip(probe_pages, fresh_pages, strict=True):
        assert probed.status_code == new.status_code
        assert _link_bytes(probed) == _link_bytes(new)
    assert 'data-done="confirmed"' in probe_pages[1].get_data(as_text=True)
    counts = services.counts(session, petition)
    assert counts.online == 2  # 山田 once (not twice), 鈴木 once
    withdrawn = [_confirm(client, link, "withdraw")[1] for link in outbox.links()]
    assert _link_bytes(withdrawn[0]) == _link_bytes(withdrawn[1])
    assert services.counts(session, petition).online == 1  # 山田's own signature stays


def test_a_repeat_whose_first_signature_waits_counts_once_confirmed(
    client, petitions, session, outbox
):
    """A signer whose first email never came signs again: the second link counts them. The
    first link still reads as a new signer's (waiting, then confirmed) and counts nothing
    more: had it turned "unknown", whoever typed the first would learn that someone confirmed
    the same name (review R5-4, R3-11)."""
    petition = petitions.opened()
    sign_via_form(client, petition.id, "山田太郎", ADDRESS, email="taro@example.org")
    outbox.deliver(expect=1)
    sign_via_form(client, petition.id, "山田太郎", ADDRESS, email="taro@example.org")
    outbox.deliver(expect=1)
    _confirm(client, outbox.links()[1])
    assert services.counts(session, petition).online == 1
    _, done, _ = _confirm(client, outbox.links()[1])
    assert 'data-done="already"' in done.get_data(as_text=True)
    assert services.counts(session, petition).online == 1
    first_page, first_done, _ = _confirm(client, outbox.links()[0])
    assert first_page.status_code == 200
    assert 'data-done="confirmed"' in first_done.get_data(as_text=True)
    assert services.counts(session, petition).online == 1


def test_bad_names_and_addresses_name_the_field(client, petitions, session):
    petition = petitions.opened()
    response = sign_via_form(client, petition.id, "山田123", "千代田区霞が関2-1-2")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter your name in letters only" in page
    assert "Write your address from the prefecture on" in page
    assert 'value="千代田区霞が関2-1-2"' in page  # what was typed is kept in the form
    assert _count(session) == 0


def test_the_email_link_is_confirmed_by_the_pages_post_never_by_a_get(
    client, petitions, session, outbox
):
    petition = petitions.opened()
    response = sign_via_form(client, petition.id, "山田太郎", ADDRESS, email="taro@example.org")
    assert 'data-outcome="pending"' in response.get_data(as_text=True)
    assert _count(session, SignatureState.PENDING) == 1
    assert outbox.messages == []  # queued, not sent in the request (review R7b-3)
    outbox.deliver(expect=1)
    [message] = outbox.messages
    assert message["To"] == "taro@example.org"
    [link] = outbox.links()
    assert link.startswith(f"{BASE_URL}/petitions/signature?token=")
    path = link.removeprefix(BASE_URL)
    # A mail scanner prefetches the link (and may add anything to it): nothing changes.
    for _ in range(3):
        assert client.get(path).status_code == 200
        assert client.get(path + "&action=confirm").status_code == 200
        assert client.head(path).status_code == 200
    assert _count(session, SignatureState.PENDING) == 1
    assert petitions.signer(session.scalar(select(Signature))).email is None  # no news asked
    page = client.get(path).get_data(as_text=True)
    form_token = FORM_TOKEN_RE.search(page).group(1)
    token = link.split("token=", 1)[1]
    confirmed = client.post(
        "/petitions/signature", data={"token": token, "form_token": form_token, "action": "confirm"}
    )
    assert 'data-done="confirmed"' in confirmed.get_data(as_text=True)
    assert "Set-Cookie" not in confirmed.headers
    assert _count(session, SignatureState.COUNTED) == 1
    again = client.post(
        "/petitions/signature", data={"token": token, "form_token": form_token, "action": "confirm"}
    )
    assert 'data-done="already"' in again.get_data(as_text=True)
    assert _count(session, SignatureState.COUNTED) == 1


def test_a_signer_withdraws_through_the_link(client, petitions, session, outbox):
    petition = petitions.opened()
    sign_via_form(client, petition.id, "山田太郎", ADDRESS, email="taro@example.org")
    outbox.deliver(expect=1)
    [link] = outbox.links()
    token = link.split("token=", 1)[1]
    page = client.get(link.removeprefix(BASE_URL)).get_data(as_text=True)
    form_token = FORM_TOKEN_RE.search(page).group(1)
    withdrawn = client.post(
        "/petitions/signature",
        data={"token": token, "form_token": form_token, "action": "withdraw"},
    )
    assert 'data-done="withdrawn"' in withdrawn.get_data(as_text=True)
    assert _count(session) == 0
    assert client.get(link.removeprefix(BASE_URL)).status_code == 404


def test_news_keeps_the_email_and_sends_it_at_submission(
    client, auth, make, petitions, session, outbox
):
    from campaign.auth.models import Role
    from tests.helpers import csrf_token

    petition = petitions.opened()
    sign_via_form(
        client, petition.id, "山田太郎", ADDRESS, email="taro@example.org", wants_news="y"
    )
    outbox.deliver(expect=1)
    token = outbox.links()[0].split("token=", 1)[1]
    services.confirm(session, token)
    services.close_petition(session, petition)
    session.commit()
    auth.login(make.user(role=Role.HQ))
    url = f"/petitions/manage/{petition.id}/submit"
    response = auth.client.post(
        url,
        data={
            "csrf_token": csrf_token(auth.client, url),
            "submitted_on": services.today().isoformat(),
            "submitted_to": "総務大臣",
        },
    )
    assert response.status_code == 302
    assert len(outbox.messages) == 2
    news = outbox.messages[1].get_body(preferencelist=("plain",)).get_content()
    assert "総務大臣" in news


def test_links_and_the_sharing_card_use_the_base_url_never_the_host(client, app, petitions):
    petition = petitions.opened()
    app.config["BASE_URL"] = BASE_URL
    foreign = client.get(
        f"/petitions/{petition.id}", headers={"Host": "evil.example", "X-Forwarded-Host": "evil2"}
    )
    assert "evil" not in foreign.get_data(as_text=True)  # refused, or built from the base URL
    page = client.get(f"/petitions/{petition.id}", headers={"X-Forwarded-Host": "evil2"})
    page = page.get_data(as_text=True)
    assert "evil" not in page
    assert f'<meta property="og:url" content="{BASE_URL}/petitions/{petition.id}">' in page
    assert f'<meta property="og:image" content="{BASE_URL}/' in page
    assert re.search(r'<meta property="og:title" content="[^"]+">', page)


def test_the_public_list_shows_open_petitions_only(client, petitions):
    shown = petitions.opened(title_ja="公開中の請願")
    petitions.draft(title_ja="下書きの請願")
    page = client.get("/petitions/").get_data(as_text=True)
    assert f"/petitions/{shown.id}" in page and "下書きの請願" not in page
    assert client.get(f"/petitions/{shown.id + 1}").status_code == 404  # the draft


def test_page_token_is_bound_to_the_petition(client, petitions, session):
    one, two = petitions.opened(), petitions.opened()
    token = page_token(client, one.id)
    response = client.post(
        f"/petitions/{two.id}", data={"name": "山田太郎", "address": ADDRESS, "token": token}
    )
    assert response.status_code == 400
    assert _count(session) == 0


def test_characters_that_show_nothing_neither_count_twice_nor_reach_the_list(
    client, petitions, session
):
    """Review R3-12: U+200B or U+3164 after the address (or in the name) counted the same
    person again, and went into the 署名簿 as typed."""
    petition = petitions.opened()
    address = "北海道札幌市中央区北1条西2丁目1番地"
    sign_via_form(client, petition.id, "重複\u200b 太郎\u3164", address + "\u200b")
    for name, typed in [
        ("重複 太郎", address),
        ("重複 太郎", address + "\u3164"),
        ("重複\ufeff太郞", "\u2060" + address + "\uffa0"),
    ]:
        assert sign_via_form(client, petition.id, name, typed).status_code == 200
    assert services.counts(session, petition).online == 1
    counted = select(Signature).where(Signature.state == SignatureState.COUNTED)
    signer = petitions.signer(session.scalar(counted))  # the repeats' rows never reach it
    assert (signer.name, signer.address) == ("重複 太郎", address)


def test_the_public_total_tells_no_prober_whether_a_name_had_signed(client, petitions, clock):
    """Review R3-11, the total: signing a person's name and reading the total again told
    whether they had signed (+1 or +0). It is yesterday's, rounded down, so neither moves."""
    petition = petitions.opened()
    names = [f"{a}{b}" for a in ("佐藤", "鈴木") for b in "一二三四五六七"]  # 14 signers
    for n, name in enumerate(names):
        petitions.sign(petition, name, f"東京都千代田区霞が関2-1-{n + 1}")
    clock.advance(days=1)
    before = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    sign_via_form(client, petition.id, "佐藤四", "東京都千代田区霞が関2-1-4")  # had signed
    sign_via_form(client, petition.id, "未署名の人", "東京都港区芝公園4-2-8")  # had not
    after = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "At least 10 signatures of the goal of 100 (10%)" in before
    strip = lambda page: re.sub(r'name="token" value="[^"]+"', "", page)  # noqa: E731
    assert strip(after) == strip(before)


def test_a_middle_dot_a_full_stop_a_wave_dash_or_capitals_count_no_one_twice(
    client, petitions, session
):
    """Review R5-1: through the public form, one person at one address counted six times."""
    petition = petitions.opened()
    for name, address in (
        ("検証 太郎", "東京都港区芝公園1-2-3"),
        ("検証・太郎", "東京都港区芝公園1-2-3"),
        ("検証 太郎", "東京都港区芝公園1-2-3。"),
        ("検証 太郎.", "東京都港区芝公園1〜2〜3"),
        ("検証 太郎", "東京都港区芝公園1～2～3"),
        ("検証 太郎", "東京都港区芝公園1_2,3"),
        ("検証 太郎", "東京都港区芝公園1.2/3"),
    ):
        assert sign_via_form(client, petition.id, name, address).status_code == 200
    for n, name in enumerate(["Kensho Taro", "KENSHO TARO", "kensho taro"]):
        address = "東京都港区芝公園1-2-3 Aビル" if n else "東京都港区芝公園1-2-3 aビル"
        assert sign_via_form(client, petition.id, name, address).status_code == 200
    assert services.counts(session, petition).online == 2  # 検証 太郎 and Kensho Taro
    assert _count(session, SignatureState.COUNTED) == 2
    # A neighbour at 1-23 (one separator fewer) is another person, and counts.
    sign_via_form(client, petition.id, "検証 太郎", "東京都港区芝公園1-23")
    assert services.counts(session, petition).online == 3


def test_room_floor_and_kana_count_no_one_twice_and_a_long_sound_mark_is_another_person(
    client, petitions, session
):
    """Review R6-1: 「101号室」/「101」, 「2階」/「2F」, やまだ/ヤマダ each counted one person
    twice, while 佐藤マリー (佐藤ユーキ) at 佐藤マリ's (佐藤ユキ's) address was thanked and not
    counted."""
    petition = petitions.opened()
    for name, address in (
        ("検証 太郎", "東京都港区芝公園1-2-3 コーポ芝101"),
        ("検証 太郎", "東京都港区芝公園1-2-3 コーポ芝101号室"),
        ("検証 太郎", "東京都港区芝公園1-2-3 コーポ芝101号"),
        ("検証 次郎", "東京都港区芝公園1-2-3 2F"),
        ("検証 次郎", "東京都港区芝公園1-2-3 2階"),
        ("やまだ はなこ", "東京都港区芝公園4-5-6"),
        ("ヤマダ ハナコ", "東京都港区芝公園4-5-6"),
    ):
        assert sign_via_form(client, petition.id, name, address).status_code == 200
    assert services.counts(session, petition).online == 3
    for name in ("佐藤 マリ", "佐藤 マリー", "佐藤 ユキ", "佐藤 ユウキ", "佐藤 ユーキ"):
        assert sign_via_form(client, petition.id, name, "東京都港区芝公園7-8-9").status_code == 200
    assert services.counts(session, petition).online == 8  # five people of one household
    assert _count(session, SignatureState.REPEAT_CONFIRMED) == 4  # 太郎 twice, 次郎, 花子
    # A neighbour in 102号室, or on the 3rd floor, is another person.
    sign_via_form(client, petition.id, "検証 太郎", "東京都港区芝公園1-2-3 コーポ芝102号室")
    sign_via_form(client, petition.id, "検証 次郎", "東京都港区芝公園1-2-3 3階")
    assert services.counts(session, petition).online == 10
