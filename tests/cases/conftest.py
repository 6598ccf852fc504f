"""Case tests: the standard categories exist in every test's database."""

from __future__ import annotations

import pytest

from tests.cases.factories import CaseFactory


@pytest.fixture(autouse=True)
def _categories(session):
    CaseFactory(session).seed()
