"""The formal document (要請書) as one structure, from which the print page, the PDF and the
Word file are all made, so that the three look the same.

The layout is that of a Japanese formal request: the document number and date at the top
right, the addressees at the left ending in 殿 or 様, the sender at the right, the title centred,
the preamble, 記 centred, the numbered items (１．, sub-items （１）), 以上 at the right, and
optionally an appendix (別紙) of aggregate evidence on a page of its own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from campaign import clock
from campaign.dates import era_date
from campaign.formal_requests import evidence
from campaign.formal_requests.models import FormalRequest

if TYPE_CHECKING:
    from campaign.auth.models import User

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

#: Word: the faces every Japanese Windows and Mac Office has (Century for Latin letters,
#: MS Mincho for Japanese), named on every run so that Word substitutes nothing.
DOCX_LATIN_FONT = "Century"
DOCX_EAST_ASIAN_FONT = "ＭＳ 明朝"


def western_date(d: date) -> str:
    """2019年7月23日 (the Western calendar, written the Japanese way)."""
    return f"{d.year}年{d.month}月{d.day}日"


def document_date(d: date | None, era: bool) -> str:
    """The date as the document prints it: 令和元年7月23日, or 2019年7月23日."""
    if d is None:
        return ""
    return era_date(d, "ja") if era else western_date(d)  # the document is Japanese


def item_label(number: int) -> str:
    """１．, ２．, … (full-width, as a formal document numbers its items)."""
    return f"{str(number).translate(FULL_WIDTH)}．"


def sub_label(number: int) -> str:
    """（１）, （２）, …"""
    return f"（{str(number).translate(FULL_WIDTH)}）"


@dataclass
class DocItem:
    """One numbered item and its sub-items, labelled."""

    label: str
    text: str
    children: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    """Everything the three outputs print, in order."""

    number: str
    date: str
    addressees: list[tuple[str, str]]  # (organisation, "title name 殿")
    sender_organisation: str
    sender_representative: str
    title: str
    preamble: list[str]
    items: list[DocItem]
    closing: str
    appendix: evidence.Appendix | None
    draft: bool
    appendix_withheld: bool = False  # the viewer may not see every cited case
    era: bool = True

    def appendix_note(self) -> str:
        """The note under the 別紙 (see ``appendix_note``)."""
        return appendix_note(self.appendix) if self.appendix else ""

    def appendix_lines(self) -> list[str]:
        """The 別紙's lines, as every output prints them."""
        return appendix_lines(self.appendix) if self.appendix else []

    @property
    def appendix_as_of(self) -> str:
        """「（令和8年12月1日現在）」 under the 別紙's title: the day its figures were counted
        (kept from the approval); empty for a draft's, which is counted at each view."""
        if self.appendix is None or self.appendix.counted_on is None:
            return ""
        return f"（{document_date(self.appendix.counted_on, self.era)}現在）"

    @property
    def appendix_recount_note(self) -> str:
        """For a request approved before the figures were kept: say they were counted later."""
        if self.appendix is None or not self.appendix.recounted:
            return ""
        return RECOUNT_NOTE

    @property
    def withheld_note(self) -> str:
        """The line printed instead of a 別紙 the viewer may not see."""
        return WITHHELD_NOTE


