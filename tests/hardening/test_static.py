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


def _sodium_urls(client, surveys) -> list[str]:
    survey = surveys.opened()
    page = client.get(f"/surveys/answer/{survey.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    urls = re.findall(r'src="(/static/surveys/sodium/[^"]+)"', page.get_data(as_text=True))
    assert [re.sub(r"\.[0-9a-f]{12}\.js$", ".js", url) for url in urls] == [
        "/static/surveys/sodium/libsodium.js",
        "/static/surveys/sodium/libsodium-wrappers.js",
    ], urls
    return urls


def test_libsodium_is_a_static_file_compressed_cached_and_unlogged(
    app, runner, database_url, surveys, monkeypatch
):
    """Review R4-17: libsodium (659 kB) was sent uncompressed and no-store on every visit."""
    from campaign import publicforms
    from surveys.public import SODIUM_FILES

    source = SODIUM_FILES["surveys/sodium/libsodium.js"].read_bytes()
    before = app.test_client()
    for url in _sodium_urls(before, surveys):  # before a build: plain, but already cached
        response = before.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    result = runner.invoke(args=["static", "build"])
    assert result.exit_code == 0, result.output
    fresh = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "ARGON2": dict(ARGON2_TESTING)}
    )
    client = fresh.test_client()
    urls = _sodium_urls(client, surveys)
    written = []
    monkeypatch.setattr(
        "gunicorn.glogging.Logger.access",
        lambda self, resp, req, environ, t: written.append(environ["PATH_INFO"]),
    )
    conf = __import__("campaign.gunicorn_conf", fromlist=["RespondentSafeLogger"])
    logger = conf.RespondentSafeLogger.__new__(conf.RespondentSafeLogger)
    for url in urls:
        brotli = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert brotli.status_code == 200 and brotli.headers["Content-Encoding"] == "br"
        assert brotli.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        assert "javascript" in brotli.headers["Content-Type"]
        gzip = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gzip.headers["Content-Encoding"] == "gzip"
        plain = client.get(url)
        assert "Content-Encoding" not in plain.headers and "Set-Cookie" not in plain.headers
        assert publicforms.is_unlogged({"PATH_INFO": url})
        logger.access(None, None, {"PATH_INFO": url}, None)
    assert written == []  # no access-log line for either file
    libsodium = client.get(urls[0], headers={"Accept-Encoding": "br"})
    assert int(libsodium.headers["Content-Length"]) < len(source) // 2  # 659 kB before
    assert client.get(urls[0]).get_data() == source
    assert client.get("/surveys/sodium/libsodium.js").status_code == 404  # the old route is gone
    fresh.extensions["naishin.engine"].dispose()
