"""How quick are the case list and the national picture with 100,000 cases?

Loads 100,000 generated cases into a fresh SQLite database (or the PostgreSQL database named
by ``NAISHIN_DATABASE_URL``; it is emptied first), logs in as headquarters and as a branch
officer, then times the pages of the same app in interleaved batches: a bare page (base.html
and nothing else), the case list (plain and filtered) and the dashboard (headquarters' plain
and filtered, and an officer's). Every dashboard is measured **computed fresh**: the per-worker
cache of pictures is emptied before each request, so the figures are what a picture costs the
first time after a case changed. The lists keep no results anywhere: each view counts (from
the counts the database keeps, ``case_counts`` and ``case_pair_counts``) and reads its page;
only the filter form's rendered options are kept per worker, keyed by the categories and
prefectures read on every view. An officer's figures of ended quarters are read from the
frozen counts the first of his views wrote (the warm-up's), as in production. Each page's
rate is the best of several short batches. The last line is ``cases_pages ratio <fresh
dashboard rate / bare page rate>``; the cached rate is printed for the record only.

    .venv/bin/python benchmarks/cases_pages.py [--cases 100000] [--rounds 7] [--batch 20]

Not part of the test suite (pytest collects ``tests/`` only).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness  # benchmarks/harness.py, beside this script
import pyotp
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from campaign import create_app
from campaign.auth import credentials
from campaign.auth.models import Role, User
from campaign.cases import counts, services, vocab
from campaign.cases.models import Case, CaseCategory, case_category_links
from campaign.config import ARGON2_TESTING
from campaign.db import make_engine
from campaign.org.models import Branch
from campaign.org.services import load_prefectures


def prepare(url: str, count: int) -> None:
    """Migrate, then bulk-insert branches and ``count`` cases with their categories."""
    harness.empty_database(url)
    engine = make_engine(url)
    rng = random.Random(4)
    with Session(engine) as session:
        load_prefectures(session)
        services.seed_categories(session)
        session.flush()
        branches = []
        for n in range(470):
            prefecture = f"{n % 47 + 1:02d}"
            branches.append(Branch(code=f"b{n}", name=f"第{n}支部", prefecture_code=prefecture))
        session.add_all(branches)
        session.flush()
        branch_rows = [(b.id, b.prefecture_code) for b in branches]
        category_ids = list(session.scalars(select(CaseCategory.id)))
        states = [s for s in vocab.STATES if s != vocab.DRAFT] * 3 + [vocab.DRAFT]
        issuers, channels = list(vocab.ISSUER_KINDS), list(vocab.CHANNELS)
        now = datetime.now(UTC)
        start = date(2017, 4, 1)
        chunk = 5000
        if url.startswith("postgresql"):
            # Triggers off for the bulk load (one transaction raising the same counter rows
            # 100,000 times would walk ever longer row-version chains), then one recount.
            session.execute(text("SET session_replication_role = replica"))
        for first in range(1, count + 1, chunk):
            cases, links = [], []
            for case_id in range(first, min(first + chunk, count + 1)):
                branch_id, prefecture = rng.choice(branch_rows)
                day = start + timedelta(days=rng.randrange(1200))
                cases.append(
                    {
                        "id": case_id,
                        "branch_id": branch_id,
                        "prefecture_code": prefecture,
                        "state": rng.choice(states),
                        "title": f"事例 {case_id}",
                        "workplace": "人事課",
                        "occurred_on": day,
                        "occurred_until": None,
                        "occurred_month": day.strftime("%Y-%m"),
                        "issuer_kind": rng.choice(issuers),
                        "issuer_name": "○○市人事課",
                        "channel": rng.choice(channels),
                        "staff_affected": rng.randrange(1, 500),
                        "non_regular": rng.random() < 0.3,
                        "new_hires": rng.random() < 0.1,
                        "dependents": rng.random() < 0.2,
                        "description": "職場で申請書が配られた。" * 5,
                        "created_by_id": None,
                        "created_at": now,
                        "updated_at": now,
                        "reported_at": datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
                        + timedelta(days=rng.randrange(30)),
                    }
                )
                for category_id in rng.sample(category_ids, rng.choice((1, 1, 2, 3))):
                    links.append({"case_id": case_id, "category_id": category_id})
            session.execute(insert(Case.__table__), cases)
            session.execute(insert(case_category_links), links)
        if url.startswith("postgresql"):
            session.execute(text("SET session_replication_role = DEFAULT"))
            counts.rebuild(session.connection())
            session.execute(text("SELECT setval('cases_id_seq', :n)"), {"n": count})
        session.commit()
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    engine.dispose()


def logged_in_client(app, role: Role = Role.HQ, branch_id: int | None = None):
    """A test client logged in through the real login form, as headquarters or an officer."""
    with app.app_context():
        from campaign import db

        session = db.session()
        user = User(
            email=f"bench-{role.value}@example.org",
            display_name="本部" if role == Role.HQ else "支部",
            role=role,
            branch_id=branch_id,
            password_hash=credentials.hash_password("bench password 123"),
            totp_secret=credentials.new_totp_secret(),
        )
        session.add(user)
        session.commit()
        email, secret = user.email, user.totp_secret
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {
        "email": email,
        "password": "bench password 123",
        "code": pyotp.TOTP(secret).now(),
        "csrf_token": token,
    }
    assert client.post("/login", data=data).status_code == 302
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="naishin-bench-"))
    url = os.environ.get("NAISHIN_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["NAISHIN_INSTANCE_PATH"] = str(workdir / "instance")
    started = time.perf_counter()
    prepare(url, args.cases)
    print(
        f"loaded {args.cases} cases in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )

    app = create_app({"DATABASE_URL": url, "ARGON2": dict(ARGON2_TESTING)})
    bare = harness.add_bare_page(app)  # before the first request
    client = logged_in_client(app)
    officer = logged_in_client(app, Role.OFFICER, branch_id=1)
    pictures = app.extensions.setdefault("naishin.cases.pictures", OrderedDict())
    fresh = {"before": lambda: pictures.clear()}
    pages = {
        "bare": (client, bare, {}),
        "list": (client, "/cases/", {}),
        "list_filtered": (client, "/cases/?category=3&issuer=municipality", {}),
        "dashboard": (client, "/cases/dashboard", fresh),
        "dashboard_filtered": (
            client, "/cases/dashboard?issuer=municipality&month_from=2018-01", fresh
        ),
        "dashboard_officer": (officer, "/cases/dashboard", fresh),
        "dashboard_cached": (client, "/cases/dashboard", {}),
    }  # fmt: skip
    for who, path, _options in pages.values():  # warm up compiled templates and the pool
        harness.rate(who, path, 2)
    best = harness.best_rates(
        {
            name: partial(harness.rate, who, path, args.batch, **options)
            for name, (who, path, options) in pages.items()
        },
        args.rounds,
    )
    for name, value in best.items():
        print(f"{name:20s} {value:8.1f} requests/s  ({1000 / value:6.1f} ms)")
    for name in pages:
        if name != "bare":
            note = " (cached: for the record)" if name == "dashboard_cached" else ""
            print(f"{name} ratio {best[name] / best['bare']:.3f}{note}")
    print(f"cases_pages ratio {best['dashboard'] / best['bare']:.3f}")
    app.extensions["naishin.engine"].dispose()


if __name__ == "__main__":
    main()
