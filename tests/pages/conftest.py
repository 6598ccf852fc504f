"""Fixtures for the information pages: the shipped content, an HQ member, an officer."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from tests.pages import factories


@pytest.fixture
def shipped(make):
    """The four shipped pages, published."""
    factories.load_shipped(make.session)


@pytest.fixture
def hq(make):
    """A headquarters account."""
    return make.user(role=Role.HQ)


@pytest.fixture
def officer(make):
    """A branch officer's account."""
    return make.user(role=Role.OFFICER)
