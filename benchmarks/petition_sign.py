"""Benchmark: the app's signing route against a minimal Flask route.

The minimal route does only what signing must do: check the form token, compute the keyed
hash of the normalised name and address, insert one row, commit. The app's route does that
plus everything else (the Origin check, two throttles, the name and address checks, the
duplicate check, the prefecture, the security headers, the counts and the thank-you page).
Both run through Flask's test client on the same SQLite file, interleaved, after a warm-up,
best of several short batches each.

    .venv/bin/python benchmarks/petition_sign.py [--batch N] [--rounds R]

Last line: ``petition_sign ratio <app rate / minimal rate>`` (aim: at least 0.67).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"


def kana_name(n: int) -> str:
    """A distinct, valid name for the n-th signer."""
    letters = []
    for _ in range(4):
        n, digit = divmod(n, len(KANA))
        letters.append(KANA[digit])
    return "山田" + "".join(letters)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="petition-sign-"))
    os.environ["NAISHIN_INSTANCE_PATH"] = str(tmp / "instance")
    os.environ.pop("NAISHIN_SECRET_KEY", None)

    from flask import Flask, abort, request
    from sqlalchemy import text

    from campaign import create_app, migrate, publicforms
    from campaign.db import make_engine
    from campaign.org.services import load_prefectures
    from campaign.petitions import services
    from campaign.petitions.models import Petition

    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "PETITION_SIGN_LIMIT": "100000000 per hour", "BASE_URL": None}
    )
    with app.app_context():
        from campaign import db

        session = db.session()
        load_prefectures(session)
        petition = Petition(
            title_ja="ベンチマーク",
            addressee_ja="総務大臣",
            text_ja="本文",
            goal=1_000_000,
            closes_on=services.today() + timedelta(days=30),
            hourly_limit=100_000_000,
            ask_email=False,
        )
        session.add(petition)
        session.flush()
        services.open_petition(session, petition)
        session.commit()
        petition_id = petition.id
        key = services.signer_key(petition)
        token_key = publicforms.derive_key(app.config["SECRET_KEY"], "public-form")
    with app.test_request_context():
        token = publicforms.issue_token("petition-sign", petition_id)

    # The minimal route: token check, keyed hash, one insert.
    minimal = Flask("minimal")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_minimal (id INTEGER PRIMARY KEY, name TEXT, address TEXT, "
                "signer_hash BLOB UNIQUE)"
            )
        )

    @minimal.post("/sign/<int:pid>")
    def sign(pid: int):
        form = request.form
        with app.app_context():  # verify_token reads the clock and the window like the app
            valid = publicforms.verify_token("petition-sign", pid, form.get("token"), key=token_key)
        if not valid:
            abort(400)
        hashed = services.hashes(key, form["name"], form["address"])
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_minimal (name, address, signer_hash) VALUES (:n, :a, :h)"),
                {"n": form["name"], "a": form["address"], "h": hashed.signer},
            )
        return "ok"

    counter = itertools.count()
    app_client, minimal_client = app.test_client(), minimal.test_client()

    def run(client, path: str, batch: int) -> float:
        start = time.perf_counter()
        for _ in range(batch):
            n = next(counter)
            form = {
                "token": token,
                "name": kana_name(n),
                "address": f"東京都千代田区霞が関{n % 9 + 1}丁目{n // 9 + 1}番{n % 7 + 1}号",
            }
            response = client.post(path, data=form)
            assert response.status_code == 200, response.status_code
        return time.perf_counter() - start

    run(minimal_client, f"/sign/{petition_id}", 30)  # warm-up: imports, templates, caches
    run(app_client, f"/petitions/{petition_id}", 30)
    best_app = best_min = float("inf")
    for round_ in range(args.rounds):
        t_min = run(minimal_client, f"/sign/{petition_id}", args.batch)
        t_app = run(app_client, f"/petitions/{petition_id}", args.batch)
        best_app, best_min = min(best_app, t_app), min(best_min, t_min)
        print(
            f"round {round_ + 1}: app {args.batch / t_app:,.0f}/s, "
            f"minimal {args.batch / t_min:,.0f}/s"
        )
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM petition_signatures WHERE state = 'counted'")
        ).scalar()
    assert stored == args.batch * args.rounds + 30, stored  # none lost, none refused
    app_rate, min_rate = args.batch / best_app, args.batch / best_min
    print(f"best: app {app_rate:,.0f}/s, minimal {min_rate:,.0f}/s")
    print(f"petition_sign ratio {app_rate / min_rate:.3f}")


if __name__ == "__main__":
    main()
