"""Uploads come out clean or are refused (SECURITY.md promise 9): metadata that names people,
scripts and links that call home when the file is opened, and zip bombs."""

from __future__ import annotations

import io
import time
import zipfile

import pikepdf
import pytest
import sqlalchemy as sa

from campaign.cases import attachments as uploads
from tests.cases import factories

LIMIT = 10 * 1024 * 1024


def _pdf_with_everything() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    xmp = b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/">XMPMARKER</x:xmpmeta>'
    pdf.Root.Metadata = pikepdf.Stream(pdf, xmp, Type=pikepdf.Name.Metadata)
    pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(Author=pikepdf.String("INFOMARKER")))
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('JSMARK')"))
    pdf.Root.OpenAction = script
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), script]))
    )
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=pikepdf.Array([10, 10, 30, 30]),
        T=pikepdf.String("ANNOTAUTHOR"),
        Contents=pikepdf.String("the note itself"),
    )
    page = pdf.pages[0]
    page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
    page.obj.AA = pikepdf.Dictionary(O=script)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, fix_metadata_version=False)
    return out.getvalue()


def _everything_in(data: bytes) -> bytes:
    """The file's bytes and every stream decoded: where a marker could hide."""
    found = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    found.append(obj.read_bytes())
                except pikepdf.PdfError:  # a picture's own encoding (DCT, JPX): as it is
                    found.append(obj.read_raw_bytes())
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                found.append(repr(obj).encode())
    return b"\n".join(found)


def test_a_pdf_loses_xmp_authors_scripts_and_actions():
    original = _pdf_with_everything()
    for marker in (b"XMPMARKER", b"INFOMARKER", b"JSMARK", b"ANNOTAUTHOR"):
        assert marker in original
    cleaned = uploads.clean("notice.pdf", original, LIMIT)
    everything = _everything_in(cleaned.data)
    for marker in (b"XMPMARKER", b"INFOMARKER", b"JSMARK", b"ANNOTAUTHOR", b"/OpenAction"):
        assert marker not in everything, marker
    with pikepdf.open(io.BytesIO(cleaned.data)) as pdf:
        assert len(pdf.pages) == 1
        assert "/Contents" in pdf.pages[0].Annots[0]  # the note's text is the content: kept


