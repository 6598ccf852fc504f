"""Office Open XML (.docx, .xlsx): the package copied without what names people or calls home.

No kept library cleans OOXML from Python (mat2 is a command-line tool whose Office pass keeps
neither tracked-change authors nor field codes in view; see the README), so this is a careful
pass with lxml over the parts that carry such things, parsing with entities, DTDs and network
access off. Parts it does not need to change are copied byte for byte.

Removed or blanked:

* ``docProps/core.xml`` (author, last editor, dates), ``docProps/app.xml`` (Company, Manager,
  template, editing time) and ``docProps/custom.xml`` (any property an organisation adds);
* authors and initials of comments and tracked changes (``w:author``, ``w:initials``, their
  dates), the people list (``word/people.xml``: names and account ids), Excel's comment authors
  and threaded-comment persons;
* the link to an external template (``attachedTemplate``), and the instruction of fields that
  fetch something when the file is opened (``INCLUDEPICTURE``, ``INCLUDETEXT``, ``LINK``,
  ``DDE``/``DDEAUTO``, ``IMPORT``); the field's last shown result stays;
* images inside the package are re-encoded like uploaded images (EXIF and GPS gone), each
  in its own format (JPEG, PNG, GIF, TIFF, BMP, WebP), recognised by its bytes whatever the
  part's name; other media (EMF, WMF, HD Photo, SVG, sound, video) and anything else in a
  ``media/`` folder make the file refused;
* whole parts that only carry data about the document (review R3-15): ``customXml/`` data
  stores at any depth (what a SharePoint or 文書管理 system writes: owners, editors, their
  e-mail addresses, departments) and the thumbnail (``docProps/thumbnail.*``, a picture of the
  first page as last saved, maybe of an earlier version), with every relationship that points
  at them and their ``[Content_Types].xml`` overrides; Word's document variables
  (``w:docVars``) and revision-session ids (``w:rsids`` and the ``w:rsid…`` attributes, which
  tie a file to the other files edited in the same sessions).

A package with two entries of the same name (or names that differ only in case, which Office
treats as the same part) is refused in attachments.py: readers resolve it differently.

Refused: any other reference to outside the package (a linked image, an external workbook, an
OLE link) that cannot be removed without breaking the document, and XML that does not parse.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
EMPTY_PARTS = {
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties"/>'
    ),
    "docProps/app.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"/>'
    ),
    "docProps/custom.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties"/>'
    ),
}
CONTENT_TYPES = "[Content_Types].xml"
# Relationship types of the parts dropped whole (and any relationship to a dropped part).
DROPPED_TYPES = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
}


def dropped(name: str) -> bool:
    """Whether a part is left out of the cleaned package: a ``customXml`` data store (its items,
    their properties and relationships, at any depth), the saved thumbnail, or the printer
    settings a spreadsheet keeps (the printer's and often the machine's name)."""
    lower = name.lower().lstrip("/")
    folders = lower.split("/")[:-1]
    return (
        "customxml" in folders
        or lower.startswith("docprops/thumbnail.")
        or "printersettings" in folders
    )


def refused(name: str) -> str | None:
    """Why a part cannot be cleaned and the file is refused: ``"macros"`` for a VBA project
    (code that runs when the file is opened), ``"embedded"`` for another file or object inside
    (an OLE object or ActiveX control is opaque to this pass). An embedded Office package
    (``embeddings/*.xlsx``, a chart's workbook) is cleaned by attachments._clean_office with
    the same pass before it gets here; only what is not a readable package reaches this. None
    for any other part."""
    lower = name.lower().lstrip("/")
    base = posixpath.basename(lower)
    if base.startswith(("vbaproject", "vbadata")) or base.endswith(".vba"):
        return "macros"
    folders = lower.split("/")[:-1]
    if "embeddings" in folders or "activex" in folders or base.startswith("oleobject"):
        return "embedded"
    return None


def _rels_source_dir(rels_name: str) -> str:
    """The folder relative targets of a relationships part are resolved from
    (``word/_rels/document.xml.rels`` → ``word``; ``_rels/.rels`` → the package root)."""
    folder = posixpath.dirname(rels_name)
    return posixpath.dirname(folder) if posixpath.basename(folder) == "_rels" else folder


def _target(rels_name: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(_rels_source_dir(rels_name), target)).lstrip("/")


# Attributes that name or date a person's edit, in any WordprocessingML part.
PERSON_ATTRIBUTES = {f"{{{W}}}author", f"{{{W}}}initials", f"{{{W15}}}author"}
DATE_ATTRIBUTES = {f"{{{W}}}date"}
RSID_PREFIX = f"{{{W}}}rsid"  # w:rsidR, w:rsidRPr, w:rsidP, w:rsidRDefault, w:rsidDel, …
CALLING_FIELD = re.compile(r"^\s*(INCLUDEPICTURE|INCLUDETEXT|LINK|DDEAUTO|DDE|IMPORT)\b", re.I)
# Cheap byte tests: only parts that may hold something to remove are parsed.
MARKERS = (
    b"author", b"initials", b"include", b"link", b"dde", b"import", b"instr", b"person",
    b"rsid", b"docvar",
)  # fmt: skip

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=False
)


class CannotClean(ValueError):
    """The part holds something this pass cannot remove safely; ``reason`` says what and
    ``part`` names the part where the message needs it (``"media"``)."""

    def __init__(self, reason: str, part: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.part = part


# Pictures re-encoded by the clean_image callback, in their own format, told by their bytes.
RASTER_SIGNATURES = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\0", "tiff"),
    (b"MM\0*", "tiff"),
)
# A BMP's two-byte signature is too weak alone: its info header's size must be a known one.
BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}
# Media nothing here can clean (their records, boxes or tags may carry names, comments or a
# position): EMF and WMF, HD Photo (.wdp), BigTIFF, JPEG 2000, ISO media (HEIC, AVIF, MP4),
# RIFF but WebP (AVI, WAV), MP3 with its tags, Ogg, ICO, Photoshop, PDF.
OPAQUE_SIGNATURES = (
    b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00\x00\x03", b"\x02\x00\x09\x00\x00\x03",
    b"II\xbc", b"II+\0", b"MM\0+", b"\0\0\0\x0cjP  ", b"\xff\x4f\xff\x51", b"RIFF", b"ID3",
    b"OggS", b"\0\0\1\0", b"8BPS", b"%PDF-",
)  # fmt: skip


SVG = re.compile(
    rb"(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(\w+:)?svg\b", re.S
)


def media_kind(body: bytes) -> str | None:
    """What a part's bytes are, whatever its name: a picture kind clean_image re-encodes
    (``"jpeg"``, ``"png"``, ``"gif"``, ``"tiff"``, ``"bmp"``, ``"webp"``), ``"opaque"`` for
    media that cannot be cleaned, or None for anything else (XML, fonts)."""
    for signature, kind in RASTER_SIGNATURES:
        if body.startswith(signature):
            return kind
    if body[:2] == b"BM" and int.from_bytes(body[14:18], "little") in BMP_HEADER_SIZES:
        return "bmp"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "webp"
    if body.startswith(OPAQUE_SIGNATURES) or body[4:8] == b"ftyp":
        return "opaque"
    if body[:4] == b"\x01\0\0\0" and body[40:44] == b" EMF":
        return "opaque"
    if SVG.match(body[:4096]):  # its metadata, scripts and links are not read here
        return "opaque"
    return None


def _parse(body: bytes):
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise CannotClean("xml") from error


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _relationships(name: str, body: bytes) -> bytes:
    """Drop the external template link and every link to a dropped part; refuse other external
    targets except hyperlinks."""
    root = _parse(body)
    changed = False
    for rel in list(root):
        if rel.get("TargetMode") != "External":
            if rel.get("Type") in DROPPED_TYPES or dropped(_target(name, rel.get("Target", ""))):
                root.remove(rel)
                changed = True
            continue
        kind = rel.get("Type", "")
        if kind == HYPERLINK:
            continue
        if kind == TEMPLATE:
            root.remove(rel)
            changed = True
            continue
        raise CannotClean("external")
    return _serialise(root) if changed else body


def _content_types(body: bytes) -> bytes:
    """The overrides of dropped parts leave ``[Content_Types].xml``."""
    root = _parse(body)
    gone = [e for e in root.iter("{*}Override") if dropped(e.get("PartName") or "")]
    for element in gone:
        root.remove(element)
    return _serialise(root) if gone else body


def _settings(root) -> bool:
    """The template reference in word/settings.xml goes with its relationship; the document
    variables and the revision-session ids go too."""
    found = [
        *root.findall(f"{{{W}}}attachedTemplate"),
        *root.findall(f"{{{W}}}docVars"),
        *root.findall(f"{{{W}}}rsids"),
    ]
    for element in found:
        root.remove(element)
    return bool(found)


def _people(root) -> bool:
    """Blank every person's name and drop their account ids (word/people.xml)."""
    changed = False
    for info in root.iter(f"{{{W15}}}presenceInfo"):
        info.getparent().remove(info)
        changed = True
    return changed


def _fields(root) -> bool:
    """Empty the instruction of fields that fetch something when the document is opened."""
    changed = False
    for simple in list(root.iter(f"{{{W}}}fldSimple")):
        if CALLING_FIELD.match(simple.get(f"{{{W}}}instr", "")):
            parent, index = simple.getparent(), simple.getparent().index(simple)
            for offset, child in enumerate(list(simple)):
                parent.insert(index + offset, child)  # keep the shown result
            parent.remove(simple)
            changed = True
    pieces: list = []
    depth = 0
    for element in root.iter(f"{{{W}}}fldChar", f"{{{W}}}instrText"):
        if element.tag == f"{{{W}}}fldChar":
            kind = element.get(f"{{{W}}}fldCharType")
            if kind == "begin":
                depth += 1
                if depth == 1:
                    pieces = []
            elif kind in ("separate", "end") and depth == 1 and pieces:
                if CALLING_FIELD.match("".join(p.text or "" for p in pieces)):
                    for piece in pieces:
                        piece.text = ""
                    changed = True
                pieces = []
            if kind == "end":
                depth = max(0, depth - 1)
        elif depth == 1:
            pieces.append(element)
    return changed


def _persons_and_dates(root) -> bool:
    changed = False
    for element in root.iter():
        for name in list(element.attrib):
            if name in PERSON_ATTRIBUTES:
                element.set(name, "")
                changed = True
            elif name in DATE_ATTRIBUTES or name.startswith(RSID_PREFIX):
                del element.attrib[name]
                changed = True
    return changed


def _excel_people(root, name: str) -> bool:
    """Comment authors (xl/comments*.xml) and threaded-comment persons lose their names."""
    changed = False
    if re.fullmatch(r"xl/comments\d*\.xml", name):
        for author in root.iter("{*}author"):
            author.text = ""
            changed = True
    if name.startswith("xl/persons/"):
        for person in root.iter("{*}person"):
            for attribute in ("displayName", "userId", "providerId"):
                if attribute in person.attrib:
                    person.set(attribute, "")
                    changed = True
    return changed


def clean_part(name: str, body: bytes, clean_image: Callable[[bytes, str], bytes]) -> bytes | None:
    """One part of the package, cleaned (or ``CannotClean``); None: leave the part out."""
    if dropped(name):
        return None
    reason = refused(name)
    if reason:
        raise CannotClean(reason)
    if name == CONTENT_TYPES:
        return _content_types(body)
    if name in EMPTY_PARTS:
        return EMPTY_PARTS[name].encode()
    lower = name.lower()
    # By the bytes, not the name (review R4-12: a TIFF, a GIF or a JPEG called .jfif kept its
    # EXIF); whatever sits in a media folder is a picture to clean or is refused.
    kind = media_kind(body)
    if kind == "opaque" or (kind is None and "media" in lower.split("/")[:-1]):
        raise CannotClean("media", posixpath.basename(name))
    if kind is not None:
        return clean_image(body, kind)
    if lower.endswith(".rels"):
        return _relationships(name, body)
    if not lower.endswith(".xml") or not any(marker in body.lower() for marker in MARKERS):
        return body
    root = _parse(body)
    changed = _persons_and_dates(root)
    if name == "word/settings.xml":
        changed = _settings(root) or changed
    if name == "word/people.xml":
        changed = _people(root) or changed
    if name.startswith("word/"):
        changed = _fields(root) or changed
    if name.startswith("xl/"):
        changed = _excel_people(root, name) or changed
    return _serialise(root) if changed else body
