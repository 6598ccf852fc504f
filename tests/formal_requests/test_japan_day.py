""" "Today" is the day in Japan (review R4-13): at 08:30 in Tokyo on 2 December, which is still
1 December in UTC, a request approved then is dated 2 December, the forms offer 2 December, and
the days waited count to 2 December."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from campaign.formal_requests import workflow
from campaign.formal_requests.models import FormalRequest
from tests.formal_requests.factories import FormalFactory

MORNING_IN_TOKYO = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 2026年12月2日 8:30 JST


@pytest.fixture(autouse=True)
def _morning(clock):
    clock.current = MORNING_IN_TOKYO


def offered(page: str, name: str) -> str:
    """The value a form offers in its date field ``name``."""
    (tag,) = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_a_request_approved_in_the_morning_is_dated_that_day_in_japan(people, auth, session):
    request = FormalFactory(session).request(people["drafter"], dated_on=None)
    workflow.approve(session, request, people["approver"])
    session.commit()
    assert request.dated_on == date(2026, 12, 2)
    auth.login(people["drafter"])
    printed = auth.client.get(f"/formal/{request.id}/print?calendar=western")
    assert "2026年12月2日" in printed.get_data(as_text=True)
    assert "2026年12月1日" not in printed.get_data(as_text=True)


def test_a_request_closed_in_the_morning_is_closed_that_day_in_japan(people, session):
    request = FormalFactory(session).request(people["drafter"], items=("一",))
    FormalFactory(session).answered(request, people["approver"], ["confirmed"])
    workflow.close(session, request, people["approver"])
    session.commit()
    assert request.closed_on == date(2026, 12, 2)


def test_the_forms_offer_the_day_in_japan(people, auth, session):
    auth.login(people["drafter"])
    new = auth.client.get("/formal/new").get_data(as_text=True)
    assert offered(new, "dated_on") == "2026-12-02"
    request = FormalFactory(session).request(people["drafter"], items=("一",))
    workflow.approve(session, request, people["approver"])
    session.commit()
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert offered(page, "sent_on") == "2026-12-02"
    workflow.send(session, request, people["approver"], sent_on=date(2026, 11, 2), how="郵送")
    session.commit()
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert offered(page, "met_on") == "2026-12-02"
    answers = auth.client.get(f"/formal/{request.id}/answers").get_data(as_text=True)
    assert offered(answers, "answered_on") == "2026-12-02"


def test_the_days_waited_count_to_the_day_in_japan(people, auth, session):
    """Sent on 2 November: on 2 December in Japan that is 30 days, headquarters' threshold."""
    request = FormalFactory(session).request(people["drafter"], items=("一",))
    workflow.approve(session, request, people["approver"])
    workflow.send(session, request, people["approver"], sent_on=date(2026, 11, 2), how="郵送")
    session.commit()
    auth.login(people["drafter"])
    overdue = auth.client.get("/formal/overdue").get_data(as_text=True)
    assert request.subject in overdue and "30 days" in overdue
    demands = auth.client.get("/formal/open").get_data(as_text=True)
    assert "30 days" in demands and "29 days" not in demands
    assert session.get(FormalRequest, request.id).sent_on == date(2026, 11, 2)
