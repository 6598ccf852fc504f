"""Requests that answered 500 when the platform was attacked (SECURITY.md promise 10).

Each is fixed at its cause: one id converter for every route, one integer parser for query
arguments, a pager that builds links from the page's own arguments, redirect targets without
control characters, dates that can become a time, uploads that are refused with a message.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from campaign import params
from campaign.audit import services as audit
from campaign.auth.models import Role
from tests.cases.factories import CaseFactory
from tests.cases.helpers import form_data, upload
from tests.factories import PASSWORD
from tests.helpers import csrf_token, current_code

HUGE = "99999999999999999999"


@pytest.fixture
def hq(auth, make):
    user = make.user(role=Role.HQ)
    auth.login(user)
    return user


# --- ids in paths -----------------------------------------------------------------------


def test_every_int_in_every_route_goes_through_the_id_converter(app):
    with_ints = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, params.IdConverter) for c in rule._converters.values())
    ]
    assert with_ints, "no route takes an id"
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if type(converter).__name__ in ("IntegerConverter", "NumberConverter"):
                pytest.fail(f"{rule.rule}: {name} bypasses the id converter")


def test_ids_the_database_cannot_hold_are_404(hq, session, make, surveys, client):
    case = CaseFactory(session).case(make.branch())
    branch = make.branch()
    survey = surveys.draft()
    for url in (
        f"/cases/{HUGE}",
        f"/cases/{HUGE}/edit",
        f"/cases/{case.id}/attachments/{HUGE}",
        f"/cases/{2**31}",
        f"/surveys/{HUGE}",
        f"/surveys/answer/{HUGE}",
        f"/branches/{HUGE}",
        f"/staff/{HUGE}",
        "/cases/١",  # an Arabic-Indic digit: int() takes it, the database id is not that
    ):
        assert client.get(url).status_code == 404, url
    # The largest id that fits is looked up normally (and is not there).
    assert client.get(f"/cases/{params.MAX_ID}").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get(f"/branches/{branch.id}").status_code == 200
    assert client.get(f"/surveys/{survey.id}").status_code == 200


def test_parse_int_takes_ascii_digits_in_range_only():
    assert params.parse_int("12") == 12
    for text in ("²", "³", "１２", "٣", "-1", "+1", " 1", "1 ", "", None, HUGE, "0x1", "1_000"):
        assert params.parse_int(text) is None, text
    assert params.parse_int("5", minimum=6) is None


# --- query arguments --------------------------------------------------------------------


def test_superscript_digits_in_query_arguments_are_ignored(hq, session, make, client):
    CaseFactory(session).case(make.branch())
    for url in (
        "/cases/?page=²",
        "/cases/?category=²",
        "/cases/?category=１",
        f"/cases/?category={HUGE}",
        "/cases/dashboard?category=³",
        "/cases/export.csv?category=²",
        "/audit/?page=²",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    # Ignored means unfiltered: the case is still listed.
    assert "1 case found." in client.get("/cases/?category=²").get_data(as_text=True)


def test_the_pager_keeps_its_own_filters_and_nothing_else(hq, session, make, client):
    branch = make.branch()
    for _ in range(31):
        CaseFactory(session).case(branch)
    for url in ("/cases/", "/cases/?_method=PUT", "/cases/?endpoint=x&_external=1"):
        response = client.get(url)
        assert response.status_code == 200, url
        pager = _pager(response.get_data(as_text=True))
        assert 'rel="next"' in pager
        assert "_method" not in pager and "endpoint" not in pager and "_external" not in pager
    pager = _pager(client.get("/cases/?state=reported&_anchor=x").get_data(as_text=True))
    assert 'href="/cases/?page=2&amp;state=reported" rel="next"' in pager


def _pager(page: str) -> str:
    start = page.index('<nav class="pager"')
    return page[start : page.index("</nav>", start)]


def test_the_audit_pager_with_foreign_arguments(hq, session, client):
    for _ in range(51):
        audit.record(session, "test.entry", actor_id=hq.id)
    session.commit()
    for url in ("/audit/?_method=PUT", "/audit/?endpoint=x", "/audit/?page=2&_scheme=https"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "_method" not in _pager(response.get_data(as_text=True))


# --- redirect targets -------------------------------------------------------------------


def test_a_line_break_in_next_is_not_followed(client):
    for target in ("/%0aX", "/%0d%0aSet-Cookie:%20x=1", "/%09x", "/a%20b"):
        response = client.get(f"/lang/en?next={target}")
        assert response.status_code == 302, target
        assert response.headers["Location"] in ("/", "http://naishin.test/")
        assert "Set-Cookie: x" not in str(response.headers)


def test_login_with_a_line_break_in_next_logs_in(auth, make, client, clock):
    user = make.user(role=Role.HQ)
    clock.advance(seconds=30)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=/cases/%0d%0aX-Injected:%201",
        data={
            "email": user.email,
            "password": PASSWORD,
            "code": current_code(user.totp_secret, clock),
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert "X-Injected" not in response.headers
    assert client.get("/account").status_code == 200  # logged in: the home page, not the login


# --- dates ------------------------------------------------------------------------------


def test_a_survey_opening_in_the_year_one_is_refused_with_a_message(hq, surveys, client):
    survey = surveys.draft()
    url = f"/surveys/{survey.id}/edit"
    page = client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    data = {
        "csrf_token": token,
        "title_ja": "職場アンケート",
        "title_en": "Workplace survey",
        "intro_ja": "",
        "intro_en": "",
        "branch_id": "",
        "opens_at": "0001-01-01T00:00",
        "closes_at": "9999-12-31T23:59",
        "min_group": "5",
    }
    assert "opens_at" in page
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "must be a date from 1900 to 9000." in response.get_data(as_text=True)


# --- uploads ----------------------------------------------------------------------------


def _png_bomb() -> bytes:
    """A 69-byte PNG that declares 20000 × 10000 pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 20000, 10000, 8, 0, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))
    return body + chunk(b"IEND", b"")


def _docx(**entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", "<w:document>" + "本文" * 200 + "</w:document>")
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def _patch_headers(data: bytes, *, flags: int = 0, method: int | None = None) -> bytes:
    """Set flag bits and/or the compression method of every entry, local and central."""
    raw = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (at := raw.find(signature, start)) != -1:
            old = struct.unpack_from("<H", raw, at + flag_at)[0]
            struct.pack_into("<H", raw, at + flag_at, old | flags)
            if method is not None:
                struct.pack_into("<H", raw, at + method_at, method)
            start = at + 4
    return bytes(raw)


def _corrupt_deflate(data: bytes) -> bytes:
    """Overwrite word/document.xml's deflate stream (its first block gets a reserved type)."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start, start + info.compress_size):
        raw[i] = 0xFF
    return bytes(raw)


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("bomb.png", _png_bomb(), "has too many pixels"),
        ("method9.docx", _patch_headers(_docx(), method=9), "kind of compression"),
        ("locked.docx", _patch_headers(_docx(), flags=0x1), "password-protected"),
        ("broken.docx", _corrupt_deflate(_docx()), "may be damaged"),
    ],
)
def test_hostile_uploads_are_refused_with_a_message(auth, make, session, name, body, message):
    auth.login(make.user(branch=make.branch()))
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token)
    data["files"] = [upload(name, body)]
    response = auth.client.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and name in page
