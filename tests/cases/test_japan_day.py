""" "Today" is the day in Japan (review R4-13): at 08:30 in Tokyo on 2 December (still
1 December in UTC) a step of a case's timeline is offered 2 December, and an export made then
is named after 2 December."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from campaign.auth.models import Role
from tests.cases.factories import CaseFactory


def test_the_timeline_and_the_export_name_take_the_day_in_japan(auth, make, session, clock):
    clock.current = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 2026年12月2日 8:30 JST
    branch = make.branch()
    case = CaseFactory(session).case(branch)
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get(f"/cases/{case.id}").get_data(as_text=True)
    (step_date,) = re.findall(r'<input[^>]*name="happened_on"[^>]*>', page)
    assert 'value="2026-12-02"' in step_date
    for fmt in ("csv", "xlsx"):
        response = auth.client.get(f"/cases/export.{fmt}")
        assert response.status_code == 200
        assert f'filename="cases-20261202.{fmt}"' in response.headers["Content-Disposition"]
