"""Fixtures of the screen tests: the demo data, loaded through the real commands."""

from __future__ import annotations

import pytest

from tests.petitions.helpers import SECRET, PetitionFactory
from tests.screens.crawl import Demo, load_demo


@pytest.fixture
def demo(runner, session, make) -> Demo:
    """The demo data as ``make run`` loads it, plus an open petition with a signature."""
    site = load_demo(runner)
    outcome = runner.invoke(args=["formal", "demo"])
    assert outcome.exit_code == 0, outcome.output
    petitions = PetitionFactory(session, make)
    petition = petitions.opened()
    petitions.sign(petition, "山田太郎", "東京都港区芝公園1-5-25", secret=SECRET)
    return site
