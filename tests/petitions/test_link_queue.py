"""Confirmation emails are queued, never sent in the signing request, and leave in batches in
a random order, with no time or process id in their headers and no petition in their subject
(review R7b-3; campaign/petitions/links.py). The queue keeps them sealed, with no time and no
order; a link that cannot be sent stays for the next run."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from campaign.petitions import links, services
from campaign.petitions.models import QueuedLink, Signature, SignatureState
from tests.helpers import database_bytes
from tests.petitions.helpers import BASE_URL, Outbox, sign_via_form

ADDRESS = "東京都千代田区霞が関二丁目1番2号"
N = 30
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺")
GIVEN = ("一郎", "二郎", "花子", "明美", "健太")


def _name(n: int) -> str:
    return f"{FAMILY[n % 6]} {GIVEN[n // 6 % 5]}"


def _queued(session) -> int:
    session.expire_all()
    number = session.scalar(select(func.count()).select_from(QueuedLink))
    session.commit()  # no transaction left open (a scrub's VACUUM FULL would wait on it)
    return number


def _rank_correlation(order: list[int]) -> float:
    """Spearman's rho of a permutation of 0..n-1 against 0..n-1."""
    n = len(order)
    return 1 - 6 * sum((i - r) ** 2 for i, r in enumerate(order)) / (n * (n * n - 1))


def test_signing_sends_nothing_in_the_request(client, petitions, session, outbox):
    petition = petitions.opened()
    for n in range(5):
        response = sign_via_form(
            client, petition.id, f"検証{'一二三四五'[n]}郎", ADDRESS, email=f"s{n}@example.org"
        )
        assert response.status_code == 200
        assert 'data-outcome="pending"' in response.get_data(as_text=True)
        assert "within a quarter of an hour" in response.get_data(as_text=True)
    assert outbox.messages == []
    assert _queued(session) == 5
    session.expire_all()
    waiting = select(func.count()).where(Signature.state == SignatureState.PENDING)
    assert session.scalar(waiting) == 5
    outbox.deliver(expect=5)
    assert sorted(m["To"] for m in outbox.messages) == [f"s{n}@example.org" for n in range(5)]
    assert _queued(session) == 0
    outbox.deliver(expect=0)  # each link once
    assert len(outbox.messages) == 5
    assert len(set(outbox.links())) == 5


def test_send_links_sends_in_no_order_of_signing(client, petitions, session, outbox):
    """As the signatures' ids (test_order.py): the batch goes out in an order unrelated to the
    order of signing, and the queue's own order (SQLite's table, by its random id) too."""
    petition = petitions.opened()
    for n in range(N):
        signed = services.sign(
            session, petition, name=_name(n), address=ADDRESS, email=f"s{n:02d}@example.org"
        )
        links.enqueue(
            session, petition, email=f"s{n:02d}@example.org", token=signed.token, locale="ja"
        )
        session.commit()
    ids = list(session.scalars(select(QueuedLink.id)))
    assert len(set(ids)) == N and sum(i > 2**40 for i in ids) > N // 2  # random, not counted up
    outbox.deliver(expect=N)
    order = [int(m["To"][1:3]) for m in outbox.messages]
    assert sorted(order) == list(range(N))
    assert abs(_rank_correlation(order)) < 0.8


def test_headers_carry_no_time_pid_or_petition(client, petitions, session, outbox, clock):
    petition = petitions.opened()
    sign_via_form(client, petition.id, "検証太郎", ADDRESS, email="taro@city.example.lg.jp")
    outbox.deliver(expect=1)
    [message] = outbox.messages
    assert re.fullmatch(r"<[0-9a-f]{32}@localhost>", message["Message-ID"])  # random bits only
    date = parsedate_to_datetime(message["Date"])
    assert date.second == 0 and date.microsecond == 0  # the batch's minute, rounded down
    assert date == clock.now().replace(second=0, microsecond=0)
    assert message["Subject"] == "Your confirmation link"
    for title in (petition.title_ja, petition.title_en):
        assert title not in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert petition.title_en in body  # the body may name it
    assert body.count(f"{BASE_URL}/petitions/signature?token=") == 1


