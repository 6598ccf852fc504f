"""Closing by the system: a survey whose announced closing date has passed is closed, audited as
the system (``surveys close-due`` from cron, and the first staff request after the due time;
surveys/views.py). The closing itself is services.close_survey.

A public (cookieless) request never closes anything, nor does any request without a logged-in
staff member (review R4-15): the closing's audit entry would carry the moment a member answered
just too late, opened the page after the date, or mistyped its address. A public page only
refuses by the date (services.accepting), which needs no closing.
"""

from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.access import is_cookieless_endpoint
from surveys.models import State, Survey
from surveys.services import close_survey


def is_due(survey: Survey, now: datetime | None = None) -> bool:
    """Whether an open survey's closing date has passed."""
    now = now or clock.now()
    return survey.state == State.OPEN and bool(survey.closes_at) and now >= survey.closes_at


def may_close() -> bool:
    """Whether this moment may close a survey: a command (no request), or a logged-in staff
    member's request; never a public (cookieless) one, whose time may be a member's."""
    if not has_request_context():
        return True
    return g.get("user") is not None and not is_cookieless_endpoint(request.endpoint)


def close_if_due(db: Session, survey: Survey) -> bool:
    """Close a survey whose date has passed, as the system (whichever staff request or cron
    run noticed it; never a public request)."""
    if is_due(survey) and may_close():
        close_survey(db, survey, system=True)
        return True
    return False


def close_due(db: Session, *, shuffle: bool = True) -> list[Survey]:
    """Close every open survey whose date has passed (``surveys close-due``, and the check at
    the first staff request after a due time; nothing during a public request). Audited as the
    system."""
    if not may_close():
        return []
    now = clock.now()
    due = db.scalars(
        select(Survey).where(Survey.state == State.OPEN, Survey.closes_at <= now)
    ).all()
    for survey in due:
        close_survey(db, survey, system=True, shuffle=shuffle)
    return list(due)


def next_due(db: Session) -> datetime | None:
    """The earliest closing date of an open survey."""
    return db.scalar(
        select(func.min(Survey.closes_at)).where(
            Survey.state == State.OPEN, Survey.closes_at.is_not(None)
        )
    )
