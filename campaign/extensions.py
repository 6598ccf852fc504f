"""Flask extensions, created unbound and initialised in ``create_app``."""

from functools import cached_property

from flask import g, request
from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_wtf import CSRFProtect


def client_key() -> str:
    """The client a login throttle counts against (the address as seen behind the proxies)."""
    return request.remote_addr or "unknown"


class KeptDomain(Domain):
    """Flask-Babel's message domain, with the translations of the request's language kept for
    the request.

    Flask-Babel looks the language and its catalog up again on every message (the context, the
    locale, its name as a string: about 20 µs a message here, and an officer's dashboard shows
    about 80), so a page spent more on finding the catalog than on its figures. The catalog is
    kept on Flask-Babel's own per-request context beside the locale it is for, and used while
    that locale is the request's: ``force_locale`` (a formal document in Japanese on an English
    page) and ``refresh`` set another locale, so the catalog is found afresh for it."""

    def get_translations(self):
        """The catalog of the request's language (Flask-Babel's, looked up once per language)."""
        try:
            context = g._flask_babel
            locale = context.babel_locale
        except (AttributeError, RuntimeError):  # not chosen yet, or outside an app context
            return super().get_translations()
        kept = getattr(context, "naishin_translations", None)
        if locale is None or kept is None or kept[0] is not locale:
            kept = context.naishin_translations = (locale, super().get_translations())
        return kept[1]


class KeptBabel(Babel):
    """Flask-Babel, with the message domain above."""

    @cached_property
    def domain_instance(self):
        """The message domain for the translations (``KeptDomain``)."""
        return KeptDomain(domain=self.domain)


babel = KeptBabel()
csrf = CSRFProtect()
# Only the routes that ask for a limit have one; the storage is chosen in create_app.
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=False)