def test_the_page_warns_against_a_work_address(client, petitions):
    petition = petitions.opened()
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "not one at work" in page and "a quarter of an hour" in page
    japanese = client.get(f"/petitions/{petition.id}", headers={"Accept-Language": "ja"})
    text = japanese.get_data(as_text=True)
    assert "職場" in text and "15分" in text


def test_a_failed_send_keeps_the_row_and_the_signature_waits(
    app, client, petitions, session, runner
):
    petition = petitions.opened()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, BASE_URL=BASE_URL)
    response = sign_via_form(client, petition.id, "山田太郎", ADDRESS, email="t@example.org")
    assert response.status_code == 200  # queued: the signer is thanked, the link will follow
    result = runner.invoke(args=["petitions", "send-links"])
    assert result.exit_code == 1 and "1 links kept for the next run" in result.output
    assert _queued(session) == 1
    assert session.scalar(select(Signature.state)) == SignatureState.PENDING
    box = Outbox()  # the server is back
    try:
        app.config.update(SMTP_PORT=box.port)
        box.runner = runner
        box.deliver(expect=1)
        assert [m["To"] for m in box.messages] == ["t@example.org"]
    finally:
        box.stop()
    assert _queued(session) == 0


def test_a_refused_address_stays_queued_until_its_signature_is_dropped(
    app, petitions, session, runner, clock
):
    petition = petitions.opened()
    box = Outbox(refuse={"nobody@example.org"})
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, BASE_URL=BASE_URL)
        box.runner = runner
        for n, email in enumerate(("nobody@example.org", "ok@example.org")):
            signed = petitions.sign(petition, _name(n), ADDRESS, email=email)
            links.enqueue(session, petition, email=email, token=signed.token, locale="ja")
            session.commit()
        result = runner.invoke(args=["petitions", "send-links"])
        assert result.output.startswith("sent: 1, kept for the next run: 1,"), result.output
        assert _queued(session) == 1
        # A week on, the unconfirmed signature is dropped (as any is); the next run drops the row.
        clock.advance(days=services.PENDING_DAYS + 1)
        assert runner.invoke(args=["petitions", "anonymise"]).exit_code == 0
        result = runner.invoke(args=["petitions", "send-links"])
        assert result.output.startswith("sent: 0, kept for the next run: 0, "), result.output
        assert "no longer waited for: 1" in result.output
        assert _queued(session) == 0
        assert [m["To"] for m in box.messages] == ["ok@example.org"]
    finally:
        box.stop()


def test_the_database_holds_no_queued_address_or_token_in_the_clear(
    client, petitions, session, database_url, outbox
):
    petition = petitions.opened()
    emails = [f"queued{n}marker@example.org" for n in range(3)]
    tokens = []
    for n, email in enumerate(emails):
        signed = services.sign(session, petition, name=_name(n), address=ADDRESS, email=email)
        links.enqueue(session, petition, email=email, token=signed.token, locale="ja")
        session.commit()
        tokens.append(signed.token)
    stored = database_bytes(session, database_url, ("petition_link_queue", "petition_signatures"))
    if stored is None:
        pytest.skip("this process may not read PostgreSQL's files")
    assert _queued(session) == 3
    for secret in emails + tokens:
        assert secret.encode() not in stored, secret
        assert secret.encode("utf-16-le") not in stored, secret
    assert b"queued0marker" not in stored


def test_anonymising_deletes_the_petitions_queued_links(petitions, session):
    petition, other = petitions.opened(), petitions.opened()
    for p in (petition, other):
        signed = petitions.sign(p, "山田太郎", ADDRESS, email="t@example.org")
        links.enqueue(session, p, email="t@example.org", token=signed.token, locale="ja")
        session.commit()
    services.close_petition(session, petition)
    services.anonymise(session, petition)
    session.commit()
    rows = session.scalars(select(QueuedLink.petition_id)).all()
    assert rows == [other.id]
