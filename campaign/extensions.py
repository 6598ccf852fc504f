"""Flask extensions, created unbound and initialised in ``create_app``."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_wtf import CSRFProtect


def client_key() -> str:
    """The client a login throttle counts against (the address as seen behind the proxies)."""
    return request.remote_addr or "unknown"


babel = Babel()
csrf = CSRFProtect()
# Only the routes that ask for a limit have one; the storage is chosen in create_app.
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=False)
