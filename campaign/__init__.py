"""Naishin: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign import (
    config,
    datakey,
    dates,
    db,
    errors,
    forms,
    i18n,
    incoming,
    params,
    publicforms,
    quietlog,
    registry,
    responses,
    security,
    staticfiles,
    urls,
)
from campaign.access import enforce_login, is_cookieless_endpoint, staff_only
from campaign.application import Application
from campaign.extensions import csrf, limiter
from campaign.head import HeadAsGet
from campaign.validation import install as install_validation_messages

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app. Migrations are a separate command (``flask init``), never run here."""
    app = Application(
        __name__,
        instance_path=config.instance_path_from_env(str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
    )
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)  # keys and the database live here
    app.response_class = responses.Response  # a failed If-Match answers a short 412
    app.request_class = incoming.Request  # uploads in memory, never in a temporary file
    app.config.update(config.settings(instance))
    app.config.update(overrides or {})
    app.config["SECRET_KEY"] = (
        config.check_secret_key(app.config["SECRET_KEY"])
        if app.config.get("SECRET_KEY")
        else config.load_secret_key(instance)
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.wsgi_app = HeadAsGet(app.wsgi_app)  # a HEAD never goes down a view's write path
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    params.init_app(app)  # before any route is added
    datakey.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    app.before_request(security.refuse_cross_site_posts)  # before the CSRF check reads a form
    csrf.init_app(app)
    _csrf_hook_staff_only(app)
    install_validation_messages()
    forms.install()  # CSRF tokens without an id: several forms on one page repeated it
    limiter.init_app(app)
    _limit_decorated_views_only(app)
    publicforms.init_app(app)
    quietlog.init_app(app)  # no application log line during an unlogged request (R3-5)
    app.session_interface = security.SessionInterface()
    app.jinja_env.add_extension("jinja2.ext.do")
    dates.init_app(app)
    app.jinja_env.globals.update(external_url=urls.external_url, canonical_url=urls.canonical_url)

    app.context_processor(_template_helpers)
    app.before_request(security.reject_control_characters)
    app.before_request(_load_user)
    app.before_request(enforce_login)
    app.after_request(_finish_request)
    app.after_request(security.add_headers)
    errors.init_app(app)
    _register_blueprints(app)
    app.check_cookieless_views()
    _register_commands(app)
    staticfiles.init_app(app)
    return app


def _limit_decorated_views_only(app: Flask) -> None:
    """Take Flask-Limiter's ``before_request`` check off every request.

    That hook evaluates the default, application-wide and blueprint limits, and this app has
    none (extensions.py: ``default_limits=[]``, no ``RATELIMIT_DEFAULT`` or
    ``RATELIMIT_APPLICATION``): the throttled views (login, account set-up) carry their own
    ``@limiter.limit``, whose wrapper checks the limit when the view is called. The hook still
    cost about 50 µs on every request, pages and answers alike. If a default or application
    limit is ever configured, the hook stays.
    """
    if any(app.config.get(f"RATELIMIT_{kind}") for kind in ("DEFAULT", "APPLICATION", "META")):
        return
    manager = limiter.limit_manager
    if manager._default_limits or manager._application_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    hooks[:] = [hook for hook in hooks if hook != limiter._check_request_limit]
    _limiter_after_limited_requests_only(app)


def _limiter_after_limited_requests_only(app: Flask) -> None:
    """Run Flask-Limiter's after-request and teardown hooks only where a limit was checked.

    They deduct conditional limits, add rate-limit headers (off here) and reset the request's
    limiter state, all of which lives in a context the limiter makes on the request the first
    time a limit is checked; a request no limit looked at (every page but the throttled
    forms) has none, and the two hooks cost about 45 µs of each survey answer for nothing."""
    from flask.globals import request_ctx

    def limited() -> bool:
        return hasattr(request_ctx._get_current_object(), _LIMITER_CONTEXT)

    def wrap_after(hook):
        def after(response):
            return hook(response) if limited() else response

        return after

    def wrap_teardown(hook):
        def teardown(exc=None):
            if limited():
                hook(exc)

        return teardown

    after = app.after_request_funcs.get(None, [])
    after[:] = [wrap_after(h) if _is_limiters(h) else h for h in after]
    teardown = app.teardown_request_funcs.get(None, [])
    teardown[:] = [wrap_teardown(h) if _is_limiters(h) else h for h in teardown]


_LIMITER_CONTEXT = "_limiter_request_context"  # where Flask-Limiter keeps a request's state


def _is_limiters(hook) -> bool:
    func = getattr(hook, "func", hook)  # the after-request hook is a functools.partial
    return getattr(func, "__qualname__", "").startswith("Limiter.")


def _csrf_hook_staff_only(app: Flask) -> None:
    """Flask-WTF's CSRF check is a staff form's: not called on a cookieless page (the app
    refuses to start if a cookieless view takes posts without a form token of its own)."""
    hook = app.before_request_funcs[None][-1]  # the hook csrf.init_app just added
    if hook.__name__ != "csrf_protect":  # pragma: no cover - a Flask-WTF that hooks otherwise
        raise RuntimeError(f"Flask-WTF's CSRF hook not found (found {hook!r})")
    staff_only(hook)


def _load_user() -> None:
    """Who is asking: ``g.user`` is set by the user loader the auth feature registered
    (``registry.set_user_loader``); ``None`` for a visitor, and for a cookieless page."""
    g.user = None
    loader = registry.user_loader()
    if loader is not None:
        loader()


def _template_helpers() -> dict:
    return {
        "current_locale": dates.current_locale(),
        "menu": registry.menu_for(g.get("user")),
        # On a cookieless page even pending flash messages stay in their cookie, untouched.
        "cookieless": has_request_context() and is_cookieless_endpoint(request.endpoint),
    }


def _finish_request(response):
    db.finish(response.status_code)
    return response


def _register_blueprints(app: Flask) -> None:
    import campaign.models  # noqa: F401  (every table known before the first query)
    from campaign import features

    extra = tuple(app.config.get("EXTRA_FEATURES", ()))
    packages = list(features.packages(extra))
    list(features.modules("models", extra))  # a plug-in's (or a test fixture's) tables too
    registry.init_app(app, packages)
    for module in features.modules("views", packages):
        app.register_blueprint(module.bp)


def _register_commands(app: Flask) -> None:
    from campaign import cli, features

    cli.init_app(app)
    for module in features.modules("commands", app.extensions["naishin.features"]):
        app.cli.add_command(module.cli)
    for command in registry.commands():
        app.cli.add_command(command)
