"""Static files: hashed names cached for a year, Brotli and gzip sent precompressed, plain
names revalidated soon, and the answer page's no-store untouched."""

from __future__ import annotations

import re
from pathlib import Path

from campaign import create_app, staticfiles
from campaign.config import ARGON2_TESTING


def _css_url(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert match, "the page links no hashed stylesheet"
    return match.group(1)


def test_hashed_names_are_cached_for_a_year(client):
    url = _css_url(client)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "max-age=60, public"
    assert plain.get_data() == response.get_data()


def test_a_changed_file_gets_a_new_name():
    assert staticfiles.hashed_name("css/site.css", "abc") == "css/site.abc.css"
    assert staticfiles.hashed_name("favicon.svg", "abc") == "favicon.abc.svg"


def test_after_the_build_brotli_and_gzip_are_sent_precompressed(app, runner, database_url):
    result = runner.invoke(args=["static", "build"])
    assert result.exit_code == 0, result.output
    fresh = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "ARGON2": dict(ARGON2_TESTING)}
    )  # the build is served from the next start
    client = fresh.test_client()
    url = _css_url(client)
    brotli = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in brotli.headers["Vary"]
    gzip = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and b"{" in plain.get_data()
    fresh.extensions["naishin.engine"].dispose()


def test_a_stale_build_is_not_served(app, tmp_path):
    source, built = Path(app.static_folder), tmp_path / "built"
    staticfiles.build(source, built)
    hashes = staticfiles._hashes(source)
    assert staticfiles._served_from(source, built, hashes) == built
    (built / staticfiles.MANIFEST).write_text("{}")  # the files changed since the build
    assert staticfiles._served_from(source, built, hashes) == source


def test_files_of_unlogged_pages_stay_unlogged_under_hashed_names(client):
    from campaign import publicforms

    url = _css_url(client)  # css/site.css is loaded by the answer page
    assert publicforms.is_unlogged({"PATH_INFO": url})
    assert not publicforms.is_unlogged({"PATH_INFO": "/static/cases/cases.0123456789ab.css"})
