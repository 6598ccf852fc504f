"""Review R7b-4: an upload rests nowhere on the disk before it is cleaned and sealed.

Werkzeug spooled every file part over 500 KB into ``tempfile.TemporaryFile``, an unlinked file
whose blocks kept the original (metadata and all). The app's request class keeps every part in
memory (campaign/incoming.py); these tests make the temporary file impossible and upload more
than the spooling threshold."""

from __future__ import annotations

import io
import os
import tempfile

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

MARKER = "AUTHOR-MARKER-R7B4"


@pytest.fixture
def no_temporary_files(monkeypatch):
    """Any temporary file made during the test fails it (SpooledTemporaryFile rolls over to
    ``TemporaryFile`` too)."""

    def refused(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refused)


def _large_png() -> bytes:
    """A PNG of about 1.5 MB (noise does not compress) with an author in a text chunk."""
    picture = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", MARKER)
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info)
    assert len(out.getvalue()) > 1024 * 1024
    return out.getvalue()


def test_a_large_attachment_is_cleaned_and_sealed_without_a_temporary_file(
    auth, make, session, no_temporary_files
):
    from campaign.cases.models import Attachment
    from tests.cases.helpers import form_data, upload
    from tests.helpers import csrf_token

    auth.login(make.user(branch=make.branch()))
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token)
    data["files"] = [upload("申請書.png", _large_png())]
    response = auth.client.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


def test_every_file_part_of_any_form_stays_in_memory(app):
    """The request class, not one view: the formal requests' answer file and the survey key
    file come through the same parser."""
    body = _large_png()
    with app.test_request_context(
        "/anywhere", method="POST", data={"file": (io.BytesIO(body), "a.png")}
    ):
        from flask import request

        part = request.files["file"]
        assert isinstance(part.stream, io.BytesIO)
        assert part.read() == body
