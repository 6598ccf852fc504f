"""What every page of formal requests shares: the blueprint, the page's language, the form
status rule and the scoped loader. Route modules import it; it imports none of them."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import get_locale

from campaign import db
from campaign.access import current_user, get_in_scope
from campaign.formal_requests.models import FormalRequest
from campaign.forms import form_status

bp = Blueprint("formal", __name__)


def locale() -> str:
    """The page's language."""
    return str(get_locale() or "ja")


def status_of(form) -> int:
    """400 when the form has errors, else 200 (the platform's rule)."""
    return form_status(form)


def load(request_id: int) -> FormalRequest:
    """The request if this person may see it, else 404."""
    return get_in_scope(db.session(), FormalRequest, request_id, current_user())
