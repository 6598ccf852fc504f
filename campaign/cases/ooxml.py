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
* images inside the package are re-encoded like uploaded images (EXIF and GPS gone).

Refused: any other reference to outside the package (a linked image, an external workbook, an
OLE link) that cannot be removed without breaking the document, and XML that does not parse.
"""

from __future__ import annotations

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
# Attributes that name or date a person's edit, in any WordprocessingML part.
PERSON_ATTRIBUTES = {f"{{{W}}}author", f"{{{W}}}initials", f"{{{W15}}}author"}
DATE_ATTRIBUTES = {f"{{{W}}}date"}
CALLING_FIELD = re.compile(r"^\s*(INCLUDEPICTURE|INCLUDETEXT|LINK|DDEAUTO|DDE|IMPORT)\b", re.I)
# Cheap byte tests: only parts that may hold something to remove are parsed.
MARKERS = (b"author", b"initials", b"include", b"link", b"dde", b"import", b"instr", b"person")

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=False
)


class CannotClean(ValueError):
    """The part holds something this pass cannot remove safely; ``reason`` says what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse(body: bytes):
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise CannotClean("xml") from error


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _relationships(body: bytes) -> bytes:
    """Drop the external template link; refuse other external targets except hyperlinks."""
    root = _parse(body)
    changed = False
    for rel in list(root):
        if rel.get("TargetMode") != "External":
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


def _settings(root) -> bool:
    """The template reference in word/settings.xml goes with its relationship."""
    found = root.findall(f"{{{W}}}attachedTemplate")
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
            elif name in DATE_ATTRIBUTES:
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


def clean_part(name: str, body: bytes, clean_image: Callable[[bytes, str], bytes]) -> bytes:
    """One part of the package, cleaned (or ``CannotClean``)."""
    if name in EMPTY_PARTS:
        return EMPTY_PARTS[name].encode()
    lower = name.lower()
    if lower.endswith((".jpg", ".jpeg")):
        return clean_image(body, "jpeg")
    if lower.endswith(".png"):
        return clean_image(body, "png")
    if lower.endswith(".rels"):
        return _relationships(body) if b"External" in body else body
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
