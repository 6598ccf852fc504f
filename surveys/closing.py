"""Closing by the system: a survey whose announced closing date has passed is closed, audited as
the system (``surveys close-due`` from cron, and the first writing request after the due time;
surveys/views.py). The closing itself is services.close_survey.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign import clock
from surveys.models import State, Survey
from surveys.services import close_survey


def is_due(survey: Survey, now: datetime | None = None) -> bool:
    """Whether an open survey's closing date has passed."""
    now = now or clock.now()
    return survey.state == State.OPEN and bool(survey.closes_at) and now >= survey.closes_at


def close_if_due(db: Session, survey: Survey) -> bool:
    """Close a survey whose date has passed, as the system (whoever's request noticed it)."""
    if is_due(survey):
        close_survey(db, survey, system=True)
        return True
    return False


def close_due(db: Session, *, shuffle: bool = True) -> list[Survey]:
    """Close every open survey whose date has passed (``surveys close-due``, and the check at
    the first request after a due time). Audited as the system."""
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
