"""Case tests: the standard categories exist in every test's database."""

from __future__ import annotations

import pytest

from tests.cases import factories


@pytest.fixture(autouse=True)
def _categories(session):
    factories.seed(session)
