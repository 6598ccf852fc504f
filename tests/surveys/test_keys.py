"""The survey private key never rests in the clear (SECURITY.md promise 5)."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

from sqlalchemy import select

from campaign.auth.models import Role
from campaign.models import Base
from surveys import sealing
from surveys.models import Survey
from tests.helpers import ON_POSTGRES, csrf_token
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form


def _forms(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


def test_private_key_is_nowhere_in_the_clear(
    app, client, auth, make, session, database_url, caplog
):
    caplog.set_level(logging.DEBUG)
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, "/surveys/new")
    created = client.post(
        "/surveys/new",
        data={"csrf_token": token, "title_ja": "鍵", "min_group": "5", "branch_id": ""},
    )
    survey_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post(
        f"/surveys/{survey_id}/questions",
        data={"csrf_token": token, "kind": "single", "text_ja": "問", "options_ja": "a\nb"},
    )
    opened = client.post(
        f"/surveys/{survey_id}/open",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "confirm": PASSPHRASE},
    )
    assert opened.status_code == 302
    session.expire_all()
    survey = session.get(Survey, survey_id)
    anonymous = app.test_client()
    for _ in range(3):
        data = {**plain_form(survey), "token": answer_token(anonymous, survey_id)}
        anonymous.post(f"/surveys/answer/{survey_id}", data=data)
    closing = {"csrf_token": token, "reason": "counting for the meeting"}
    assert client.post(f"/surveys/{survey_id}/close", data=closing).status_code == 302
    results = client.post(
        f"/surveys/{survey_id}/results",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "format": "html"},
    )
    assert results.status_code == 200
    key = client.post(
        f"/surveys/{survey_id}/key", data={"csrf_token": token, "passphrase": PASSPHRASE}
    )
    secret = base64.b64decode(json.loads(key.data)["private_key"])
    assert len(secret) == 32
    # Not in any row of any table.
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            blob = repr(tuple(row)).encode()
            for form in _forms(secret):
                assert form not in blob, table.name
                assert repr(form)[2:-1].encode() not in blob, table.name
    # Not in the database file or its WAL, nor anywhere in the instance folder.
    files = [p for p in Path(app.instance_path).rglob("*") if p.is_file()]
    if not ON_POSTGRES:
        db_file = Path(database_url.removeprefix("sqlite:///"))
        files += [db_file, Path(f"{db_file}-wal")]
    for path in files:
        if path.exists():
            content = path.read_bytes()
            assert not any(form in content for form in _forms(secret)), path
    # Not in the logs or the configuration.
    logged = caplog.text.encode()
    assert not any(form in logged for form in _forms(secret))
    assert not any(form in repr(dict(app.config)).encode() for form in _forms(secret))
    # The wrapped key does not open with a wrong passphrase.
    wrapped = session.get(Survey, survey_id)
    from surveys import services

    try:
        sealing.unwrap(services.wrapped_key(wrapped), PASSPHRASE + "x")
    except sealing.SealingError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a wrong passphrase opened the key")
    assert bytes(sealing.unwrap(services.wrapped_key(wrapped), PASSPHRASE)) == secret


def test_key_file_of_another_survey_is_refused(surveys):
    first, second = surveys.opened(), surveys.opened()
    from surveys import services

    private = sealing.unwrap(services.wrapped_key(first), PASSPHRASE)
    data = sealing.key_file(first.id, private)
    assert bytes(sealing.read_key_file(data, first.id, first.public_key)) == bytes(private)
    for bad in (data, b"not json", b'{"format": "naishin-survey-key-1", "private_key": "AAAA"}'):
        try:
            sealing.read_key_file(bad, second.id, second.public_key)
        except sealing.SealingError:
            continue
        raise AssertionError(bad)


def test_a_key_file_nested_thousands_deep_is_not_a_key_file(client, auth, make, surveys):
    """Review R7a W1: JSON nested 40,000 deep raised RecursionError, which the check did not
    catch: the results page answered 500 to headquarters picking a damaged file."""
    import io

    from campaign.auth.models import Role
    from tests.helpers import csrf_token

    survey = surveys.close(surveys.opened())
    for junk in (b"[" * 40000, b'{"a":' * 20000):
        try:
            sealing.read_key_file(junk, survey.id, survey.public_key)
        except sealing.SealingError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a nested document was taken for a key file")
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}/results")
    for fmt in ("html", "csv"):
        response = client.post(
            f"/surveys/{survey.id}/results",
            data={
                "csrf_token": token,
                "format": fmt,
                "key_file": (io.BytesIO(b"[" * 40000), "k.json"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
