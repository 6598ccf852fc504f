"""The request's one commit (campaign/db.py ``finish`` and ``attempt``).

A request commits once when its status is below 500 and rolls back at 500 or above; a view
whose service raised after writing, and that answers below 500, keeps the rest of the
request's work but nothing the service wrote.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaign import db
from campaign.access import public
from campaign.audit import services as audit
from campaign.audit.models import AuditEntry


class DomainError(Exception):
    """What a service raises when a rule is broken."""


def _service(session) -> None:
    audit.record(session, "test.by_the_service")
    session.flush()
    raise DomainError("a rule was broken after writing")


@pytest.fixture
def routes(app):
    """Four views added to the test app before its first request."""

    @public
    def ok():
        audit.record(db.session(), "test.ok")
        return "ok"

    @public
    def refused():
        audit.record(db.session(), "test.refused")  # e.g. a failed login's entry
        return "refused", 400

    @public
    def crashed():
        audit.record(db.session(), "test.crashed")
        db.session().flush()
        raise RuntimeError("boom")

    @public
    def service_failed():
        audit.record(db.session(), "test.before_the_service")
        try:
            with db.attempt():
                _service(db.session())
        except DomainError:
            return "re-shown form", 400
        return "never", 200

    for view in (ok, refused, crashed, service_failed):
        # GET, so that no CSRF token is needed; marked as writing (public GETs are read-only).
        app.add_url_rule(f"/test/{view.__name__}", view.__name__, db.writes_on_get(view))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app.test_client()


def _count(session, action: str) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def test_below_500_commits(routes, session):
    assert routes.get("/test/ok").status_code == 200
    assert _count(session, "test.ok") == 1
    assert routes.get("/test/refused").status_code == 400
    assert _count(session, "test.refused") == 1


def test_500_rolls_back(routes, session):
    assert routes.get("/test/crashed").status_code == 500
    assert _count(session, "test.crashed") == 0


def test_a_service_that_raised_after_writing_leaves_nothing(routes, session):
    assert routes.get("/test/service_failed").status_code == 400
    assert _count(session, "test.before_the_service") == 1
    assert _count(session, "test.by_the_service") == 0
