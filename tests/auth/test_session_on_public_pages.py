"""A staff member's session on public pages, which run without the write lock (campaign/db.py)."""

from __future__ import annotations

from sqlalchemy import select

from campaign.auth.models import StaffSession


def test_public_pages_serve_a_logged_in_person_whose_session_is_minutes_old(
    client, auth, make, clock
):
    auth.login(make.user())
    clock.advance(minutes=2)  # past the once-a-minute touch, which a public GET must not write
    for path in ("/", "/info/"):
        assert client.get(path).status_code == 200
    assert client.get("/account").status_code == 200  # the session is still good


def test_an_expired_session_on_a_public_page_is_a_visitor_then_removed_by_a_staff_page(
    client, auth, make, clock, session
):
    auth.login(make.user())
    clock.advance(minutes=31)
    assert client.get("/").status_code == 200
    assert client.get("/account").status_code == 302  # back to the login
    assert session.scalar(select(StaffSession)) is None
