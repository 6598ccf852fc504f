"""Fixtures of the formal-request tests: two HQ members, branches and their officers."""

from __future__ import annotations

import pytest

from campaign.auth.models import Role
from tests.cases.factories import CaseFactory


@pytest.fixture
def people(make, session):
    """``drafter`` and ``approver`` at headquarters; an officer each of Tokyo and Shiga."""
    CaseFactory(session).seed()
    tokyo, shiga = make.branch(prefecture="13"), make.branch(prefecture="25")
    return {
        "drafter": make.user(role=Role.HQ),
        "approver": make.user(role=Role.HQ),
        "tokyo": tokyo,
        "shiga": shiga,
        "officer": make.user(branch=tokyo),
        "colleague": make.user(branch=tokyo),
        "other": make.user(branch=shiga),
    }
