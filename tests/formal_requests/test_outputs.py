"""The document: era dates, the PDF (A4, fonts embedded, items in order), the Word file
(A4, East Asian font on every run), the print page; every output audited."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.dates import era_date
from campaign.formal_requests import document, workflow
from campaign.pdf import embedded_fonts
from tests.formal_requests.factories import FormalFactory

ITEMS = (
    "第一の要請事項です。",
    "第二の要請事項です。",
    "第三の要請事項です。",
    "第四の要請事項です。",
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2025, 12, 1), "令和7年12月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_era_dates_at_the_boundaries(day, expected):
    assert era_date(day, "ja") == expected
    assert document.document_date(day, era=True) == expected


def test_western_dates_on_request():
    assert document.document_date(date(2019, 7, 23), era=False) == "2019年7月23日"
    assert document.document_date(date(2019, 7, 23), era=True) == "令和元年7月23日"


def _ready(session, people):
    request = FormalFactory(session).request(people["drafter"], items=ITEMS)
    workflow.approve(session, request, people["approver"])
    session.commit()
    return request


def _actions(session, request):
    return list(
        session.scalars(
            select(AuditEntry.reason)
            .where(AuditEntry.object_id == str(request.id))
            .where(AuditEntry.action == "formal_request.exported")
        )
    )


def test_pdf_is_a4_embeds_its_fonts_and_holds_the_items_in_order(people, auth, session):
    request = _ready(session, people)
    auth.login(people["drafter"])
    response = auth.client.get(f"/formal/{request.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment;" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = embedded_fonts(response.data)
    assert fonts and all("IPAex" in f or "CJK" in f for f in fonts), fonts
    text = "".join(p.extract_text() for p in reader.pages)
    positions = [text.index(body) for body in ITEMS]
    assert positions == sorted(positions)
    for word in ("令和元年7月23日", "総務大臣", "殿", "記", "以上", "全連発第1号"):
        assert word in text, word
    assert (
        text.index("令和元年7月23日")
        < text.index("総務大臣")
        < text.index("記")
        < text.index("以上")
    )
    western = auth.client.get(f"/formal/{request.id}/pdf?calendar=western")
    assert "2019年7月23日" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(western.data)).pages
    )
    assert _actions(session, request) == ["pdf", "pdf"]


def test_docx_is_a4_and_every_run_names_the_east_asian_font(people, auth, session):
    from docx import Document
    from docx.oxml.ns import qn

    request = _ready(session, people)
    auth.login(people["drafter"])
    response = auth.client.get(f"/formal/{request.id}/docx")
    assert response.status_code == 200
    word = Document(io.BytesIO(response.data))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    runs = [run for p in word.paragraphs for run in p.runs]
    assert runs
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")) == document.DOCX_EAST_ASIAN_FONT
    text = [p.text for p in word.paragraphs]
    bodies = [t for t in text if any(b in t for b in ITEMS)]
    assert bodies == [f"{document.item_label(n)}{b}" for n, b in enumerate(ITEMS, 1)]
    assert "記" in text and "以上" in text
    right = [p.text for p in word.paragraphs if p.alignment is not None and p.alignment == 2]
    assert "令和元年7月23日" in right and "以上" in right
    assert _actions(session, request) == ["docx"]


def test_print_page_has_the_layout_and_is_audited(people, auth, session):
    request = _ready(session, people)
    auth.login(people["drafter"])
    page = auth.client.get(f"/formal/{request.id}/print").get_data(as_text=True)
    for css in (
        "doc-meta",
        "doc-addressee-line",
        "doc-sender",
        "doc-title",
        "doc-ki",
        "doc-closing",
    ):
        assert css in page
    assert "総務大臣\u3000○○\u3000○○\u3000殿" in page
    assert (
        page.index("doc-meta")
        < page.index("doc-addressees")
        < page.index("doc-sender")
        < page.index("doc-title")
    )
    assert "１．第一の要請事項です。" in page
    assert "<script>" not in page  # the print button's script is a file (CSP)
    printed = list(
        session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "formal_request.printed")
        )
    )
    assert printed == ["formal_request.printed"]
