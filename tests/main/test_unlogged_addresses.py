"""No access-log line for any address of a public form, however it is typed (review R5-5,
SECURITY.md promise 1): a slash more or less, a junk suffix, a wrong method; the staff pages
under the same prefixes keep their line."""

from __future__ import annotations

import re
import time

from campaign import publicforms
from tests.helpers import Gunicorn
from tests.petitions.helpers import BASE_URL, PetitionFactory
from tests.surveys.helpers import SurveyFactory

CONVERTER = re.compile(r"<[^>]+>")


def _rules(app):
    """``(address with 1 for every variable part, whether its view is unlogged)`` of every
    route but the static files'."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        yield CONVERTER.sub("1", rule.rule), bool(getattr(view, "is_unlogged", False))


def _variants(path: str) -> list[str]:
    bare = path.rstrip("/")
    return [bare, bare + "/", bare + "x", bare + "/x", bare + "//", "/" + bare, bare.upper()]


def test_every_public_route_is_unlogged_however_typed_and_every_staff_route_logged(app):
    public = [path for path, unlogged in _rules(app) if unlogged]
    staff = [path for path, unlogged in _rules(app) if not unlogged]
    assert {"/petitions/", "/petitions/1", "/petitions/signature"} <= set(public)
    assert {"/surveys/answer/1", "/surveys/receipts/1", "/surveys/receipts/1/all.txt"} <= set(
        public
    )
    for path in public:  # a new public form must register its whole URL space
        for typed in _variants(path):
            assert publicforms.is_unlogged_path(typed), (path, typed)
    for path in staff:  # and no staff page may fall into one
        assert not publicforms.is_unlogged_path(path), path
    assert any(path.startswith("/petitions/manage") for path in staff)
    # Inside the staff area, its own typos are staff requests; a public look-alike is not.
    assert not publicforms.is_unlogged_path("/petitions/manage")
    assert not publicforms.is_unlogged_path("/petitions/manage/1/edit/")
    assert publicforms.is_unlogged_path("/petitions/managex")


def test_a_redirect_or_a_wrong_method_to_a_public_view_is_flagged(app, monkeypatch):
    """Outside any prefix too: the 308 that adds a slash and a 405 reach no view, so the flag
    comes from the endpoint they were meant for."""
    seen = {}
    wsgi = app.wsgi_app

    def spy(environ, start_response):
        seen["environ"] = environ
        return wsgi(environ, start_response)

    app.wsgi_app = spy
    client = app.test_client()
    monkeypatch.setattr(publicforms, "_UNLOGGED_PREFIXES", {})  # the endpoint alone decides
    try:
        assert client.get("/petitions").status_code == 308
        assert seen["environ"].get(publicforms.ENVIRON_FLAG)
        assert client.delete("/petitions/1").status_code == 405
        assert seen["environ"].get(publicforms.ENVIRON_FLAG)
        assert client.get("/petitions/1/").status_code == 404  # no endpoint: the prefix's job
        assert not seen["environ"].get(publicforms.ENVIRON_FLAG)
        assert client.get("/petitions/manage").status_code == 308
        assert not seen["environ"].get(publicforms.ENVIRON_FLAG)
        assert client.delete("/login").status_code == 405
        assert not seen["environ"].get(publicforms.ENVIRON_FLAG)
    finally:
        app.wsgi_app = wsgi


def test_under_gunicorn_no_public_address_leaves_an_access_line(
    app, database_url, session, make, tmp_path
):
    petition = PetitionFactory(session, make).opened()
    survey = SurveyFactory(session, make).opened()
    p, s = petition.id, survey.id
    public = [
        "/petitions",
        "/petitions/",
        "/petitions/x",
        f"/petitions/{p}",
        f"/petitions/{p}/",
        f"/petitions/{p}x",
        f"/petitions/{p}/sign",
        f"//petitions/{p}",
        f"/Petitions/{p}",
        "/petitions/signature",
        "/petitions/signature/",
        "/petitions/signaturex",
        "/surveys/answer",
        "/surveys/answer/",
        f"/surveys/answer/{s}",
        f"/surveys/answer/{s}/",
        f"/surveys/answer/{s}x",
        "/surveys/receipts",
        "/surveys/receipts/",
        f"/surveys/receipts/{s}",
        f"/surveys/receipts/{s}/",
        f"/surveys/receipts/{s}/all.txt",
        f"/surveys/receipts/{s}/all.txtx",
    ]
    staff = ["/petitions/manage", "/petitions/manage/", f"/petitions/manage/{p}/edit", "/login"]
    server = Gunicorn(
        database_url,
        tmp_path,
        NAISHIN_BASE_URL=BASE_URL,
        NAISHIN_TRUSTED_HOSTS="127.0.0.1",
        NAISHIN_DATA_KEY=app.extensions["naishin.data_key"].hex(),
    )
    with server:
        statuses = {}
        for path in public:
            # http.client follows no redirect: the 308 itself is what is asked.
            statuses[path] = _status(f"{server.base}{path}")
        statuses["DELETE /petitions/1"] = _status(f"{server.base}/petitions/{p}", "DELETE")
        statuses["POST /petitions/"] = _status(f"{server.base}/petitions/", "POST")
        for path in staff:
            _status(f"{server.base}{path}")
        time.sleep(0.5)
    assert statuses["/petitions"] == 308 and statuses[f"/petitions/{p}/"] == 404
    assert statuses[f"/surveys/answer/{s}"] == 200 and statuses["/surveys/answer"] == 404
    assert statuses["DELETE /petitions/1"] == 405
    lines = [line for line in server.log_path.read_text().splitlines() if "HTTP/1.1" in line]
    public_lines = [
        line
        for line in lines
        if re.search(r"/(petitions|surveys)", line, re.I) and "/petitions/manage" not in line
    ]
    assert public_lines == [], public_lines
    for path in staff:  # the staff pages keep their line
        assert any(f'"GET {path} HTTP/1.1"' in line for line in lines), (path, lines)


def _status(url: str, method: str = "GET") -> int:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, parts.path, headers={"Origin": f"http://{parts.netloc}"})
        return connection.getresponse().status
    finally:
        connection.close()
