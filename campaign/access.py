"""Who may reach what: deny by default, role checks, branch scoping.

Every view needs a logged-in staff member unless it is marked ``@public``. Role checks answer
403 (the person knows the page exists but may not use it). Records of another branch answer
404, so that an officer cannot even learn that they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Protocol, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

F = TypeVar("F", bound=Callable)
M = TypeVar("M")

# The roles, as the auth feature's ``Role`` values (a StrEnum, so they compare equal).
ADMIN, HQ, OFFICER = "admin", "hq", "officer"


class User(Protocol):
    """What access checks need of a logged-in person (``campaign.auth.models.User``, which
    the auth feature loads into ``g.user``; the platform does not import it)."""

    role: str
    branch_id: int | None

    @property
    def is_hq(self) -> bool: ...

    def can_see_branch(self, branch_id: int | None) -> bool: ...


def public(view: F) -> F:
    """Declare a view reachable without logging in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def cookieless(view: F) -> F:
    """Declare a public view that must neither read nor touch any cookie (a survey's answer
    page: not even an expired staff session is cleared there, since that sets a cookie)."""
    view.is_cookieless = True  # type: ignore[attr-defined]
    return public(view)


def staff_only(hook: F) -> F:
    """Mark a ``before_request`` hook that has nothing to do on a cookieless page (it looks for
    a staff member, a session or a staff form): it is not called there (campaign/application.py
    ``preprocess_request``)."""
    hook.staff_only = True  # type: ignore[attr-defined]
    return hook


def is_cookieless_endpoint(endpoint: str | None) -> bool:
    """Whether the endpoint was declared ``@cookieless``."""
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "is_cookieless", False))


def is_public_endpoint(endpoint: str | None) -> bool:
    """Whether the endpoint was declared public (static files always are)."""
    if endpoint is None:
        return True  # no route matched: let Flask answer 404 or 405
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


@staff_only
def enforce_login():
    """``before_request`` hook: send anonymous visitors of private pages to the login form."""
    if is_public_endpoint(request.endpoint) or g.get("user") is not None:
        return None
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(401)


def current_user() -> User:
    """The logged-in staff member (private views only)."""
    user = g.get("user")
    if user is None:  # pragma: no cover - enforce_login runs first
        abort(401)
    return user


def roles_required(*roles: str) -> Callable[[F], F]:
    """Refuse with 403 anyone whose role is not listed."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


hq_required = roles_required(HQ, ADMIN)
admin_required = roles_required(ADMIN)


def scope_to_branch(stmt: Select, branch_column: InstrumentedAttribute, user: User) -> Select:
    """Limit a query to the records the user may see: officers get their own branch only."""
    if user.is_hq:
        return stmt
    return stmt.where(branch_column == user.branch_id)


def get_in_scope(db: Session, model: type[M], ident: object, user: User, *, branch=None) -> M:
    """Load one record the user may see, or answer 404.

    ``branch`` names how to find the record's branch id: an attribute name (default
    ``branch_id``) or a function of the record.
    """
    record = db.get(model, ident)
    if record is None:
        abort(404)
    branch_id = branch(record) if callable(branch) else getattr(record, branch or "branch_id")
    if not user.can_see_branch(branch_id):
        abort(404)
    return record
