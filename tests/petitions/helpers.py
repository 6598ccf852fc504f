"""Petition test helpers: the factory, constants, signing and a local SMTP server."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from campaign.db import make_engine
from campaign.petitions import sealing, services
from campaign.petitions.models import PaperBatch, Petition, Signature


def waits_for(
    app, database_url: str, first: Callable[[Session], None], then: Callable[[Session], None]
) -> None:
    """``first(session)`` in a transaction left open, then ``then(session)`` in a thread, in a
    transaction of its own that it commits: assert that ``then`` waits for ``first``'s commit
    (a lock of PostgreSQL's, SQLite's write lock) and then goes through without an error."""
    engine = make_engine(database_url)
    failures: list[BaseException] = []
    try:
        with Session(engine) as held:
            first(held)

            def other() -> None:
                try:
                    with app.app_context(), Session(engine) as session:
                        then(session)
                        session.commit()
                except BaseException as error:
                    failures.append(error)

            thread = threading.Thread(target=other)
            thread.start()
            thread.join(timeout=1.5)
            assert thread.is_alive()  # it waits for the first transaction
            held.commit()
            thread.join(timeout=15)
            assert not thread.is_alive() and not failures, failures
    finally:
        engine.dispose()


class PetitionFactory:
    """Builds petitions in the test's session (committed, so requests see them)."""

    def __init__(self, session, make) -> None:
        self.session, self.make = session, make

    def draft(self, **fields) -> Petition:
        """A draft to the minister, closing in 30 days, with a goal of 100."""
        values = {
            "title_ja": "マイナンバーカードの取得を強制しないことを求める請願",
            "title_en": "Petition: do not force staff to get the My Number card",
            "text_ja": "カードの取得は本人の申請によるものです。",
            "text_en": "The card is issued only on the person's own application.",
            "addressee_ja": "総務大臣",
            "addressee_en": "Minister for Internal Affairs",
            "goal": 100,
            "closes_on": services.today() + timedelta(days=30),
        }
        values.update(fields)
        petition = Petition(**values)
        self.session.add(petition)
        self.session.commit()
        return petition

    def opened(self, **fields) -> Petition:
        """An open petition."""
        petition = self.draft(**fields)
        services.open_petition(self.session, petition)
        self.session.commit()
        return petition

    def sign(self, petition: Petition, name: str, address: str, **kw):
        """Sign directly through the service (no request)."""
        result = services.sign(self.session, petition, name=name, address=address, **kw)
        self.session.commit()
        return result

    def batch(
        self,
        petition: Petition,
        user,
        branch,
        signatures: int = 50,
        sheets: int = 10,
        note: str = "",
    ) -> PaperBatch:
        """A paper batch of ``branch`` entered today by ``user`` through the service."""
        return services.add_batch(
            self.session,
            user,
            petition,
            branch_id=branch.id,
            received_on=services.today(),
            signatures=signatures,
            sheets=sheets,
            note=note,
        )

    def signer(self, signature: Signature) -> sealing.Signer:
        """A stored signature's name, address and email, opened with its petition's key."""
        petition = self.session.get(Petition, signature.petition_id)
        return sealing.open_signer(services.petition_key(petition), signature.sealed)


TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def page_token(client, petition_id: int) -> str:
    """The signing form's token, from the petition's page."""
    response = client.get(f"/petitions/{petition_id}")
    match = TOKEN_RE.search(response.get_data(as_text=True))
    assert match, response.status_code
    return match.group(1)


def sign_via_form(client, petition_id: int, name: str, address: str, **fields):
    """Post the signing form as a browser without JavaScript would."""
    data = {"name": name, "address": address, "token": page_token(client, petition_id)}
    data.update(fields)
    return client.post(f"/petitions/{petition_id}", data=data)


class Outbox:
    """A local SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self, refuse: set[str] = frozenset(), slow: float = 0.0) -> None:
        """``slow``: seconds the server takes over each message (a relay under load)."""
        import asyncio

        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.runner = None  # the app's CLI runner, for ``deliver`` (the fixture sets it)
        outbox = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):
                if address in refuse:
                    return "550 no such mailbox"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes, policy

                await asyncio.sleep(slow)

                outbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def deliver(self, expect: int | None = None) -> None:
        """Run ``petitions send-links`` (what cron does): the queued links reach this box."""
        result = self.runner.invoke(args=["petitions", "send-links"])
        assert result.exit_code == 0, result.output
        if expect is not None:
            assert result.output.startswith(f"sent: {expect},"), result.output

    def links(self) -> list[str]:
        """Every confirmation link in the messages received, in order."""
        found = []
        for mail in self.messages:
            body = mail.get_body(preferencelist=("plain",)).get_content()
            found += re.findall(r"https?://\S+/petitions/signature\?token=\S+", body)
        return found

    def stop(self) -> None:
        """Shut the server down."""
        self.controller.stop()


BASE_URL = "https://petitions.example.org"
