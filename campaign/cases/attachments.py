"""Checking and cleaning uploads before they are sealed.

The type is read from the content (the first bytes, then a full parse), never from the file
name or the browser's claim. Images are decoded and re-encoded, which drops EXIF (with any GPS
position), XMP and comments; PDFs are rewritten by pikepdf (QPDF) without metadata, authors,
scripts or automatic actions, and the JPEGs inside them lose their EXIF (pdf_images.py); office
documents go through the OOXML pass of ooxml.py, whose pictures are re-encoded here too. What
cannot be cleaned is refused with a message.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from campaign.cases import ooxml, pdf_images

MEDIA_TYPES = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
# An Office package unpacks to at most this much, in at most this many parts (a zip bomb of a
# few hundred KB can claim gigabytes; real documents with images stay far below).
MAX_OFFICE_EXPANDED = 100 * 1024 * 1024
MAX_OFFICE_ENTRIES = 2000


class UploadRejected(ValueError):
    """The file cannot be accepted; the message is shown to the person."""


@dataclass(frozen=True)
class CleanFile:
    """An accepted upload: its safe name, its type and its cleaned bytes."""

    filename: str
    media_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, judged by their signature, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


# Invisible fillers Unicode lists as default-ignorable outside the format characters (Hangul
# fillers, the combining grapheme joiner, Mongolian variation selectors). Kept on purpose: the
# ideographic variation selectors (U+E0100…), which pick a kanji's registered form in names.
_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u3164\uffa0")


def _invisible(c: str) -> bool:
    """A character a file name must not keep (review R3-17): controls (Cc), format characters
    (Cf: the bidi overrides and isolates, which make ``rtl<U+202E>gnp.exe.png`` show as
    ``rtl`` then ``gnp.exe.png`` backwards; zero-width joiners; the BOM), surrogates,
    noncharacters (U+FDD0–U+FDEF and every U+xxFFFE/U+xxFFFF) and invisible fillers."""
    code = ord(c)
    return (
        unicodedata.category(c) in ("Cc", "Cf", "Cs")
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
        or c in _FILLERS
    )


def visible_name(name: str) -> str:
    """The name as given, NFC, without the characters ``_invisible`` names (what messages
    about the file show, too)."""
    return "".join(c for c in unicodedata.normalize("NFC", name or "") if not _invisible(c))


def safe_filename(name: str, extension: str) -> str:
    """A display name without paths, control, format (bidi) or noncharacters, with the
    extension the content deserves (so a PDF called ``photo.jpg`` is downloaded as
    ``photo.pdf``)."""
    name = visible_name(name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[\"<>:|?*;]", "", stem).strip(" .")[:120]
    return (stem or "attachment") + extension


# How each kind of picture is written again: in its own format (so an Office package's
# content types and relationships stay right), with nothing but the pixels.
_WRITERS = {
    "jpeg": ("JPEG", {"quality": 90, "optimize": True}),
    "png": ("PNG", {"optimize": True}),
    "gif": ("GIF", {}),
    "tiff": ("TIFF", {"compression": "tiff_lzw"}),
    "bmp": ("BMP", {}),
    "webp": ("WEBP", {"quality": 90}),
}


def _clean_image(data: bytes, kind: str, name: str) -> bytes:
    too_many = UploadRejected(_l("The image %(name)s has too many pixels.", name=name))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise too_many
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the orientation, drop the tag
    except Image.DecompressionBombError as error:
        # Pillow refuses, in Image.open, images declaring twice its own limit: a bomb.
        raise too_many from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, UploadRejected):
            raise
        raise UploadRejected(
            _l("The file %(name)s could not be read; it may be damaged.", name=name)
        ) from error
    # Only the pixels travel on: a fresh copy with no info (EXIF, GPS, XMP, ICC, text chunks,
    # GIF comments), but which palette entry is transparent, which is part of the picture.
    pixels = upright.copy()
    pixels.info = {k: v for k, v in upright.info.items() if k == "transparency"}
    if kind == "jpeg" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    image_format, options = _WRITERS[kind]
    out = io.BytesIO()
    try:
        pixels.save(out, image_format, **options)
    except (OSError, ValueError):  # a mode the format cannot hold (CMYK as PNG, 16-bit as GIF)
        out = io.BytesIO()
        pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB").save(
            out, image_format, **options
        )
    return out.getvalue()


# Actions a PDF runs by itself or on a click that leaves the document.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
                   "/URI", "/Rendition", "/Sound", "/Movie", "/RichMediaExecute"}  # fmt: skip


def _clean_pdf(data: bytes, name: str) -> bytes:
    """Rewrite the PDF with pikepdf (QPDF), which writes only the objects still referenced.

    Gone: the document information, every XMP packet (the catalogue's, pages' and images'),
    annotation authors and dates, JavaScript, the open action and every automatic or outgoing
    action, embedded files (by the name tree, file attachment annotations or associated files),
    XFA forms and applications' private data.
    """
    import pikepdf

    damaged = UploadRejected(
        _l("The file %(name)s could not be read; it may be damaged.", name=name)
    )
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as error:
        raise UploadRejected(
            _l("The PDF %(name)s is password-protected and cannot be accepted.", name=name)
        ) from error
    except (pikepdf.PdfError, ValueError, OSError) as error:
        raise damaged from error
    try:
        with pdf:
            if pdf.is_encrypted:
                raise UploadRejected(
                    _l("The PDF %(name)s is password-protected and cannot be accepted.", name=name)
                )
            _strip_pdf(pdf, pikepdf)
            pdf_images.clean_images(pdf, pikepdf)
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except UploadRejected:
        raise
    except pdf_images.CannotClean as error:
        if error.reason == "damaged":
            raise damaged from error
        raise UploadRejected(
            _l(
                "The PDF %(name)s holds pictures whose hidden data cannot be removed (JPEG 2000"
                " or an unusual encoding); print it again to a new PDF, or upload the pictures"
                " as JPEG or PNG.",
                name=name,
            )
        ) from error
    except (pikepdf.PdfError, ValueError, OSError, KeyError, TypeError) as error:
        raise damaged from error
    return out.getvalue()


def _strip_pdf(pdf, pikepdf) -> None:
    Name = pikepdf.Name
    if Name.Info in pdf.trailer:
        del pdf.trailer[Name.Info]
    root = pdf.Root
    for key in ("/Metadata", "/OpenAction", "/AA", "/PieceInfo", "/SpiderInfo", "/Threads"):
        if key in root:
            del root[key]
    if "/Names" in root:
        for key in ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations"):
            if key in root.Names:
                del root.Names[key]
    if "/AcroForm" in root and "/XFA" in root.AcroForm:
        del root.AcroForm["/XFA"]
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        # /EF: the embedded file of a file specification (a FileAttachment annotation's /FS,
        # the catalogue's or a page's /AF "associated files"): gone with its stream, whatever
        # points at it (review R3-25: only the /EmbeddedFiles name tree was emptied).
        # /Thumb: a page's saved thumbnail (maybe of an earlier version); /OPI: the path of a
        # picture's high-resolution original on the maker's disk.
        for key in ("/Metadata", "/PieceInfo", "/AA", "/JS", "/AF", "/EF", "/Thumb", "/OPI"):
            if key in obj:
                del obj[key]
        if str(obj.get("/Subtype")) == "/FileAttachment" and "/FS" in obj:
            del obj["/FS"]
        if obj.get("/Type") == Name.Annot or ("/Subtype" in obj and "/Rect" in obj):
            for key in ("/T", "/M", "/CreationDate"):  # who wrote the note, and when
                if key in obj:
                    del obj[key]
        action = obj.get("/A")
        if isinstance(action, pikepdf.Dictionary) and str(action.get("/S")) in _ACTIVE_ACTIONS:
            del obj["/A"]
        if str(obj.get("/S")) in _ACTIVE_ACTIONS and "/S" in obj:
            del obj["/S"]


def _entries(source: zipfile.ZipFile, name: str, budget: list[int]):
    """Each entry's name and bytes, read within the caps, or ``UploadRejected``.

    The sizes in the directory are the sender's claim; the bytes are counted as they inflate,
    against ``budget`` (one remaining count shared with the packages embedded in this one).
    """
    infos = source.infolist()
    if len(infos) > MAX_OFFICE_ENTRIES:
        raise UploadRejected(_l("The document %(name)s has too many parts.", name=name))
    # Two entries of one name (or of names Office takes for one: part names ignore case) make
    # a package that readers resolve differently (review R3-15): refused, not guessed at.
    seen: set[str] = set()
    for info in infos:
        key = info.filename.replace("\\", "/").lstrip("/").casefold()
        if key in seen:
            raise UploadRejected(
                _l(
                    "The document %(name)s holds two parts of the same name, so programs would"
                    " read it differently: save it again from Word or Excel.",
                    name=name,
                )
            )
        seen.add(key)
    for info in infos:
        if info.flag_bits & 0x1:
            raise UploadRejected(
                _l("The document %(name)s is password-protected and cannot be accepted.", name=name)
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected(
                _l("The document %(name)s uses a kind of compression Office does not.", name=name)
            )
        chunks = []
        with source.open(info) as stream:
            while chunk := stream.read(1024 * 1024):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise UploadRejected(
                        _l("The document %(name)s is too large when unpacked.", name=name)
                    )
                chunks.append(chunk)
        yield info.filename, b"".join(chunks)


_EMBEDDED_PACKAGE = (".docx", ".docm", ".xlsx", ".xlsm", ".pptx")


def _clean_office(data: bytes, name: str, budget: list[int] | None = None, depth: int = 0) -> bytes:
    """Copy the package part by part through the OOXML pass (campaign/cases/ooxml.py).

    A package embedded in it (a chart's workbook, a pasted table: ``word/embeddings/*.xlsx``)
    carries its own properties and authors, so it goes through the same pass, within the same
    unpacked-size budget; one level only (a package in an embedded package is refused as
    ``embedded``, like OLE objects, which ooxml.refused names)."""

    def image(body: bytes, kind: str) -> bytes:
        return _clean_image(body, kind, name)

    budget = budget if budget is not None else [MAX_OFFICE_EXPANDED]
    out = io.BytesIO()
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for filename, body in _entries(source, name, budget):
                if filename.lower().endswith(_EMBEDDED_PACKAGE) and body[:4] == b"PK\x03\x04":
                    if depth:
                        raise ooxml.CannotClean("embedded")
                    target.writestr(filename, _clean_office(body, name, budget, depth + 1))
                    continue
                cleaned = ooxml.clean_part(filename, body, image)
                if cleaned is not None:
                    target.writestr(filename, cleaned)
    except ooxml.CannotClean as error:
        if error.reason == "macros":
            raise UploadRejected(
                _l(
                    "The document %(name)s contains macros, which are not accepted; save it "
                    "without macros (.docx or .xlsx), or as PDF.",
                    name=name,
                )
            ) from error
        if error.reason == "embedded":
            raise UploadRejected(
                _l(
                    "The document %(name)s has other files or objects embedded in it, which "
                    "cannot be cleaned; remove them, or save the document as PDF.",
                    name=name,
                )
            ) from error
        if error.reason == "media":
            raise UploadRejected(
                _l(
                    "The document %(name)s holds a picture or media file (%(part)s) whose hidden"
                    " data cannot be removed, such as an EMF, WMF, SVG or HD Photo picture;"
                    " replace it with a JPEG or PNG picture, or save the document as PDF.",
                    name=name,
                    part=visible_name(error.part),
                )
            ) from error
        if error.reason == "external":
            raise UploadRejected(
                _l(
                    "The document %(name)s loads content from outside the file when opened;"
                    " save it with the content embedded, or as PDF.",
                    name=name,
                )
            ) from error
        raise UploadRejected(
            _l("The file %(name)s could not be read; it may be damaged.", name=name)
        ) from error
    except UploadRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as error:
        # RuntimeError and NotImplementedError (its subclass): what zipfile raises for entries
        # it cannot read; zlib.error and EOFError: a corrupt or cut deflate stream.
        raise UploadRejected(
            _l("The file %(name)s could not be read; it may be damaged.", name=name)
        ) from error
    return out.getvalue()


def clean(filename: str, data: bytes, max_bytes: int) -> CleanFile:
    """Check an upload and return it cleaned, or raise ``UploadRejected`` (whose message names
    the file without its invisible characters)."""
    filename = visible_name(filename)
    if not data:
        raise UploadRejected(_l("The file %(name)s is empty.", name=filename or "?"))
    if len(data) > max_bytes:
        raise UploadRejected(
            _l(
                "The file %(name)s is larger than %(limit)s MB.",
                name=filename or "?",
                limit=max_bytes // (1024 * 1024),
            )
        )
    kind = sniff(data)
    if kind is None:
        raise UploadRejected(
            _l(
                "The file %(name)s is not a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) file.",
                name=filename or "?",
            )
        )
    if kind in ("jpeg", "png"):
        cleaned = _clean_image(data, kind, filename or "?")
    elif kind == "pdf":
        cleaned = _clean_pdf(data, filename or "?")
    else:
        cleaned = _clean_office(data, filename or "?")
    media_type, extension = MEDIA_TYPES[kind]
    return CleanFile(safe_filename(filename, extension), media_type, cleaned)
