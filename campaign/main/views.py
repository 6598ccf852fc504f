"""The staff home page, the language switch and a health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from campaign import db, registry
from campaign.access import public
from campaign.i18n import LANG_COOKIE
from campaign.redirects import safe_next

bp = Blueprint("main", __name__)
registry.add_menu(_l("Home"), "main.home", order=10, audience="public", section=None)


@bp.get("/")
@public
def home():
    """The first page: for a visitor, the public front page; for a logged-in staff member, a
    card for every section their role opens (built from ``campaign.registry``, so a new
    feature's card appears by itself)."""
    user = g.get("user")
    if user is None:
        return front()
    return render_template("main/home.html", user=user, cards=registry.home_cards_for(user))


@bp.get("/welcome")
@public
def front():
    """The public front page: what the platform is for, the rights in brief, what is open to
    sign or answer (the features' front-page blocks), and where to read more. Staff reach it
    at /welcome; visitors at /."""
    return render_template(
        "main/front.html",
        blocks=registry.front_blocks(),
        code_entry=_first_endpoint(CODE_ENTRY_ENDPOINTS),
    )


# Where a member types a survey's invitation code, once the surveys feature offers such a page.
CODE_ENTRY_ENDPOINTS = ("surveys.code", "surveys.enter_code", "surveys.code_entry")


def _first_endpoint(names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in current_app.view_functions), None)


@bp.get("/lang/<code>")
@public
def switch_language(code: str):
    """Remember the chosen language and go back to the page the person was on: for a year for
    staff, and only until the browser closes for a visitor (a member reading on a workplace PC
    should leave no lasting trace of the union's site)."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = make_response(redirect(safe_next(request.args.get("next"))))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600 if g.get("user") is not None else None,
        httponly=True,
        samesite="Strict",
        secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
    )
    return response


@bp.get("/health")
@public
def health():
    """For the load balancer: answers 200 when the database answers."""
    db.session().execute(text("SELECT 1"))
    return {"status": "ok"}
