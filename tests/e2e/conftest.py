"""Real-browser fixtures: the app served on a local port, Debian's chromium driven by Playwright.

The browser tests use the real clock (a person types the authenticator code of the moment).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from campaign import create_app
from campaign.config import ARGON2_TESTING
from campaign.extensions import limiter
from tests import factories

CHROMIUM = os.environ.get("NAISHIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder as a browser test."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"chromium is missing at {CHROMIUM}; .ci/run installs it")
        pytest.skip(f"no chromium at {CHROMIUM}: run `make test` as root to install it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_app(database_url, tmp_path, monkeypatch):
    """The app on the test's database, with the real clock."""
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("NAISHIN_SECRET_KEY", raising=False)
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "ARGON2": dict(ARGON2_TESTING),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    limiter.reset()
    yield app
    app.extensions["naishin.engine"].dispose()


@pytest.fixture
def live_server(live_app) -> Iterator[str]:
    """Serve the app on a free local port; yield its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_make(live_app, session) -> factories.Factory:
    """Factories for the live app's database."""
    return factories.Factory(live_app, session)


@pytest.fixture
def demo(runner, session, make):
    """The demo data (tests/screens/crawl.py), for the tests that walk every page."""
    from tests.screens.crawl import load_demo_site

    return load_demo_site(runner, session, make)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on a phone-or-desk sized window, in Japanese."""
    context = browser.new_context(locale="ja-JP", base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
