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


@pytest.fixture(autouse=True)
def _generous_answer_limit(request):
    """Tests answer many times from one address; test_throttle sets its own limit."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["SURVEY_ANSWER_LIMIT"] = "100000 per minute"
