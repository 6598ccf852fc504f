"""What every page of formal requests shares: the blueprint, the page's language, the form
status rule and the scoped loader. Route modules import it; it imports none of them."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import get_locale

from campaign import db
from campaign.access import current_user, get_in_scope
from campaign.audit import services as audit
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


def audit_read(formal: FormalRequest, action: str = "formal_request.viewed") -> None:
    """One audit entry for a page that shows a request's wording (the page, its revisions,
    one past revision, the chain of rounds): every reading leaves a trace, as a case's does."""
    audit.record(
        db.session(),
        action,
        object_kind="formal_request",
        object_id=formal.id,
        branch_id=formal.branch_id,
    )


def audit_list(user, action: str, **shown: str | None) -> None:
    """One audit entry for a page that lists requests, or their items across requests (the
    list, the overdue answers, the open demands), as the cases list does: it names what chose
    the rows (``shown``: a filter as validated, never as typed, which the chained log would keep
    for good), not the rows, and the reader's branch (none for headquarters)."""
    audit.record(
        db.session(),
        action,
        object_kind="formal_request",
        branch_id=None if user.is_hq else user.branch_id,
        reason=" ".join(f"{k}={v}" for k, v in sorted(shown.items()) if v) or None,
    )
