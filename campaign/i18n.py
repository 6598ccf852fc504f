"""Languages: Japanese first, English complete; the catalogs compile themselves."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request
from markupsafe import Markup

from campaign.extensions import babel

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANG_COOKIE = "naishin_lang"


def select_locale() -> str:
    """The language chosen with the switch, else the browser's preference, else Japanese.

    On a cookieless page (campaign/publicforms.py) no cookie is read: the language travels in
    the address instead (``?lang=en``).
    """
    from campaign.access import is_cookieless_endpoint

    languages = current_app.config["LANGUAGES"]
    if is_cookieless_endpoint(request.endpoint):
        chosen = request.args.get("lang")
    else:
        chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def compile_catalogs(target: Path) -> Path:
    """Compile every ``.po`` under translations/ into ``target`` when it is newer than its ``.mo``.

    Compiling into the instance folder keeps the source tree read-only in production and spares
    a newcomer the manual ``pybabel compile`` step.
    """
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        relative = po_path.relative_to(TRANSLATIONS).with_suffix(".mo")
        mo_path = target / relative
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        # A name of this process's own: two workers starting together each write their copy.
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog)
        tmp.replace(mo_path)  # atomic, so concurrent workers never read half a file
    return target


def init_app(app: Flask) -> None:
    """Compile the catalogs for this instance and point Flask-Babel at them."""
    compiled = compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    babel.init_app(app, locale_selector=select_locale)
    # Templates ask the domain directly (Flask-Babel's callables look it up again for every
    # message); it keeps the request's catalog (campaign/extensions.py, ``KeptDomain``).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_filter(sentences)


def _catalog():
    return babel.domain_instance.get_translations()


def sentences(parts) -> Markup:
    """Sentences one after another as the reader's language writes them: with a space between
    them in English, none in Japanese (「…です。うち…」, never 「…です。 うち…」).

    In a template: ``{{ [_("One."), _("Two.")]|sentences }}``; empty parts are left out.
    """
    from flask_babel import get_locale

    locale = get_locale()
    glue = "" if locale is not None and locale.language == "ja" else " "
    return Markup(glue).join(part for part in parts if part)  # noqa: S704 - the glue is a constant; parts are escaped by join
