"""campaign/pdf.py: A4, Japanese fonts embedded, nothing fetched from outside the static folder."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from campaign.pdf import embedded_fonts, render_pdf

A4_POINTS = (595.28, 841.89)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a4_with_japanese_fonts_embedded():
    pdf = render_pdf(
        '<html lang="ja"><body><h1>要請書</h1><p>総務大臣 殿</p>'
        "<p>令和元年5月1日</p></body></html>",
        "http://127.0.0.1/",
    )
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width, 1), round(height, 1)) == (round(A4_POINTS[0], 1), round(A4_POINTS[1], 1))
    fonts = embedded_fonts(pdf)
    assert fonts, "no font is embedded"
    assert all(("IPAex" in name or "CJK" in name) for name in fonts), fonts
    text = _text(pdf)
    for word in ("要請書", "総務大臣", "殿", "令和元年5月1日"):
        assert word in text


def test_document_page_rule_wins_and_static_styles_load():
    html = (
        '<html lang="ja"><head><link rel="stylesheet" href="/static/css/print.css">'
        "<style>@page { size: A4 landscape; }</style></head><body><p>別紙</p></body></html>"
    )
    page = PdfReader(io.BytesIO(render_pdf(html, "http://127.0.0.1/"))).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)


def test_no_resource_outside_the_static_folder(tmp_path, monkeypatch):
    """Text in a document cannot make the server read its own files or call another host."""
    import weasyprint.urls

    opened: list[str] = []
    real = weasyprint.urls.URLFetcher.fetch

    def spy(self, url, headers=None):
        opened.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", spy)
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        f'<html><head><link rel="stylesheet" href="file://{secret}">'
        '<link rel="stylesheet" href="http://169.254.169.254/latest">'
        '<link rel="stylesheet" href="/static/%2e%2e/pdf.py"></head>'
        f'<body><img src="file://{secret}"><img src="/static/../../wsgi.py">'
        "<p>本文</p></body></html>"
    )
    pdf = render_pdf(html, "http://127.0.0.1/")
    assert "本文" in _text(pdf)
    assert opened == [], opened  # the default fetcher (which would open them) is never used


def test_a_stylesheet_under_its_content_hashed_name_is_read_from_disk():
    """url_for("static") hands out hashed names; the PDF must still get its print styles."""
    from campaign.pdf import _static_fetcher

    fetcher = _static_fetcher("http://naishin.test/")
    response = fetcher.fetch("http://naishin.test/static/css/site.0123456789ab.css")
    assert response.status == 200
    assert response.read() == (Path("campaign/static/css/site.css")).read_bytes()