def build(
    request: FormalRequest,
    *,
    era: bool | None = None,
    with_appendix: bool | None = None,
    evidence_minimum: int = 3,
    viewer: User | None = None,
) -> Document:
    """The document of a request; ``era`` and ``with_appendix`` default to its own settings.
    For a ``viewer`` who may not see every cited case the 別紙 is left out (and said so).
    The document is Japanese whatever the viewer's language, its 別紙 too (the kinds' names)."""
    era = request.era_dates if era is None else era
    with_appendix = request.appendix if with_appendix is None else with_appendix
    # Once approved, the 別紙 is the one counted at approval, whatever the cases became since.
    kept = evidence.kept_figures(request) if with_appendix else None
    withheld = bool(
        with_appendix
        and viewer
        and (
            evidence.appendix_withheld(request, viewer)
            or (kept is not None and evidence.kept_withheld(kept, viewer))
        )
    )
    with_appendix = with_appendix and not withheld
    if not with_appendix:
        appendix = None
    elif kept is not None:
        appendix = evidence.as_appendix(kept, DOCUMENT_LOCALE)
    else:
        appendix = evidence.appendix(request, evidence_minimum, DOCUMENT_LOCALE)
    items = []
    for number, item in enumerate(request.items, start=1):
        children = [(sub_label(n), c.body) for n, c in enumerate(item.children, start=1)]
        items.append(DocItem(item_label(number), item.body, children))
    return Document(
        number=request.document_number,
        date=document_date(request.dated_on, era),
        addressees=[(a.organisation, a.line) for a in request.addressees],
        sender_organisation=request.sender_organisation,
        sender_representative=request.sender_representative,
        title=request.subject,
        preamble=[p for p in request.preamble.splitlines() if p.strip()],
        items=items,
        closing=request.closing or "以上",
        appendix=appendix,
        draft=request.is_draft,
        appendix_withheld=withheld,
        era=era,
    )


def appendix_lines(appendix: evidence.Appendix) -> list[str]:
    """「申請書の一括配布：37件」 a kind, the sentence for the kinds not counted, and the total
    (「合計：12都道府県で52件」, the prefectures only where ``evidence.figures`` prints them)."""
    lines = [f"{row.category}：{row.cases}件" for row in appendix.rows]
    if appendix.small_kinds:
        lines.append(SMALL_KINDS_LINE)
    if appendix.total_cases is None:
        lines.append("合計：（件数が少ないため表示しません）")
    elif appendix.total_prefectures is None:
        lines.append(f"合計：{appendix.total_cases}件")
    else:
        lines.append(f"合計：{appendix.total_prefectures}都道府県で{appendix.total_cases}件")
    return lines


def appendix_note(appendix: evidence.Appendix) -> str:
    """The note under the 別紙: what it leaves out, and why."""
    return APPENDIX_NOTE.format(minimum=appendix.minimum)


SMALL_KINDS_LINE = "ほかに、事例が特定されないよう件数を表示しない区分があります。"
APPENDIX_NOTE = (
    "※事例が特定されないよう、{minimum}件未満の区分と、{minimum}件未満の差が生じる区分は"
    "件数を表示していません。都道府県の数は、どの都道府県の事例も{minimum}件以上のときだけ"
    "表示します。"
)
DOCUMENT_LOCALE = "ja"  # a formal request is a Japanese document, for every viewer
WITHHELD_NOTE = "※別紙（事例の集計）には、ほかの支部の事例が含まれるため、本部が印刷します。"
RECOUNT_NOTE = "※承認時の集計が記録されていないため、上記の日にその時点の事例から集計しました。"


# --- Word ---------------------------------------------------------------------------------


def _font(run, size_pt: float | None = None, bold: bool = False) -> None:
    """Name the Latin and the East Asian face on the run itself (w:rFonts w:eastAsia)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = DOCX_LATIN_FONT
    properties = run._element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), DOCX_LATIN_FONT)
    fonts.set(qn("w:eastAsia"), DOCX_EAST_ASIAN_FONT)
    if size_pt:
        run.font.size = Pt(size_pt)
    run.bold = bold or None


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    from docx.oxml.ns import qn

    def char(kind: str) -> None:
        run = paragraph.add_run()
        _font(run, 9)
        run._element.append(run._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind}))

    char("begin")
    run = paragraph.add_run()
    _font(run, 9)
    code = run._element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
    code.text = f" {instruction} "
    run._element.append(code)
    char("separate")
    _font(paragraph.add_run("1"), 9)  # shown until Word updates the field
    char("end")


def _page_numbers(paragraph) -> None:
    """「1 / 2」 centred in the footer, as the print page and the PDF number their pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE")
    _font(paragraph.add_run(" / "), 9)
    _field(paragraph, "NUMPAGES")


