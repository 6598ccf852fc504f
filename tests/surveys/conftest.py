"""Surveys fixtures; the helpers they use are in tests/surveys/helpers.py."""

from __future__ import annotations

import pytest

from tests.surveys.helpers import (
    SurveyFactory,
)


@pytest.fixture
def surveys(session, make) -> SurveyFactory:
    """``surveys.draft()``, ``surveys.opened()``."""
    return SurveyFactory(session, make)


@pytest.fixture
def japanese(client) -> None:
    """Pages in Japanese, as the browser of a union office asks for them (the test client
    asks for English)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"


@pytest.fixture
def hq(auth, make):
    """A headquarters account, logged in."""
    from campaign.auth.models import Role

    user = make.user(role=Role.HQ)
    auth.login(user)
    return user


@pytest.fixture(autouse=True)
def _generous_answer_limit(request):
    """Tests answer many times from one address; test_throttle sets its own limit."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["SURVEY_ANSWER_LIMIT"] = "100000 per minute"
