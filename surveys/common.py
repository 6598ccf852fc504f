"""What every staff and public page of surveys shares: the blueprint, the scoped loader, the
way back with a message, the page's language. Route modules import it; it imports none."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import get_locale

from campaign import db
from campaign.access import current_user, get_in_scope
from surveys import services
from surveys.models import Survey

bp = Blueprint("surveys", __name__)


def load(survey_id: int) -> Survey:
    """A survey the logged-in person may see (another branch's: 404)."""
    return get_in_scope(db.session(), Survey, survey_id, current_user())


def load_readable(survey_id: int) -> Survey:
    """A survey the logged-in person may look at, including (for an officer) a federation-wide
    one that is open or closed, read-only (services.readable); else 404."""
    survey = services.readable(db.session(), current_user(), survey_id)
    if survey is None:
        abort(404)
    return survey


def back(survey: Survey, message) -> Response:
    """Back to the survey's page with an error message."""
    flash(str(message), "error")
    return redirect(url_for("surveys.detail", survey_id=survey.id))


def locale() -> str:
    """The page's language."""
    return str(get_locale() or "ja")
