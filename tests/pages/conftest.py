"""Fixtures for the information pages: the shipped content, an HQ member, an officer."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from tests.pages.factories import PageFactory


@pytest.fixture
def shipped(make):
    """The four shipped pages, published."""
    PageFactory(make.session).load_shipped()


@pytest.fixture
def hq(make):
    """A headquarters account."""
    return make.user(role=Role.HQ)


@pytest.fixture
def officer(make):
    """A branch officer's account."""
    return make.user(role=Role.OFFICER)
