"""Email through a real SMTP server, with the standard library only.

Settings (environment, or the app config without the ``NAISHIN_`` prefix, as the tests do):

* ``NAISHIN_SMTP_HOST`` (default ``localhost``), ``NAISHIN_SMTP_PORT`` (default 25, or 465
  with SSL, 587 with STARTTLS);
* ``NAISHIN_SMTP_SECURITY``: ``none`` (default), ``starttls`` or ``ssl``;
* ``NAISHIN_SMTP_USER`` / ``NAISHIN_SMTP_PASSWORD``: log in when a user is set;
* ``NAISHIN_MAIL_FROM``: the sender address (default ``naishin@localhost``).

Neither the addresses nor the messages are logged: a confirmation link is a secret, and an
address says who signed (SECURITY.md promises 1 and 12). A failure is reported to the caller
(a queued confirmation stays queued, links.py).

Nor does a message carry the moment it was written (review R7b-3): ``make_msgid`` puts the
time to the centisecond and the process id into the Message-ID (even with ``idstring``), so
the Message-ID is 128 random bits and nothing else; the Date is the minute the batch went out,
rounded down (``minute``), the same for every message of the batch. Leaving Date out would not
hide more: the relay's own Received header and log have the second it got the message anyway,
and Postfix adds a missing Date with that second (a missing one also counts against the message
in spam filters).
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def setting(name: str, default: str | None = None) -> str | None:
    """A mail setting: the app config (``SMTP_HOST``), else ``NAISHIN_SMTP_HOST``, else default."""
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(f"NAISHIN_{name}", default)
    return None if value is None else str(value)


def _connect() -> smtplib.SMTP:
    security = (setting("SMTP_SECURITY", "none") or "none").lower()
    host = setting("SMTP_HOST", "localhost") or "localhost"
    default_port = {"ssl": "465", "starttls": "587"}.get(security, "25")
    port = int(setting("SMTP_PORT", default_port) or default_port)
    timeout = float(setting("SMTP_TIMEOUT", "10") or 10)
    if security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
    user = setting("SMTP_USER")
    if user:
        server.login(user, setting("SMTP_PASSWORD", "") or "")
    return server


def minute(moment: float | None = None) -> float:
    """A moment (now by default) rounded down to its minute: a batch's Date."""
    moment = time.time() if moment is None else moment
    return moment - moment % 60


def message(to: str, subject: str, body: str, *, sent_at: float | None = None) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender, dated ``sent_at`` rounded down to
    the minute (now by default), with a random Message-ID (see the module docstring)."""
    sender = setting("MAIL_FROM", "naishin@localhost") or "naishin@localhost"
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(minute(sent_at), usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body, charset="utf-8")
    return mail


class Connection:
    """An open connection to the SMTP server (``connect()``), for a batch sent one by one."""

    def __init__(self, server: smtplib.SMTP) -> None:
        self.server = server

    def send(self, mail: EmailMessage) -> bool:
        """Hand one message over: False if the server refused it (its recipient, its data);
        raises ``MailError`` when the connection itself fails."""
        try:
            self.server.send_message(mail)
            return True
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
            return False
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(type(error).__name__) from None


@contextmanager
def connect() -> Iterator[Connection]:
    """A connection to the SMTP server, closed afterwards; ``MailError`` if it cannot be made."""
    try:
        server = _connect()
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(type(error).__name__) from None
    try:
        yield Connection(server)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()


def send(messages: Iterable[EmailMessage]) -> int:
    """Send the messages over one connection; return how many were accepted.

    Raises ``MailError`` when the server cannot be reached or refuses every message.
    """
    sent = 0
    try:
        with _connect() as server:
            for mail in messages:
                try:
                    server.send_message(mail)
                    sent += 1
                except smtplib.SMTPRecipientsRefused:
                    continue
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(type(error).__name__) from None
    return sent
