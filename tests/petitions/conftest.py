"""Petitions fixtures; the helpers they use are in tests/petitions/helpers.py."""

from __future__ import annotations

import pytest

from tests.petitions.helpers import (
    BASE_URL,
    Outbox,
    PetitionFactory,
)


@pytest.fixture
def petitions(session, make) -> PetitionFactory:
    """``petitions.opened()``, ``petitions.sign(p, name, address)``."""
    return PetitionFactory(session, make)


@pytest.fixture
def outbox(app):
    """A local SMTP server the app sends to, with the base URL links are made from."""
    box = Outbox()
    box.runner = app.test_cli_runner()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, BASE_URL=BASE_URL)
    yield box
    box.stop()
