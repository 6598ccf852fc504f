"""Attachments: type from content, size limits, metadata stripped, encrypted, audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from sqlalchemy import select

from campaign.cases import attachments as uploads
from campaign.cases.models import Attachment, Case
from tests.cases import factories
from tests.cases.helpers import audit_count, form_data, upload
from tests.helpers import csrf_token


@pytest.fixture
def officer(auth, make):
    branch = make.branch()
    user = make.user(branch=branch)
    auth.login(user)
    return user


def _post(auth, session, *files, **fields):
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token, **fields)
    data["files"] = [upload(name, body) for name, body in files]
    return auth.client.post("/cases/new", data=data, content_type="multipart/form-data")


def _only_attachment(session) -> Attachment:
    session.expire_all()
    return session.scalars(select(Attachment)).one()


def test_a_jpeg_loses_exif_and_gps_and_is_stored_encrypted(app, auth, session, officer):
    original = factories.jpeg_bytes(gps=True)
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the test image really has a GPS position
    response = _post(auth, session, ("写真.jpg", original))
    assert response.status_code == 302
    attachment = _only_attachment(session)
    assert attachment.media_type == "image/jpeg" and attachment.filename == "写真.jpg"
    assert b"CameraMakerMarker" not in attachment.sealed
    assert b"\xff\xd8\xff" not in attachment.sealed[:64]  # not the plaintext

    case_id = attachment.case_id
    response = auth.client.get(f"/cases/{case_id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "image/jpeg"
    cleaned = response.get_data()
    assert b"CameraMakerMarker" not in cleaned and b"Exif" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif
        assert image.size == (64, 48)
    assert cleaned not in attachment.sealed
    assert audit_count(session, "case_attachment.downloaded", attachment.id) == 1
    auth.client.get(f"/cases/{case_id}/attachments/{attachment.id}")
    assert audit_count(session, "case_attachment.downloaded", attachment.id) == 2


def test_a_pdf_loses_its_author(auth, session, officer):
    response = _post(auth, session, ("notice.pdf", factories.pdf_bytes(author="山田太郎AUTHOR")))
    assert response.status_code == 302
    attachment = _only_attachment(session)
    data = auth.client.get(f"/cases/{attachment.case_id}/attachments/{attachment.id}").get_data()
    assert data.startswith(b"%PDF-")
    assert "山田太郎AUTHOR".encode("utf-16-be") not in data and b"AUTHOR" not in data


def test_a_docx_loses_its_author():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>AuthorX</dc:creator>")
    cleaned = uploads.clean("a.docx", buffer.getvalue(), 10_000_000)
    assert cleaned.media_type.endswith("wordprocessingml.document")
    with zipfile.ZipFile(io.BytesIO(cleaned.data)) as archive:
        assert b"AuthorX" not in archive.read("docProps/core.xml")
        assert archive.read("word/document.xml") == b"<w:document/>"


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("photo.jpg", b"MZ\x90\x00 this is a Windows program", "is not a PDF, JPEG, PNG"),
        ("notice.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF, JPEG, PNG"),
        ("empty.pdf", b"", "is empty"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * 3000, "is larger than"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage", "could not be read"),
    ],
)
def test_wrong_type_empty_and_oversize_are_refused_and_the_form_is_kept(
    app, auth, session, officer, name, body, message
):
    app.config["CASES_MAX_ATTACHMENT_BYTES"] = 2048
    response = _post(auth, session, (name, body), title="消えてはいけない題名")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and name in page
    assert 'value="消えてはいけない題名"' in page  # nothing typed is lost
    assert "氏名・住所が印字済みの申請書が職場で配られた。" in page
    assert session.scalars(select(Case)).first() is None
    assert session.scalars(select(Attachment)).first() is None


def test_no_file_chosen_is_not_an_empty_upload(auth, session, officer):
    response = _post(auth, session, ("", b""))
    assert response.status_code == 302
    assert session.scalars(select(Attachment)).first() is None


def test_a_refused_file_on_edit_keeps_the_saved_case(auth, session, officer):
    assert _post(auth, session, ("a.png", _png())).status_code == 302
    case = session.scalars(select(Case)).one()
    token = csrf_token(auth.client, f"/cases/{case.id}/edit")
    data = form_data(session, token, title="新しい題名")
    data["files"] = [upload("evil.png", b"GIF89a not allowed")]
    response = auth.client.post(
        f"/cases/{case.id}/edit", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    session.expire_all()
    kept = session.get(Case, case.id)
    assert kept.title == "申請書の一括配布" and len(kept.attachments) == 1


def test_the_data_key_file_is_private(app, auth, session, officer):
    import stat
    from pathlib import Path

    _post(auth, session, ("a.png", _png()))
    mode = (Path(app.instance_path) / "data_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_a_tampered_blob_does_not_decrypt(app, auth, session, officer):
    _post(auth, session, ("a.png", _png()))
    attachment = _only_attachment(session)
    attachment.sealed = attachment.sealed[:-1] + bytes([attachment.sealed[-1] ^ 1])
    session.commit()
    url = f"/cases/{attachment.case_id}/attachments/{attachment.id}"
    assert auth.client.get(url).status_code == 500


def _png() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), "blue")
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Author", "PngAuthorMarker")
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_a_png_loses_its_text_chunks():
    cleaned = uploads.clean("a.png", _png(), 10_000_000)
    assert b"PngAuthorMarker" not in cleaned.data and cleaned.media_type == "image/png"


def test_a_file_over_the_app_wide_request_limit_still_keeps_the_form(app, auth, session, officer):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    app.config["CASES_MAX_ATTACHMENT_BYTES"] = 6000
    response = _post(auth, session, ("big.pdf", b"%PDF-1.4\n" + b"0" * 8000), title="残す題名")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is larger than" in page and 'value="残す題名"' in page


# --- review R3-17: file names lose bidi controls, noncharacters and invisible characters ---

TRICKY_NAMES = {
    "rtl\u202egnp.exe.png": "rtlgnp.exe.png",  # would read …png.exe… from the override on
    "\ufffe.png": "attachment.png",
    "a\u200bb\u2066c\u2069\u200d\ufeffd.png": "abcd.png",
    "x\U0001fffe\ufdd0y\u3164z.png": "xyz.png",
    "葛\U000e0100城市の資料.png": "葛\U000e0100城市の資料.png",  # a kanji's registered form stays
}


def test_file_names_lose_invisible_and_direction_changing_characters():
    for given, expected in TRICKY_NAMES.items():
        assert uploads.clean(given, _png(), 10_000_000).filename == expected, repr(given)
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.clean("空\u202e.pdf", b"", 10_000_000)
    assert "\u202e" not in str(refused.value)  # the message names it without them too


def test_an_uploaded_name_with_a_right_to_left_override_is_listed_and_sent_without_it(
    auth, session, officer
):
    response = _post(auth, session, ("rtl\u202egnp.exe.png", _png()), ("\ufffe.png", _png()))
    assert response.status_code == 302
    session.expire_all()
    names = sorted(a.filename for a in session.scalars(select(Attachment)))
    assert names == ["attachment.png", "rtlgnp.exe.png"]
    case = session.scalars(select(Case)).one()
    page = auth.client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "rtlgnp.exe.png" in page and "\u202e" not in page and "\ufffe" not in page
