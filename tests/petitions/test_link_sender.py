"""Confirmation links leave only outside requests (review R8-1, R8-1b, R8-2): cron's
``petitions send-links`` and a sender thread per gunicorn worker, at random moments of its own
(campaign/petitions/links.py). No SMTP connection from a signing request, none when nothing is
queued; nothing sent without a base URL (R8-7); the sent rows scrubbed from the files (R8-4)."""

from __future__ import annotations

import socket
import threading
import time

from sqlalchemy import func, select

from campaign.petitions import links
from campaign.petitions.models import QueuedLink
from tests.helpers import Gunicorn, database_bytes, http_request
from tests.petitions.helpers import BASE_URL, TOKEN_RE, Outbox, sign_via_form

ADDRESS = "東京都千代田区霞が関二丁目1番2号"


class Relay:
    """A TCP server that counts the connections made to it and never answers (a stalled relay):
    whoever connects waits for the SMTP timeout."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


def _queued(session) -> int:
    session.expire_all()
    number = session.scalar(select(func.count()).select_from(QueuedLink))
    session.commit()
    return number


def _sign(client, petition, n: int, email: str | None = None):
    name = f"検証{'一二三四五六'[n]}郎"
    response = sign_via_form(client, petition.id, name, ADDRESS, email=email)
    assert response.status_code == 200
    return response


def test_a_signing_request_never_connects_to_the_relay(app, client, petitions, session, clock):
    """Each signer 11 minutes after the one before (what a request flush once used): no request
    connects, and none waits for a stalled relay; the links stay queued for a sender."""
    petition = petitions.opened()
    relay = Relay()
    try:
        app.config.update(
            SMTP_HOST="127.0.0.1", SMTP_PORT=relay.port, SMTP_TIMEOUT="5", BASE_URL=BASE_URL
        )
        for n in range(5):
            clock.advance(minutes=links.FLUSH_MINUTES + 1)
            started = time.monotonic()
            _sign(client, petition, n, email=f"s{n}@example.org" if n % 2 == 0 else None)
            assert time.monotonic() - started < 2
        time.sleep(0.1)
        assert relay.connections == 0
    finally:
        relay.close()
    assert _queued(session) == 3


def test_the_sender_sends_at_its_own_random_moments(app, client, petitions, session, outbox):
    """The sender thread (as gunicorn's post_worker_init starts it) sends what is queued, at a
    moment drawn by itself, with no request; each link once."""
    petition = petitions.opened()
    for n in range(3):
        _sign(client, petition, n, email=f"s{n}@example.org")
    assert outbox.messages == []
    app.config["PETITION_LINK_FLUSH_MINUTES"] = 0.002  # 0.06 to 0.18 s
    sender = links.start_sender(app)
    try:
        deadline = time.monotonic() + 10
        while len(outbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a few more runs: nothing is sent twice
    finally:
        sender.stop.set()
        sender.thread.join(5)
    assert sorted(m["To"] for m in outbox.messages) == [f"s{n}@example.org" for n in range(3)]
    assert _queued(session) == 0 and sender.failures == 0


def test_the_senders_moments_are_drawn_around_the_setting(app):
    waits = [links.next_wait(10) for _ in range(500)]
    assert all(300 <= wait <= 900 for wait in waits)
    assert min(waits) < 360 and max(waits) > 840  # spread over the range, not a fixed period
    app.config["PETITION_LINK_FLUSH_MINUTES"] = 0
    assert links.start_sender(app) is None  # 0: cron only


def test_no_connection_when_nothing_is_queued(app, runner, session):
    relay = Relay()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=relay.port, BASE_URL=BASE_URL)
        result = runner.invoke(args=["petitions", "send-links"])
        assert result.exit_code == 0 and result.output.startswith("sent: 0,"), result.output
        assert links.send_once(app).sent == 0
        time.sleep(0.1)
        assert relay.connections == 0
    finally:
        relay.close()


def test_without_a_base_url_nothing_is_sent_and_the_rows_stay(
    app, client, petitions, session, outbox, monkeypatch, caplog
):
    petition = petitions.opened()
    _sign(client, petition, 0, email="t@example.org")
    app.config["BASE_URL"] = None  # the cron job's environment lacks NAISHIN_BASE_URL
    monkeypatch.delenv("NAISHIN_BASE_URL", raising=False)
    result = outbox.runner.invoke(args=["petitions", "send-links"])
    assert result.exit_code != 0
    assert "NAISHIN_BASE_URL is unset" in result.output and "1 links kept" in result.output
    sender = links.Sender()
    assert links.send_once(app, sender) is None and sender.failures == 1
    assert "NAISHIN_BASE_URL is unset" in caplog.text
    assert outbox.messages == [] and _queued(session) == 1
    app.config["BASE_URL"] = BASE_URL
    outbox.deliver(expect=1)
    assert outbox.links()[0].startswith(f"{BASE_URL}/petitions/signature?token=")


def test_a_sent_links_sealed_row_leaves_the_files(client, petitions, session, outbox, database_url):
    """The reviewer's scan (R8-4): after send-links, the sealed blob of the row it deleted is in
    neither the database file nor its WAL (SQLite), nor the table's files (PostgreSQL)."""
    petition = petitions.opened()
    _sign(client, petition, 0, email="nonews@example.org")
    session.expire_all()
    [sealed] = [bytes(s) for s in session.scalars(select(QueuedLink.sealed))]
    before = database_bytes(session, database_url, ["petition_link_queue"])
    if before is None:
        import pytest

        pytest.skip("this process may not read PostgreSQL's files")
    assert sealed[8:40] in before  # the scan finds it while it is queued
    outbox.deliver(expect=1)
    assert _queued(session) == 0
    after = database_bytes(session, database_url, ["petition_link_queue"])
    assert sealed[8:40] not in after


def test_under_gunicorn_the_worker_sends_and_the_signing_request_does_not(
    app, database_url, petitions, tmp_path
):
    """As in production (campaign/gunicorn_conf.py starts a sender in each worker): the signing
    POST is answered without a connection to the relay; the worker's sender sends the link."""
    petition = petitions.opened()
    box = Outbox()
    try:
        server = Gunicorn(
            database_url,
            tmp_path,
            NAISHIN_SMTP_HOST="127.0.0.1",
            NAISHIN_SMTP_PORT=str(box.port),
            NAISHIN_BASE_URL=BASE_URL,
            NAISHIN_TRUSTED_HOSTS="127.0.0.1",
            NAISHIN_DATA_KEY=app.extensions["naishin.data_key"].hex(),
            NAISHIN_PETITION_LINK_FLUSH_MINUTES="0.02",  # 0.6 to 1.8 s
        )
        with server:
            url = f"{server.base}/petitions/{petition.id}"
            status, page = http_request(url)
            fields = {
                "name": "検証太郎",
                "address": ADDRESS,
                "email": "worker@example.org",
                "token": TOKEN_RE.search(page).group(1),
            }
            status, _ = http_request(url, fields, {"Origin": server.base})
            assert status == 200
            deadline = time.monotonic() + 15
            while not box.messages and time.monotonic() < deadline:
                time.sleep(0.1)
        assert [m["To"] for m in box.messages] == ["worker@example.org"]
    finally:
        box.stop()


def _signed_with_email(app, client, petitions, count: int):
    petition = petitions.opened()
    for n in range(count):
        _sign(client, petition, n, email=f"slow{n}@example.org")
    return petition


def test_no_writer_waits_for_a_slow_relay(app, client, petitions, session, database_url):
    """Review R8-8: on SQLite the run held the write lock through the SMTP conversation, and a
    signer waited 7 s behind four slow messages (more than the 15 s busy timeout: 500s)."""
    from sqlalchemy.orm import Session

    from campaign.db import make_engine
    from campaign.petitions import services
    from campaign.petitions.models import Petition
    from tests.petitions.helpers import Outbox

    box = Outbox(slow=1.0)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, BASE_URL=BASE_URL)
    petition_id = _signed_with_email(app, client, petitions, 4).id
    engine = make_engine(database_url)
    batches = []

    def cron():
        with app.app_context(), Session(engine) as other:
            batches.append(links.send_queued(other))
            other.commit()

    sender = threading.Thread(target=cron)
    sender.start()
    time.sleep(0.7)  # the batch is under way
    started = time.monotonic()
    with app.app_context(), Session(engine) as other:
        services.sign(other, other.get(Petition, petition_id), name="並行 太郎", address=ADDRESS)
        other.commit()
    waited = time.monotonic() - started
    sender.join(30)
    box.stop()
    engine.dispose()
    assert batches and batches[0].sent == 4
    assert waited < 1.0, waited
    assert _queued(session) == 0


def test_two_runs_at_once_send_each_link_once(app, client, petitions, session, database_url):
    """cron's run and a worker's thread at the same moment (PostgreSQL: SKIP LOCKED; SQLite: the
    run's file lock beside the database)."""
    from sqlalchemy.orm import Session

    from campaign.db import make_engine
    from tests.petitions.helpers import Outbox

    box = Outbox(slow=0.3)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, BASE_URL=BASE_URL)
    _signed_with_email(app, client, petitions, 4)
    engine = make_engine(database_url)
    barrier = threading.Barrier(2)

    def run():
        with app.app_context(), Session(engine) as other:
            barrier.wait()
            links.send_queued(other)
            other.commit()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(30)
    box.stop()
    engine.dispose()
    received = [mail["To"] for mail in box.messages]
    assert sorted(received) == [f"slow{n}@example.org" for n in range(4)]
    assert _queued(session) == 0
