"""An unhandled error gets the platform's own 500 page, even when it left the request's session
broken (review R3-8: after a failed flush the error page itself crashed)."""

from __future__ import annotations

from datetime import UTC, datetime

from campaign import db
from campaign.audit import services as audit
from campaign.audit.models import AuditEntry


def test_a_failed_flush_still_gets_the_platforms_error_page(app, session, auth, make, caplog):
    first = audit.record(session, "case.viewed", object_kind="case", object_id=1, system=True)
    session.commit()

    def clash():
        """Adds an entry whose key is taken: the flush fails and the session needs a rollback."""
        request_session = db.session()
        request_session.add(
            AuditEntry(
                seq=first.seq,
                at=datetime.now(UTC),
                action="x",
                prev_hash="a" * 64,
                hash="b" * 64,
            )
        )
        request_session.flush()

    app.add_url_rule("/test/clash", "test_clash", clash)
    auth.login(make.user())  # a staff member's page: the menu reads the session
    response = auth.client.get("/test/clash")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "<title>" in page and 'class="skip-link"' in page  # the platform's page, not bare
    crashes = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(crashes) == 1  # one traceback: the error page did not fail in turn