def test_an_encrypted_pdf_is_refused():
    pdf = pikepdf.open(io.BytesIO(factories.pdf_bytes()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(uploads.UploadRejected, match="password-protected"):
        uploads.clean("locked.pdf", out.getvalue(), LIMIT)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W15 = 'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _docx(extra_rels: str = "", **parts: str) -> bytes:
    body = (
        f"<w:document {W}><w:body>"
        "<w:p><w:r><w:t>本文</w:t></w:r></w:p>"
        '<w:p><w:ins w:id="1" w:author="INSAUTHOR" w:date="2026-01-01T00:00:00Z">'
        "<w:r><w:t>追加</w:t></w:r></w:ins>"
        '<w:del w:id="2" w:author="DELAUTHOR"><w:r><w:delText>削除</w:delText></w:r></w:del></w:p>'
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> INCLUDEPICTURE "http://tracker.example/</w:instrText></w:r>'
        '<w:r><w:instrText>PIXELMARK.png" \\d </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>shown</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        '<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;http://x.example/SIMPLEMARK&quot; ">'
        "<w:r><w:t>simple result</w:t></w:r></w:fldSimple></w:p>"
        "</w:body></w:document>"
    )
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
        "_rels/.rels": f"<Relationships {RELS}/>",
        "word/document.xml": body,
        "word/_rels/document.xml.rels": f"<Relationships {RELS}>{extra_rels}</Relationships>",
        "word/comments.xml": (
            f'<w:comments {W}><w:comment w:id="0" w:author="COMMENTAUTHOR" w:initials="CI">'
            "<w:p><w:r><w:t>コメント本文</w:t></w:r></w:p></w:comment></w:comments>"
        ),
        "word/people.xml": (
            f'<w15:people {W15}><w15:person w15:author="PEOPLEAUTHOR">'
            '<w15:presenceInfo w15:providerId="AD" w15:userId="S-1-5-USERIDMARK"/>'
            "</w15:person></w15:people>"
        ),
        "word/settings.xml": (
            f'<w:settings {W} xmlns:r="{R}"><w:attachedTemplate r:id="rIdT"/></w:settings>'
        ),
        "word/_rels/settings.xml.rels": (
            f'<Relationships {RELS}><Relationship Id="rIdT" Type="{R}/attachedTemplate" '
            'Target="http://templates.example/TEMPLATEMARK.dotm" TargetMode="External"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": "<cp:coreProperties>COREAUTHOR</cp:coreProperties>",
        "docProps/app.xml": (
            "<Properties><Company>COMPANYMARK</Company><Manager>MANAGERMARK</Manager></Properties>"
        ),
        "docProps/custom.xml": "<Properties><property name='x'>CUSTOMMARK</property></Properties>",
        "word/media/image1.jpg": factories.jpeg_bytes(gps=True, marker="EXIFMARKER"),
    }
    files.update(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _unpacked(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"\n".join(archive.read(n) for n in archive.namelist())


def test_a_docx_loses_every_name_and_every_call_home():
    original = _docx()
    markers = [
        b"INSAUTHOR", b"DELAUTHOR", b"COMMENTAUTHOR", b"PEOPLEAUTHOR", b"USERIDMARK",
        b"TEMPLATEMARK", b"PIXELMARK", b"SIMPLEMARK", b"COREAUTHOR", b"COMPANYMARK",
        b"MANAGERMARK", b"CUSTOMMARK", b"EXIFMARKER", b"2026-01-01T00:00:00Z",
    ]  # fmt: skip
    assert all(m in _unpacked(original) for m in markers)
    cleaned = uploads.clean("report.docx", original, LIMIT)
    unpacked = _unpacked(cleaned.data)
    for marker in markers:
        assert marker not in unpacked, marker
    # The content stays: the text, the comment's text, the fields' shown results.
    for kept in ("本文", "追加", "削除", "コメント本文", "shown", "simple result"):
        assert kept.encode() in unpacked, kept


def test_a_docx_with_a_linked_image_is_refused():
    linked = (
        f'<Relationship Id="rId9" Type="{R}/image" Target="http://tracker.example/a.png"'
        ' TargetMode="External"/>'
    )
    with pytest.raises(uploads.UploadRejected, match="loads content from outside"):
        uploads.clean("linked.docx", _docx(linked), LIMIT)
    hyperlink = f'<Relationship Id="rId8" Type="{R}/hyperlink" Target="https://example.org/" TargetMode="External"/>'  # noqa: E501
    assert uploads.clean("link.docx", _docx(hyperlink), LIMIT).data


def test_an_xlsx_loses_comment_authors():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/comments1.xml",
            '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<authors><author>XLAUTHOR</author></authors></comments>",
        )
        archive.writestr(
            "xl/persons/person.xml",
            '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
            '<person displayName="PERSONMARK" id="{1}" userId="XLUSERID" providerId="AD"/>'
            "</personList>",
        )
    cleaned = uploads.clean("sheet.xlsx", out.getvalue(), LIMIT)
    unpacked = _unpacked(cleaned.data)
    assert b"XLAUTHOR" not in unpacked and b"PERSONMARK" not in unpacked
    assert b"XLUSERID" not in unpacked


def test_a_zip_bomb_is_refused_quickly():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        zeros = b"\0" * (25 * 1024 * 1024)  # six of them: 150 MB unpacked, over the cap
        for n in range(6):
            archive.writestr(f"word/zero{n}.bin", zeros)  # not media (refused as such)
        del zeros
    bomb = out.getvalue()
    assert len(bomb) < 500_000
    started = time.perf_counter()
    with pytest.raises(uploads.UploadRejected, match="too large when unpacked"):
        uploads.clean("bomb.docx", bomb, LIMIT)
    # Inflating stops at the cap (100 MB), not at 150 MB; generous for a loaded machine.
    assert time.perf_counter() - started < 30


def test_a_package_of_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for n in range(uploads.MAX_OFFICE_ENTRIES):
            archive.writestr(f"word/p{n}.xml", "")
    with pytest.raises(uploads.UploadRejected, match="too many parts"):
        uploads.clean("many.docx", out.getvalue(), LIMIT)


# --- review R3-15: customXml data stores, thumbnails, document variables, duplicate entries ---

CUSTOM_REL = f"{R}/customXml"
CUSTOM_PROPS_REL = f"{R}/customXmlProps"
THUMBNAIL_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
OWNER = "CUSTOMXML_MARK 山田花子 yamada@city.example.jp"


def _with_rel(rels: bytes, rel: str) -> bytes:
    return rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def _with_data_stores(office: bytes, main_rels: str) -> bytes:
    """A real Office file (python-docx's, openpyxl's) with what a document-management system
    adds: a customXml data store with an owner, its properties, a thumbnail, all linked."""
    item = (
        '<p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties">'
        f"<documentManagement><Owner>{OWNER}</Owner></documentManagement></p:properties>"
    )
    props = (
        '<ds:datastoreItem ds:itemID="{11111111-2222-3333-4444-555555555555}" xmlns:ds='
        '"http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/>'
        "</ds:datastoreItem>"
    )
    item_rels = (
        f'<Relationships {RELS}><Relationship Id="rId1" Type="{CUSTOM_PROPS_REL}" '
        'Target="itemProps1.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(office)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        added = {
            "customXml/item1.xml": item,
            "customXml/itemProps1.xml": props,
            "customXml/_rels/item1.xml.rels": item_rels,
            "docProps/thumbnail.jpeg": factories.jpeg_bytes(marker="THUMBMARK"),
        }
        for info in source.infolist():
            if info.filename in added:  # python-docx's own template has some of them
                continue
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                if b"/customXml/itemProps1.xml" not in body:
                    body = body.replace(
                        b"</Types>",
                        b'<Override PartName="/customXml/itemProps1.xml" ContentType="application/'
                        b'vnd.openxmlformats-officedocument.customXmlProperties+xml"/></Types>',
                    )
                if b'Extension="jpeg"' not in body:
                    body = body.replace(
                        b"</Types>", b'<Default Extension="jpeg" ContentType="image/jpeg"/></Types>'
                    )
            elif info.filename == main_rels:
                body = _with_rel(
                    body,
                    f'<Relationship Id="rIdC1" Type="{CUSTOM_REL}" '
                    'Target="../customXml/item1.xml"/>',
                )
            elif info.filename == "_rels/.rels":
                body = _with_rel(
                    body,
                    f'<Relationship Id="rIdT1" Type="{THUMBNAIL_REL}" '
                    'Target="docProps/thumbnail.jpeg"/>',
                )
            archive.writestr(info, body)
        for name, body in added.items():
            archive.writestr(name, body)
    return out.getvalue()


def _names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def _no_trace_of_the_data_stores(cleaned: bytes) -> None:
    names = _names(cleaned)
    assert not [n for n in names if "customxml" in n.lower() or "thumbnail" in n.lower()], names
    unpacked = _unpacked(cleaned)
    for gone in (OWNER.encode(), "山田花子".encode(), b"yamada@", b"THUMBMARK"):
        assert gone not in unpacked, gone
    # No relationship or content type is left pointing at a part that is not there.
    for gone in (b"customXml", b"itemProps", b"thumbnail"):
        assert gone not in unpacked, gone


def test_a_docx_loses_its_custom_xml_data_stores_thumbnail_and_document_variables():
    import docx

    document = docx.Document()
    document.add_paragraph("本文はそのまま")
    saved = io.BytesIO()
    document.save(saved)
    original = _with_data_stores(saved.getvalue(), "word/_rels/document.xml.rels")
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        settings = archive.read("word/settings.xml")
    settings = settings.replace(
        b"</w:settings>",
        b'<w:rsids><w:rsidRoot w:val="00A1B2C3"/><w:rsid w:val="RSIDMARK"/></w:rsids>'
        b'<w:docVars><w:docVar w:name="dm" w:val="DOCVARMARK"/></w:docVars></w:settings>',
    )
    original = _replace_part(original, "word/settings.xml", settings)
    assert OWNER.encode() in _unpacked(original) and b"DOCVARMARK" in _unpacked(original)
    cleaned = uploads.clean("report.docx", original, LIMIT)
    _no_trace_of_the_data_stores(cleaned.data)
    unpacked = _unpacked(cleaned.data)
    assert b"DOCVARMARK" not in unpacked and b"RSIDMARK" not in unpacked
    # Still a document Word's readers open, with its text.
    reopened = docx.Document(io.BytesIO(cleaned.data))
    assert [p.text for p in reopened.paragraphs] == ["本文はそのまま"]


def _replace_part(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            archive.writestr(info, body if info.filename == name else source.read(info))
    return out.getvalue()


def test_an_xlsx_loses_its_custom_xml_data_stores():
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    book.active["A1"] = "数値"
    saved = io.BytesIO()
    book.save(saved)
    original = _with_data_stores(saved.getvalue(), "xl/_rels/workbook.xml.rels")
    assert OWNER.encode() in _unpacked(original)
    cleaned = uploads.clean("sheet.xlsx", original, LIMIT)
    _no_trace_of_the_data_stores(cleaned.data)
    assert load_workbook(io.BytesIO(cleaned.data)).active["A1"].value == "数値"


@pytest.mark.parametrize("second", ["word/document.xml", "word/Document.xml", "/word/document.xml"])
def test_a_package_with_two_parts_of_one_name_is_refused(second):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document {W}/>")
        with pytest.warns(UserWarning) if second == "word/document.xml" else _nothing():
            archive.writestr(second, f"<w:document {W}><w:body>OTHER</w:body></w:document>")
    with pytest.raises(uploads.UploadRejected, match="two parts of the same name"):
        uploads.clean("twice.docx", out.getvalue(), LIMIT)


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def test_a_pdf_loses_files_attached_by_annotation_or_as_associated_files():
    """Review R3-25: files attached through a FileAttachment annotation or the catalogue's
    /AF stayed in the cleaned PDF (only the /EmbeddedFiles name tree was emptied)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))

    def attached(marker: bytes):
        stream = pikepdf.Stream(pdf, b"attached " + marker, Type=pikepdf.Name.EmbeddedFile)
        return pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Filespec,
                F=pikepdf.String("memo.txt"),
                EF=pikepdf.Dictionary(F=stream),
            )
        )

    clip = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=pikepdf.Array([10, 10, 30, 30]),
        FS=attached(b"ANNOTFILEMARK"),
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(clip)]))
    pdf.Root.AF = pikepdf.Array([attached(b"ASSOCFILEMARK")])
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    assert b"ANNOTFILEMARK" in out.getvalue() and b"ASSOCFILEMARK" in out.getvalue()
    cleaned = _everything_in(uploads.clean("attached.pdf", out.getvalue(), LIMIT).data)
    assert b"ANNOTFILEMARK" not in cleaned and b"ASSOCFILEMARK" not in cleaned


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ("word/vbaProject.bin", "contains macros"),
        ("word/vbaData.xml", "contains macros"),
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", "embedded in it"),
        ("word/embeddings/oleObject1.bin", "embedded in it"),
        ("word/activeX/activeX1.xml", "embedded in it"),
    ],
)
def test_a_docx_with_macros_or_embedded_files_is_refused(part, message):
    """The R3-15 addendum: an embedded workbook kept its own author, and a VBA project passed
    through untouched; neither can be cleaned by this pass, so the file is refused."""
    original = _docx(**{part: "EMBED_AUTHOR_MARK 佐藤一郎"})
    with pytest.raises(uploads.UploadRejected, match=message):
        uploads.clean("with-objects.docx", original, LIMIT)


def test_a_spreadsheets_printer_settings_are_dropped():
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "数値"
    saved = io.BytesIO()
    book.save(saved)
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    parts["xl/printerSettings/printerSettings1.bin"] = b"\\\\PRINTSRV-SATO\\PRINTERMARK"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    cleaned = uploads.clean("sheet.xlsx", out.getvalue(), LIMIT).data
    assert b"PRINTERMARK" not in _unpacked(cleaned)


def _xlsx_by(author: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = 42
    book.properties.creator = author
    book.properties.lastModifiedBy = author
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


def test_a_workbook_embedded_in_a_docx_is_cleaned_too():
    """A chart's or a pasted table's workbook (word/embeddings/*.xlsx) has its own authors."""
    from openpyxl import load_workbook

    embedded = "word/embeddings/Microsoft_Excel_Worksheet.xlsx"
    original = _docx(**{embedded: ""})
    original = _replace_part(original, embedded, _xlsx_by("EMBEDDEDAUTHOR"))
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        assert b"EMBEDDEDAUTHOR" in _unpacked(archive.read(embedded))
    cleaned = uploads.clean("chart.docx", original, LIMIT)
    with zipfile.ZipFile(io.BytesIO(cleaned.data)) as archive:
        inner = archive.read(embedded)
    assert b"EMBEDDEDAUTHOR" not in _unpacked(inner)
    assert load_workbook(io.BytesIO(inner)).active["A1"].value == 42
    # A package inside the embedded one is one level too deep: refused.
    holder = io.BytesIO()
    with zipfile.ZipFile(holder, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/embeddings/inner.xlsx", _xlsx_by("x"))
    deep = _replace_part(original, embedded, holder.getvalue())
    with pytest.raises(uploads.UploadRejected):
        uploads.clean("deep.docx", deep, LIMIT)


def test_an_embedded_package_shares_the_unpacked_size_cap():
    zeros = b"\0" * (60 * 1024 * 1024)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/zero.bin", zeros)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document {W}/>")
        archive.writestr("word/zero.bin", zeros)
        archive.writestr("word/embeddings/Sheet.xlsx", inner.getvalue())
    del zeros
    with pytest.raises(uploads.UploadRejected, match="too large when unpacked"):
        uploads.clean("two-bombs.docx", out.getvalue(), LIMIT)


# --- review R4-12: the metadata of the pictures inside PDFs and Office files ---

PHOTO_MARKERS = (b"MARKERCAM", b"MARKER-Artist-Yamada", b"Exif", b"COMMENTMARK", b"APPENDED")


def _photo(mode: str = "RGB", exif: bool = True) -> bytes:
    """A JPEG as a phone writes it: EXIF with the camera, its owner and a GPS position, a
    comment, and another picture appended after its end (as phones add a depth map)."""
    from PIL import Image

    image = Image.new(mode, (40, 30), (200, 30, 30) if mode == "RGB" else (10, 200, 30, 40))
    for x in range(40):
        image.putpixel((x, x % 30), (0,) * len(mode))
    info = Image.Exif()
    info[0x010F] = "MARKERCAM-Make"
    info[0x013B] = "MARKER-Artist-Yamada"
    info.get_ifd(0x8825).update({1: "N", 2: (35.0, 39.0, 29.0), 3: "E", 4: (139.0, 44.0, 28.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=info.tobytes() if exif else b"", comment=b"COMMENTMARK")
    return out.getvalue() + b"APPENDED picture"


def _pixels(jpeg: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        return image.tobytes()


def _image(pdf, data: bytes, colours="/DeviceRGB", **extra):
    stream = pikepdf.Stream(pdf, data)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height, stream.BitsPerComponent = 40, 30, 8
    stream.ColorSpace = pikepdf.Name(colours)
    stream.Filter = pikepdf.Name.DCTDecode
    for key, value in extra.items():
        stream[f"/{key}"] = value
    return stream


def _pdf_with_photos() -> bytes:
    """A page drawing a photo directly, one inside a form XObject (as a stamp or a scan app
    nests it), one compressed again (Flate over DCT), a CMYK one and one inline."""
    import zlib

    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(200, 200))
    twice = _image(pdf, zlib.compress(_photo()))
    twice.Filter = pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode])
    form = pikepdf.Stream(pdf, b"q 40 0 0 30 0 0 cm /Inner Do Q")
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = pikepdf.Array([0, 0, 40, 30])
    form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Inner=_image(pdf, _photo())))
    page.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(
            Photo=_image(pdf, _photo()),
            Twice=twice,
            Cmyk=_image(pdf, _photo("CMYK"), "/DeviceCMYK"),
            Stamp=form,
        )
    )
    inline = b"BI /W 40 /H 30 /CS /RGB /BPC 8 /F /DCT ID " + _photo() + b" EI"
    page.Contents = pikepdf.Stream(
        pdf,
        b"q 40 0 0 30 0 0 cm /Photo Do Q q 40 0 0 30 50 0 cm /Twice Do Q "
        b"q 40 0 0 30 100 0 cm /Cmyk Do Q q 1 0 0 1 0 50 cm /Stamp Do Q "
        b"q 40 0 0 30 0 100 cm " + inline + b" Q",
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def test_the_jpegs_inside_a_pdf_lose_exif_gps_comments_and_what_follows_them():
    original = _pdf_with_photos()
    for marker in PHOTO_MARKERS:
        assert original.count(marker) >= 4, marker
    cleaned = uploads.clean("scan.pdf", original, LIMIT)
    everything = _everything_in(cleaned.data)
    for marker in PHOTO_MARKERS:
        assert marker not in everything, marker
    # The pictures are all still there, and decode to the very same pixels.
    with pikepdf.open(io.BytesIO(cleaned.data)) as pdf:
        images = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]
        assert len(images) == 5
        for image in images:
            jpeg = image.read_raw_bytes()
            assert image.Filter == pikepdf.Name.DCTDecode
            kind = "CMYK" if image.ColorSpace == "/DeviceCMYK" else "RGB"
            assert _pixels(jpeg) == _pixels(_photo(kind)), kind
            if kind == "CMYK":  # Adobe's segment says how to read the colours: kept
                assert b"Adobe" in jpeg
        assert b"Do" in pdf.pages[0].Contents.read_bytes()
        assert b"BI" not in pdf.pages[0].Contents.read_bytes()  # the inline one became an object


def test_a_pdf_whose_jpeg_is_cut_or_holds_jpeg_2000_is_refused_with_a_reason():
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(200, 200))
    page.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Im=_image(pdf, b"\xff\xd8\xff\xe1\x40\x00Exif"))
    )
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(uploads.UploadRejected, match="could not be read"):
        uploads.clean("cut.pdf", out.getvalue(), LIMIT)
    jp2 = b"\0\0\0\x0cjP  \r\n\x87\n" + b"\0\0\0\x1auuidXMPMARKER-Artist-Yamada"
    page.Resources.XObject.Im = _image(pdf, jp2, Filter=pikepdf.Name.JPXDecode)
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(uploads.UploadRejected, match="JPEG 2000"):
        uploads.clean("jpx.pdf", out.getvalue(), LIMIT)


def _picture(kind: str) -> bytes:
    """A picture of the given format whose EXIF (or, for GIF, whose comment) names its maker."""
    from PIL import Image

    image = Image.new("RGB", (32, 24), (10, 200, 30))
    exif = Image.Exif()
    exif[0x013B] = "MARKER-Artist-Sato"
    exif[0x010F] = "MARKERSCAN"
    out = io.BytesIO()
    if kind == "GIF":
        image.convert("P").save(out, "GIF", comment=b"MARKER-Artist-Sato MARKERSCAN")
    elif kind == "BMP":
        image.save(out, "BMP")
        return out.getvalue() + b"MARKER-Artist-Sato MARKERSCAN"  # trailing bytes, read past
    else:
        image.save(out, kind, exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "part"),
    [
        ("TIFF", "image1.tiff"),
        ("GIF", "image1.gif"),
        ("BMP", "image1.bmp"),
        ("WEBP", "image1.webp"),
        ("JPEG", "image1.jfif"),  # a JPEG the name does not announce
        ("PNG", "image1.bin"),
    ],
)
def test_every_picture_in_a_docx_is_re_encoded_whatever_its_name(kind, part):
    from PIL import Image

    original = _docx(**{f"word/media/{part}": _picture(kind)})
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        assert b"MARKER-Artist-Sato" in archive.read(f"word/media/{part}")
    cleaned = uploads.clean("report.docx", original, LIMIT)
    with zipfile.ZipFile(io.BytesIO(cleaned.data)) as archive:
        body = archive.read(f"word/media/{part}")
    assert b"MARKER-Artist-Sato" not in body and b"MARKERSCAN" not in body
    with Image.open(io.BytesIO(body)) as image:  # the same picture, in the same format
        assert (image.format, image.size) == (kind, (32, 24))


def test_a_word_document_with_an_exif_tiff_still_shows_its_picture():
    """The reproduction of R4-12: python-docx's add_picture of a TIFF whose EXIF names its
    maker; the picture stays a TIFF, so its content type and relationship stay right."""
    import docx
    from PIL import Image

    document = docx.Document()
    document.add_paragraph("本文")
    document.add_picture(io.BytesIO(_picture("TIFF")))
    saved = io.BytesIO()
    document.save(saved)
    cleaned = uploads.clean("photo.docx", saved.getvalue(), LIMIT)
    assert b"MARKER-Artist-Sato" not in _unpacked(cleaned.data)
    reopened = docx.Document(io.BytesIO(cleaned.data))
    [shape] = reopened.inline_shapes
    picture = reopened.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed]
    assert picture.content_type == "image/tiff"
    with Image.open(io.BytesIO(picture.blob)) as image:
        assert (image.format, image.size) == ("TIFF", (32, 24))


@pytest.mark.parametrize(
    ("part", "body"),
    [
        ("word/media/image1.emf", b"\x01\0\0\0" + b"\0" * 36 + b" EMF" + b"MARKER-Artist-Sato"),
        ("word/media/image1.wmf", b"\xd7\xcd\xc6\x9a" + b"\0" * 18 + b"MARKER-Artist-Sato"),
        ("word/media/hdphoto1.wdp", b"II\xbc\x01" + b"MARKER-Artist-Sato"),
        ("word/media/image1.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><metadata/></svg>'),
        ("word/media/unknown.dat", b"\0\1\2MARKER-Artist-Sato"),
        ("word/photo.bin", b"\0\0\0\x1cftypheic" + b"MARKER-Artist-Sato"),
    ],
    ids=["emf", "wmf", "hd-photo", "svg", "unknown-in-media", "heic-outside-media"],
)
def test_media_that_cannot_be_cleaned_make_the_docx_refused(part, body):
    original = _docx(**{part: body})
    name = part.rsplit("/", 1)[-1]
    with pytest.raises(uploads.UploadRejected, match=f"picture or media file \\({name}\\)"):
        uploads.clean("drawing.docx", original, LIMIT)


def test_an_xlsx_picture_is_re_encoded_too():
    with zipfile.ZipFile(io.BytesIO(_xlsx_by("x"))) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    parts["xl/media/image1.tif"] = _picture("TIFF")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part, body in parts.items():
            archive.writestr(part, body)
    cleaned = uploads.clean("sheet.xlsx", out.getvalue(), LIMIT)
    assert b"MARKER-Artist-Sato" not in _unpacked(cleaned.data)


def test_a_case_with_a_docx_holding_an_emf_is_sent_back_with_the_reason_in_japanese(
    auth, make, session
):
    """The form answers 400 and names the file and the picture; nothing is stored."""
    from campaign.cases.models import Attachment
    from tests.cases.helpers import form_data, upload
    from tests.helpers import csrf_token

    auth.login(make.user(branch=make.branch()))
    auth.client.get("/lang/ja")
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(session, token)
    emf = b"\x01\0\0\0" + b"\0" * 36 + b" EMF" + b"MARKER-Artist-Sato"
    data["files"] = [upload("図面.docx", _docx(**{"word/media/image1.emf": emf}))]
    response = auth.client.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "文書「図面.docx」" in page and "（image1.emf）" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
