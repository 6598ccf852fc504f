"""Every whole number sent in a form fits the database's INTEGER columns (review R3-21: 2**31 and
above passed the forms and were 500s on PostgreSQL, whose INTEGER is 32 bits)."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from tests.helpers import csrf_token
from tests.surveys.helpers import SurveyFactory


# 400 digits: beyond a float, which WTForms' NumberRange compared it as (a 500 before).
@pytest.mark.parametrize("value", [str(2**31), str(2**63 - 1), "9" * 30, "9" * 400])
def test_a_number_too_large_for_the_database_is_refused_naming_the_field(
    client, auth, make, session, value
):
    survey = SurveyFactory(session, make).draft()
    auth.login(make.user(role=Role.HQ))
    url = f"/surveys/{survey.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="min_group"' in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "min_group": value})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "is too large a number." in text
    assert "must be a number from" not in text  # one message for the field, not two


def test_the_largest_storable_number_is_not_refused_for_its_size(app):
    from wtforms import Form, IntegerField

    from campaign.validation import storable_integer

    class Probe(Form):
        n = IntegerField("n", validators=[storable_integer])

    assert Probe(data={"n": 2**31 - 1}).validate()
    assert not Probe(data={"n": 2**31}).validate()
