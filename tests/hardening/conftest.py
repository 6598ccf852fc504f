"""Hardening tests: the standard case categories exist, and the survey factory is at hand."""

from __future__ import annotations

import pytest

from tests.cases.factories import CaseFactory
from tests.surveys.helpers import SurveyFactory


@pytest.fixture(autouse=True)
def _categories(session):
    CaseFactory(session).seed()


@pytest.fixture
def surveys(session, make) -> SurveyFactory:
    """Drafts and opened surveys, as in the survey tests."""
    return SurveyFactory(session, make)