def _own_properties(word, doc: Document) -> None:
    """The file's properties are this document's, not python-docx's template's: no "generated
    by python-docx", no 2013 dates, no Mac Word application, no template thumbnail or
    customXml (review R3-24). This file goes to a ministry."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    properties = word.core_properties
    properties.title, properties.author, properties.comments = doc.title, "", ""
    properties.last_modified_by = properties.keywords = properties.subject = ""
    properties.category = ""
    properties.revision = 1
    properties.created = properties.modified = clock.now().replace(microsecond=0)
    for rels, dropped in (
        (word.part.package.rels, (RT.THUMBNAIL, RT.EXTENDED_PROPERTIES)),
        (word.part.rels, (RT.CUSTOM_XML,)),
    ):
        for rel in [r for r in rels.values() if r.reltype in dropped]:
            rels.pop(rel.rId)


def docx_bytes(doc: Document) -> bytes:
    """The document as a Word file: A4 portrait, the same blocks as the print page."""
    from docx import Document as WordDocument
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    word = WordDocument()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(25)
    normal = word.styles["Normal"]
    normal.font.name = DOCX_LATIN_FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.line_spacing = Pt(19)  # the print page's line-height 1.8
    normal_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    normal_fonts.set(qn("w:eastAsia"), DOCX_EAST_ASIAN_FONT)
    _own_properties(word, doc)
    word.settings.element  # noqa: B018  (created before the first paragraph, as Word does)

    def paragraph(text="", align=None, size=None, bold=False, before=0, after=0, indent=None):
        p = word.add_paragraph()
        if align is not None:
            p.alignment = align
        fmt = p.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if indent is not None:
            left, hanging = indent
            fmt.left_indent, fmt.first_line_indent = Mm(left), Mm(-hanging)
        if text:
            _font(p.add_run(text), size, bold)
        return p

    right, centre = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
    if doc.number:
        paragraph(doc.number, right)
    paragraph(doc.date, right, after=12)
    for organisation, line in doc.addressees:
        if organisation:
            paragraph(organisation)
        paragraph(line, size=12, after=6)
    paragraph(doc.sender_organisation, right, before=6)
    paragraph(doc.sender_representative, right, after=18)
    # Mincho faces have no bold: the title is set large and spaced, as in the PDF.
    title = paragraph(doc.title, centre, size=15, after=18)
    for run in title.runs:
        spacing = run._element.get_or_add_rPr().makeelement(qn("w:spacing"), {qn("w:val"): "30"})
        run._element.get_or_add_rPr().append(spacing)
    for text in doc.preamble:
        p = paragraph(after=0)
        p.paragraph_format.first_line_indent = Pt(10.5)
        _font(p.add_run(text))
    paragraph("記", centre, before=12, after=12)
    for item in doc.items:
        paragraph(f"{item.label}{item.text}", indent=(7, 7), after=4)
        for label, text in item.children:
            paragraph(f"{label}{text}", indent=(16, 9), after=2)
    paragraph(doc.closing, right, before=12)
    if doc.appendix is not None:
        p = word.add_paragraph()
        run = p.add_run()
        run.add_break(WD_BREAK.PAGE)
        _font(run)
        paragraph("別紙", right)
        paragraph(
            "要請の根拠となる事例（集計）", centre, size=13, after=6 if doc.appendix_as_of else 12
        )
        if doc.appendix_as_of:
            paragraph(doc.appendix_as_of, centre, after=12)
        for line in doc.appendix_lines():
            paragraph(line, indent=(7, 7), after=2)
        paragraph(appendix_note(doc.appendix), size=9, before=12)
        if doc.appendix_recount_note:
            paragraph(doc.appendix_recount_note, size=9)
    if doc.appendix_withheld:
        paragraph(WITHHELD_NOTE, size=9, before=12)
    _page_numbers(section.footer.paragraphs[0])
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
