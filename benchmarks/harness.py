"""What the page benchmarks share: an empty database, a bare page to compare with, and rates
measured in interleaved batches (best of several), so that a stall of this shared machine hurts
one batch of one page rather than a whole measurement.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, render_template
from sqlalchemy import text

from campaign import migrate
from campaign.access import public
from campaign.db import make_engine

BARE = (
    '{% extends "base.html" %}{% block title %}Bare{% endblock %}'
    "{% block content %}<h1>Bare</h1>{% endblock %}"
)
BARE_PATH = "/bench/bare"


def empty_database(url: str) -> None:
    """Migrate a fresh database; a PostgreSQL one is emptied first (never point it at data)."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)


def add_bare_page(app: Flask) -> str:
    """A public page that renders base.html and nothing else: the baseline."""
    template = app.jinja_env.from_string(BARE)  # compiled once, like a template file

    @public
    def bench_bare():
        return render_template(template)

    app.add_url_rule(BARE_PATH, "bench_bare", bench_bare)
    return BARE_PATH


def rate(
    client,
    url: str,
    batch: int,
    *,
    headers: dict | None = None,
    status: int = 200,
    before: Callable[[], object] | None = None,
) -> float:
    """Requests per second over one batch; ``before`` runs ahead of each request."""
    started = time.perf_counter()
    for _ in range(batch):
        if before is not None:
            before()
        response = client.get(url, headers=headers or {})
        assert response.status_code == status, (url, response.status_code)
    return batch / (time.perf_counter() - started)


def best_rates(measures: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Run each measure once per round, interleaved; keep each one's best rate."""
    best = dict.fromkeys(measures, 0.0)
    for _ in range(rounds):
        for name, measure in measures.items():
            best[name] = max(best[name], measure())
    return best
