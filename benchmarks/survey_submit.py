"""Benchmark: the app's answer route against a minimal Flask route.

The minimal route does only what answering must do: check the form token (the answer page's
stand-in for a CSRF token), seal the answer with PyNaCl's SealedBox, insert one row, commit.
The app's route does that plus everything else (validation of every question, padding, the
pool and its shuffled flushes, the security headers, rendering the receipt page). Both run
through Flask's test client on the same SQLite file, interleaved, best of several batches.

    .venv/bin/python benchmarks/survey_submit.py [--batch N] [--rounds R]

Last line: ``survey_submit ratio <app rate / minimal rate>`` (aim: at least 0.67).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="survey-submit-"))
    os.environ["NAISHIN_INSTANCE_PATH"] = str(tmp / "instance")
    os.environ.pop("NAISHIN_SECRET_KEY", None)

    from flask import Flask, abort, request
    from nacl.public import PublicKey, SealedBox
    from sqlalchemy import text

    from benchmarks.harness import empty_database
    from campaign import create_app
    from campaign.db import make_engine
    from surveys import sealing, services
    from surveys.models import Survey

    url = os.environ.get("NAISHIN_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    empty_database(url)  # a PostgreSQL database is emptied first: never point it at data
    app = create_app({"DATABASE_URL": url, "SURVEY_ANSWER_LIMIT": "100000000 per minute"})
    with app.app_context():
        from campaign import db

        session = db.session()
        survey = Survey(title_ja="ベンチマーク", min_group=5)
        session.add(survey)
        session.flush()
        services.add_question(
            session, survey, kind="single", text_ja="g", options_ja="a\nb\nc", is_grouping=True
        )
        services.add_question(session, survey, kind="single", text_ja="q", options_ja="yes\nno")
        services.add_question(session, survey, kind="multiple", text_ja="m", options_ja="a\nb\nc")
        services.add_question(session, survey, kind="scale5", text_ja="s")
        services.add_question(session, survey, kind="number", text_ja="n")
        services.add_question(session, survey, kind="text", text_ja="t")
        services.open_survey(session, survey, "benchmark passphrase", sealing.KDF_LIMITS["testing"])
        session.commit()
        survey_id, public_key = survey.id, survey.public_key
        ids = [q.id for q in survey.questions]
        secret = sealing.form_secret(app.config["SECRET_KEY"])

    # The minimal route: token check, SealedBox, one insert.
    minimal = Flask("minimal")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_minimal (id {0} PRIMARY KEY, sealed {0} NOT NULL)".format(
                    "BYTEA" if url.startswith("postgresql") else "BLOB"
                )
            )
        )
    box = SealedBox(PublicKey(public_key))

    @minimal.post("/answer/<int:sid>")
    def answer(sid: int):
        window = int(time.time()) // 3600
        if not sealing.check_form_token(secret, sid, request.form.get("token", ""), window):
            abort(400)
        plain = {k: v for k, v in request.form.items() if k != "token"}
        sealed = box.encrypt(json.dumps(plain).encode())
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_minimal (id, sealed) VALUES (:id, :sealed)"),
                {"id": secrets.token_bytes(16), "sealed": sealed},
            )
        return "ok"

    token = sealing.form_token(secret, survey_id, int(time.time()) // 3600)
    form = {
        "token": token,
        f"q{ids[0]}": "1",
        f"q{ids[1]}": "0",
        f"q{ids[2]}": ["0", "2"],
        f"q{ids[3]}": "4",
        f"q{ids[4]}": "12",
        f"q{ids[5]}": "上司から取得を求められた",
    }
    app_client, minimal_client = app.test_client(), minimal.test_client()

    def run(client, path: str) -> float:
        start = time.perf_counter()
        for _ in range(args.batch):
            response = client.post(path, data=form)
            assert response.status_code == 200, response.status_code
        return time.perf_counter() - start

    run(minimal_client, f"/answer/{survey_id}")  # warm up both (caches, pools, page cache)
    run(app_client, f"/surveys/answer/{survey_id}")
    best_app = best_min = float("inf")
    for round_ in range(args.rounds):
        t_min = run(minimal_client, f"/answer/{survey_id}")
        t_app = run(app_client, f"/surveys/answer/{survey_id}")
        best_app, best_min = min(best_app, t_app), min(best_min, t_min)
        print(
            f"round {round_ + 1}: app {args.batch / t_app:,.0f}/s, "
            f"minimal {args.batch / t_min:,.0f}/s"
        )
    with app.app_context():
        stored = services.count_answers(db.session(), survey_id)
    assert stored == args.batch * (args.rounds + 1), stored
    app_rate, min_rate = args.batch / best_app, args.batch / best_min
    print(f"database: {url.split(':', 1)[0]}")
    print(f"best: app {app_rate:,.0f}/s, minimal {min_rate:,.0f}/s")
    print(f"survey_submit ratio {app_rate / min_rate:.3f}")


if __name__ == "__main__":
    main()
