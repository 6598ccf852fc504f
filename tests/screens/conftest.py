"""Fixtures of the screen tests: the demo data, loaded through the real commands."""

from __future__ import annotations

import pytest

from tests.screens.crawl import Demo, load_demo_site


@pytest.fixture
def demo(runner, session, make) -> Demo:
    """The demo data as ``make run`` loads it, plus an open petition with a signature."""
    return load_demo_site(runner, session, make)
