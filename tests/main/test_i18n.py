"""Japanese by default, English complete, a remembered switch, complete catalogs."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from campaign.i18n import TRANSLATIONS
from campaign.translate import extract


def test_japanese_is_the_default(app):
    page = app.test_client().get("/login", headers={"Accept-Language": ""})
    html = page.get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "ログイン" in html


def test_accept_language_is_honoured(app):
    page = app.test_client().get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_the_switch_is_remembered_and_stays_on_the_page(app):
    client = app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Staff login" in client.get("/login").get_data(as_text=True)
    client.get("/lang/ja?next=/login")
    assert "役職員ログイン" in client.get("/login", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_the_switch_does_not_redirect_elsewhere(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.get("/lang/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_an_unknown_language_is_404(client):
    assert client.get("/lang/xx").status_code == 404


def test_the_switch_is_on_every_page(client, auth, make):
    auth.login(make.user())
    for url in ("/", "/login", "/branches/", "/account", "/no-such-page"):
        html = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "/lang/ja?next=" in html and "English" in html, url  # the other is current


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_every_message_has_a_japanese_and_an_english_translation(tmp_path):
    """Extract afresh from the code, so that a new string without a translation fails here."""
    with extract(tmp_path / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    wanted = {m.id for m in template if m.id}
    assert len(wanted) > 100
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for lang in ("ja", "en"):
        catalog = _catalog(lang)
        missing = []
        for message_id in wanted:
            message = catalog.get(message_id)
            strings = (
                ()
                if message is None
                else (message.string if isinstance(message.string, tuple) else (message.string,))
            )
            if message is None or message.fuzzy or not all(strings):
                missing.append(message_id)
                continue
            source = message_id[0] if isinstance(message_id, tuple) else message_id
            for string in strings:
                assert set(placeholder.findall(string)) == set(placeholder.findall(source)), (
                    lang,
                    message_id,
                )
        assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {sorted(missing)[:3]}"


def test_the_committed_template_is_current(tmp_path):
    with extract(tmp_path / "messages.pot").open("rb") as handle:
        fresh = {m.id for m in read_po(handle) if m.id}
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert fresh == committed, "run: flask --app wsgi translations update"


def test_a_visitors_language_choice_ends_with_the_browser_session(app, auth, make):
    """Review R2-23: no year-long cookie on a member's (perhaps a workplace) browser."""
    visitor = app.test_client().get("/lang/en?next=/info/qa")
    cookie = visitor.headers["Set-Cookie"]
    assert (
        cookie.startswith("naishin_lang=en") and "Max-Age" not in cookie and "Expires" not in cookie
    )
    auth.login(make.user())
    staff = auth.client.get("/lang/en?next=/")
    assert "Max-Age=31536000" in staff.headers["Set-Cookie"]


def test_a_shared_link_with_tracking_arguments_opens_the_page(client):
    """Review R2-25: Facebook and LINE add ?fbclid= or ?utm_source= to every link."""
    for path in ("/info/confirmed?fbclid=IwAR0abc", "/info/confirmed?utm_source=line"):
        assert client.get(path).status_code == 200, path


def test_the_pending_translations_agree_with_the_catalog():
    """A pending file (translations/pending/) that still held a translation corrected later in
    the catalog undid the correction when applied with ``--overwrite`` (文書「%(name)s」 went
    back to 文書 %(name)s): each pending translation is the catalog's, and a message the code
    no longer has is gone from them too."""
    import json

    catalog = _catalog("ja")
    stale = []
    for path in sorted((TRANSLATIONS / "pending").glob("*.json")):
        for message_id, wanted in json.loads(path.read_text(encoding="utf-8")).items():
            message = catalog.get(message_id)
            held = None if message is None else message.string
            if isinstance(held, tuple):
                held = list(held)
            if held != wanted:
                stale.append((path.name, message_id))
    assert not stale, f"{len(stale)} stale pending translations, e.g. {stale[:3]}"


def test_a_language_forced_inside_a_request_is_used_then_undone(app):
    """The request's catalog is kept for the request (campaign/extensions.py); a language
    forced for a part of it (a Japanese document on an English page) is still honoured, in
    Python and in templates, and the request's own comes back after it."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    def both() -> tuple[str, str]:
        return gettext("Surveys"), render_template_string("{{ _('Surveys') }}")

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert both() == ("Surveys", "Surveys")
        with force_locale("ja"):
            assert both() == ("アンケート", "アンケート")
        assert both() == ("Surveys", "Surveys")
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        assert both() == ("アンケート", "アンケート")
        with force_locale("en"):
            assert both() == ("Surveys", "Surveys")
        assert both() == ("アンケート", "アンケート")
