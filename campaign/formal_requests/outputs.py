"""The three outputs of a request, made from one document structure so they look the same:
the print page (the browser prints it to A4 with page numbers), the PDF made on the server
(WeasyPrint, Japanese fonts embedded) and the Word file (python-docx). Each is audited."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import current_app, render_template, request

from campaign import db
from campaign.access import current_user
from campaign.audit import services as audit
from campaign.formal_requests import document, services
from campaign.formal_requests.common import bp, load
from campaign.formal_requests.models import FormalRequest
from campaign.pdf import render_pdf


def _options(formal: FormalRequest) -> dict:
    """?calendar=western|era and ?appendix=1|0 override the request's own settings."""
    calendar = request.args.get("calendar")
    appendix = request.args.get("appendix")
    return {
        "era": {"era": True, "western": False}.get(calendar or "", formal.era_dates),
        "with_appendix": {"1": True, "0": False}.get(appendix or "", formal.appendix),
    }


def _document(formal: FormalRequest, kind: str) -> document.Document:
    session = db.session()
    audit.record(
        session,
        "formal_request.printed" if kind == "print" else "formal_request.exported",
        object_kind="formal_request",
        object_id=formal.id,
        branch_id=formal.branch_id,
        reason=None if kind == "print" else kind,
    )
    minimum = services.hq_settings(session).evidence_minimum
    return document.build(
        formal,
        evidence_minimum=minimum,
        viewer=current_user(),
        **_options(formal),
    )


def _filename(formal: FormalRequest, extension: str) -> str:
    stem = re.sub(r'[\\/:*?"<>|\s]+', "_", formal.subject)[:60] or "request"
    return f"{formal.id}_{stem}.{extension}"


def _download(data: bytes, mimetype: str, name: str):
    response = current_app.response_class(data, mimetype=mimetype)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@bp.get("/formal/<int:request_id>/print")
def print_page(request_id: int):
    """The document alone, for the browser's print (A4, page numbers at the foot)."""
    formal = load(request_id)
    doc = _document(formal, "print")
    return render_template(
        "formal_requests/print.html", formal=formal, doc=doc, options=_options(formal)
    )


@bp.get("/formal/<int:request_id>/pdf")
def pdf(request_id: int):
    """The document as a PDF with its fonts embedded."""
    formal = load(request_id)
    doc = _document(formal, "pdf")
    html = render_template("formal_requests/print.html", formal=formal, doc=doc, for_pdf=True)
    data = render_pdf(html, request.url_root)
    return _download(data, "application/pdf", _filename(formal, "pdf"))


@bp.get("/formal/<int:request_id>/docx")
def docx(request_id: int):
    """The document as a Word file, for the final wording to be edited in Word."""
    formal = load(request_id)
    data = document.docx_bytes(_document(formal, "docx"))
    return _download(
        data,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _filename(formal, "docx"),
    )
