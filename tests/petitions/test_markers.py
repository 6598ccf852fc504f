"""Red team (SECURITY.md promises 1 and 12): what a signer's request carries (address, user
agent, referrer) reaches neither the database, its WAL, nor any log; nor do the emailed link's
token and the signer's name, address and email reach a log line.

The file test runs the production server (gunicorn with campaign/gunicorn_conf.py) on a SQLite
file and captures everything it writes; the row test runs on either database.
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign.petitions.models import Signature
from tests.helpers import ON_POSTGRES, Gunicorn, http_request
from tests.petitions.helpers import BASE_URL, FORM_TOKEN_RE, TOKEN_RE, Outbox, sign_via_form


def _markers():
    tag = uuid.uuid4().hex[:12]
    return {
        "address": "198.51.100.211",
        "agent": f"AGENT{tag}",
        "referer": f"REFERER{tag}",
    }


def _headers(markers):
    return {
        "X-Forwarded-For": markers["address"],
        "User-Agent": markers["agent"],
        "Referer": f"https://{markers['referer']}.example/",
    }


@pytest.mark.skipif(ON_POSTGRES, reason="greps the SQLite file and its WAL; rows are checked below")
def test_markers_reach_neither_the_database_files_nor_any_log(
    app, database_url, petitions, tmp_path
):
    petition = petitions.opened()
    db_file = Path(database_url.removeprefix("sqlite:///"))
    outbox = Outbox()
    server = Gunicorn(
        database_url,
        tmp_path,
        NAISHIN_SMTP_HOST="127.0.0.1",
        NAISHIN_SMTP_PORT=str(outbox.port),
        NAISHIN_BASE_URL=BASE_URL,
        NAISHIN_TRUSTED_HOSTS="127.0.0.1",  # the test talks to the server directly
        # The petition's key is wrapped by the data key: both servers share it (README).
        NAISHIN_DATA_KEY=app.extensions["naishin.data_key"].hex(),
    )
    markers = _markers()
    headers = _headers(markers)
    secrets_seen = []
    try:
        with server:
            url = f"{server.base}/petitions/{petition.id}"
            for n in range(8):
                status, page = http_request(url, headers=headers)
                assert status == 200
                token = TOKEN_RE.search(page).group(1)
                fields = {
                    "name": f"署名者{'一二三四五六七八'[n]}",
                    "address": f"東京都千代田区霞が関{n + 1}-1-1",
                    "token": token,
                }
                if n % 2:
                    fields["email"] = f"signer{n}{markers['agent'].lower()}@example.org"
                    secrets_seen.append(fields["email"])
                secrets_seen += [fields["name"], fields["address"]]
                status, _ = http_request(url, fields, headers)
                assert status == 200
            assert outbox.messages == []  # nothing is sent in a signing request
            app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=outbox.port, BASE_URL=BASE_URL)
            outbox.runner = app.test_cli_runner()
            outbox.deliver(expect=4)  # what cron's `petitions send-links` does
            for link in outbox.links():
                path = link.removeprefix(BASE_URL)
                secrets_seen.append(link.split("token=", 1)[1])
                status, page = http_request(server.base + path, headers=headers)
                assert status == 200
                form_token = FORM_TOKEN_RE.search(page).group(1)
                token = link.split("token=", 1)[1]
                data = {"token": token, "form_token": form_token, "action": "confirm"}
                assert http_request(f"{server.base}/petitions/signature", data, headers)[0] == 200
            # Failures too: a bad token, bad input, a page that is not there.
            assert http_request(url, {"token": "nope", "name": "x"}, headers)[0] == 400
            assert http_request(f"{server.base}/petitions/999999", None, headers)[0] == 404
            assert http_request(f"{server.base}/petitions/", None, headers)[0] == 200
            assert http_request(f"{server.base}/login", None, headers)[0] == 200  # a logged page
    finally:
        outbox.stop()
    logs, instance = server.log_path, server.instance
    assert len(outbox.messages) == 4
    log_bytes = logs.read_bytes()
    assert b'"GET /login HTTP/1.1" 200' in log_bytes  # the access log was captured...
    assert b"/petitions/" not in log_bytes  # ...and holds no line of a signer's request
    files = [logs, db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")]
    files += [p for p in instance.rglob("*") if p.is_file()]
    for path in files:
        if not path.exists():
            continue
        content = path.read_bytes()
        for name, marker in markers.items():
            assert marker.encode() not in content, (name, path)
            assert marker.encode("utf-16-le") not in content, (name, path)
    for secret in secrets_seen:  # names, addresses, emails and link tokens: in no log
        assert secret.encode() not in log_bytes, secret


def test_markers_reach_no_table_row_and_no_app_log(app, client, petitions, session, caplog, outbox):
    caplog.set_level(logging.DEBUG)
    petition = petitions.opened()
    markers = _markers()
    headers = _headers(markers)
    for n in range(6):
        response = sign_via_form(
            client,
            petition.id,
            f"署名者{'一二三四五六'[n]}",
            f"大阪府大阪市北区{n + 1}-1",
            email=f"s{n}@example.org" if n % 2 else "",
            headers=headers,
        )
        assert response.status_code == 200
    outbox.deliver(expect=3)
    for link in outbox.links():
        page = client.get(link.removeprefix(BASE_URL), headers=headers).get_data(as_text=True)
        form_token = FORM_TOKEN_RE.search(page).group(1)
        token = link.split("token=", 1)[1]
        client.post(
            "/petitions/signature",
            data={"token": token, "form_token": form_token, "action": "confirm"},
            headers=headers,
        )
        assert token not in _app_log(caplog)
    client.post(f"/petitions/{petition.id}", data={"token": "x"}, headers=headers)
    session.expire_all()
    from campaign.models import Base

    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            blob = repr(tuple(row))
            assert not any(marker in blob for marker in markers.values()), table.name
    assert len(list(session.scalars(select(Signature)))) == 6
    assert not any(marker in _app_log(caplog) for marker in markers.values())
    assert not re.search(r"s\d@example\.org", _app_log(caplog))


def _app_log(caplog) -> str:
    """What the app logged (not the test's own SMTP server, aiosmtpd's ``mail.log``)."""
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith("mail.log")
    )
