"""The pictures inside an uploaded PDF, without the metadata their own encoding carries.

A PDF made from a phone's photo or by a scanning app embeds the JPEG as it was taken, EXIF
included: the camera, its owner's name and the GPS position (review R4-12). A JPEG
(``/DCTDecode``) picture keeps its pixels byte for byte; only the segments that describe it go
(APP0–APP15 but Adobe's APP14, which tells the decoder how the colours are transformed; COM;
anything after the end of the image, such as a second picture a phone appends). The PDF's own
dictionary carries the colour space, so JFIF, EXIF and ICC segments are not needed to show it.
A JPEG 2000 (``/JPXDecode``) picture keeps XML and UUID boxes that cannot be told apart from the
colour data safely: the file is refused. Other filters (Flate, LZW, CCITT, run length) hold only
the pixels.

Inline images (``BI … ID … EI`` in a content stream) may be JPEGs too: they are turned into
image objects first (QPDF's ``externalizeInlineImages``), then cleaned like the others.
"""

from __future__ import annotations

DCT = {"/DCTDecode", "/DCT"}  # the inline-image abbreviation too
JPX = "/JPXDecode"
_ADOBE_APP14 = 0xEE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and the restart markers have no length


class CannotClean(ValueError):
    """A picture this pass cannot clean; ``reason`` is ``"jpx"``, ``"encoding"`` (a filter
    chain it cannot undo) or ``"damaged"`` (a JPEG whose segments do not add up)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def jpeg_without_metadata(data: bytes) -> bytes:
    """The JPEG's segments without APPn (but Adobe's APP14) and COM, ending at its EOI."""
    if not data.startswith(b"\xff\xd8"):
        raise CannotClean("damaged")
    out = [b"\xff\xd8"]
    i, end = 2, len(data)
    while i < end:
        if data[i] != 0xFF:
            raise CannotClean("damaged")
        while i < end and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= end:
            break
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI: what follows (an appended picture, a video) is dropped
            break
        if marker in _STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2 or i + length > end:
            raise CannotClean("damaged")
        segment = data[i : i + length]
        i += length
        metadata = 0xE0 <= marker <= 0xEF or marker == 0xFE
        if not metadata or (marker == _ADOBE_APP14 and segment[2:7] == b"Adobe"):
            out.append(bytes((0xFF, marker)) + segment)
        if marker == 0xDA:  # start of scan: the coded pixels run to the next real marker
            start = i
            while (i := data.find(b"\xff", i)) != -1 and i + 1 < end:
                if data[i + 1] != 0x00 and not 0xD0 <= data[i + 1] <= 0xD7:
                    break
                i += 2
            else:
                i = end  # cut short without an EOI: kept as it is, as readers show it
            out.append(data[start:i])
    out.append(b"\xff\xd9")
    return b"".join(out)


def _filters(obj, pikepdf) -> list[str]:
    value = obj.get("/Filter")
    if value is None:
        return []
    return [str(f) for f in value] if isinstance(value, pikepdf.Array) else [str(value)]


def _content(owner, pikepdf) -> bytes:
    """A page's content streams (one or an array) or a form's or pattern's own content."""
    if isinstance(owner, pikepdf.Stream):
        return owner.read_bytes()
    contents = owner.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(part.read_bytes() for part in contents)
    return contents.read_bytes() if isinstance(contents, pikepdf.Stream) else b""


def _has_jpeg_inline_image(owner, pikepdf) -> bool:
    # Parsing a content stream in Python is slow (seconds for a long document): only those
    # that may hold an inline image whose filter is, or is spelt with #xx escapes as, DCT.
    content = _content(owner, pikepdf)
    if b"BI" not in content or not any(mark in content for mark in (b"/DCT", b"/JPX", b"#")):
        return False
    for instruction in pikepdf.parse_content_stream(owner):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            filters = instruction.iimage.filters
            if any(str(f) in DCT or str(f) == JPX for f in filters):
                return True
    return False


def _externalize_jpeg_inline_images(pdf, pikepdf) -> None:
    """Turn the inline JPEGs of pages, forms, patterns and annotation appearances into image
    objects (only where there are some: other inline images stay as they are)."""
    owners = [page.obj for page in pdf.pages]
    owners += [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Stream)
        and (obj.get("/Subtype") == pikepdf.Name.Form or "/PatternType" in obj)
    ]
    for owner in owners:
        if not _has_jpeg_inline_image(owner, pikepdf):
            continue
        if isinstance(owner, pikepdf.Stream) and "/Resources" not in owner:
            # A form using its page's resources: its own would hide them (fonts, colours).
            raise CannotClean("encoding")
        pikepdf.Page(owner).externalize_inline_images(min_size=0, shallow=True)


def clean_images(pdf, pikepdf) -> None:
    """Clean every JPEG stream of the PDF in place, or raise ``CannotClean``."""
    _externalize_jpeg_inline_images(pdf, pikepdf)
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        filters = _filters(obj, pikepdf)
        if JPX in filters:
            raise CannotClean("jpx")
        if not any(f in DCT for f in filters):
            continue
        if filters[-1] not in DCT or len([f for f in filters if f in DCT]) > 1:
            raise CannotClean("encoding")
        parms = obj.get("/DecodeParms")
        if len(filters) == 1:
            jpeg = obj.read_raw_bytes()
        else:
            # A JPEG compressed again (Flate over DCT): undo the outer filters only.
            outer = pikepdf.Stream(pdf, obj.read_raw_bytes())
            outer.Filter = pikepdf.Array([pikepdf.Name(f) for f in filters[:-1]])
            if isinstance(parms, pikepdf.Array):
                outer.DecodeParms = pikepdf.Array(list(parms)[:-1])
            try:
                jpeg = outer.read_bytes()
            except pikepdf.PdfError as error:
                raise CannotClean("encoding") from error
        if isinstance(parms, pikepdf.Array):
            parms = parms[len(filters) - 1] if len(parms) >= len(filters) else None
        if not isinstance(parms, pikepdf.Dictionary):
            parms = None
        obj.write(jpeg_without_metadata(jpeg), filter=pikepdf.Name.DCTDecode, decode_parms=parms)
