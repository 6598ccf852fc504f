"""PDF documents made on the server (WeasyPrint) with the Japanese fonts embedded.

A formal request, a petition's cover sheet or a flyer is handed to a ministry or printed at a
branch on whatever machine is there: the PDF must carry its own fonts, or a reader without
them substitutes a Chinese or a sans-serif face (or boxes). WeasyPrint embeds (a subset of)
every font it uses; this module makes sure the fonts it uses are Japanese ones: IPAex Mincho
(Debian's ``fonts-ipaexfont-mincho``) first, Noto Serif/Sans CJK JP (``fonts-noto-cjk``) after
it. The Makefile's ``browser`` step installs both, as it installs chromium.

The HTML handed in is rendered with a URL fetcher that reads only the app's own static files:
a PDF never makes a network request and never reads another file of the machine, whatever a
template (or text in it) names.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

STATIC = Path(__file__).resolve().parent / "static"

#: Font families, best first. The names are those fontconfig knows the fonts by.
SERIF_FAMILIES = ("IPAexMincho", "IPAex明朝", "Noto Serif CJK JP")
SANS_FAMILIES = ("IPAexGothic", "Noto Sans CJK JP")

#: Prepended to every document's own styles: a Japanese face wherever the document did not
#: choose one.
_FAMILIES = ", ".join(f'"{name}"' for name in (*SERIF_FAMILIES, *SANS_FAMILIES))
BASE_CSS = "@page { size: A4 portrait; }\nhtml { font-family: " + _FAMILIES + ", serif; }\n"


class PdfResourceRefused(ValueError):
    """A document named a resource outside the app's static files."""


_HASHED = re.compile(r"\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$")


def _static_fetcher(base_url: str):
    """A WeasyPrint URL fetcher that serves ``/static/...`` from disk and refuses the rest."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = urlsplit(base_url)

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            same_site = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
            if not same_site or not parts.path.startswith("/static/"):
                raise PdfResourceRefused(url)
            name = unquote(parts.path[len("/static/") :])
            # url_for("static") hands out content-hashed names (campaign/staticfiles.py):
            # css/print.3f2a1b9c04d1.css is css/print.css on disk.
            name = _HASHED.sub(r"\1", name)
            path = (STATIC / name).resolve()
            if not path.is_relative_to(STATIC) or not path.is_file():
                raise PdfResourceRefused(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": content_type}, status=200
            )

    return StaticOnly(allowed_protocols=("data", "http", "https"))


def render_pdf(html: str, base_url: str) -> bytes:
    """Render an HTML document to PDF bytes with embedded Japanese fonts.

    ``base_url`` is the address the document's relative links resolve against (in a view:
    ``request.url_root``); stylesheets are read from the app's static folder without a request.
    The page size is A4 portrait unless the document's own ``@page`` rule says otherwise.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    document = HTML(string=html, base_url=base_url, url_fetcher=_static_fetcher(base_url))
    return document.write_pdf(
        stylesheets=[CSS(string=BASE_CSS, font_config=fonts)],
        font_config=fonts,
        # Subsetting keeps a one-page request near 100 kB instead of several MB per face.
        uncompressed_pdf=False,
    )


def embedded_fonts(pdf: bytes) -> list[str]:
    """The base names of the fonts a PDF embeds (a font file present in its descriptor).

    Used by the tests of every feature that makes PDFs, and handy when checking a document.
    """
    import io

    from pypdf import PdfReader

    names: list[str] = []
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            descriptors = [font.get("/FontDescriptor")]
            for descendant in font.get("/DescendantFonts") or []:
                descriptors.append(descendant.get_object().get("/FontDescriptor"))
            for descriptor in descriptors:
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    name = str(font.get("/BaseFont", ""))
                    if name not in names:
                        names.append(name)
    return names
