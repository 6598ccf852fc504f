"""How quick are the public information pages, and what does revalidation (304) save?

Migrates a fresh SQLite database (or the PostgreSQL database named by
``NAISHIN_DATABASE_URL``; it is emptied first), loads the shipped pages, 470 branches with
contact details and ``--extra`` more published pages (for search), then times, in interleaved
batches as an anonymous visitor: a bare page (base.html only), the Q&A, the Q&A revalidated
with its ETag (304), the figures page, and a search for a Japanese word. Each rate is the best
of several short batches. The last line is ``pages_public ratio <Q&A rate / bare page rate>``.

The ETag is a hash of the rendered body (correct by construction: it changes with the text,
the language, the menu and the branches' contacts), so a 304 saves the transfer, not the
rendering; the numbers show that.

    .venv/bin/python benchmarks/pages_public.py [--extra 200] [--rounds 7] [--batch 20]

Not part of the test suite (pytest collects ``tests/`` only).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness  # benchmarks/harness.py, beside this script
from sqlalchemy.orm import Session

from campaign import create_app
from campaign.db import make_engine
from campaign.org.models import Branch
from campaign.org.services import load_prefectures
from campaign.pages import services


def prepare(url: str, extra: int) -> None:
    """Migrate, load the shipped pages, branches and ``extra`` published pages."""
    harness.empty_database(url)
    engine = make_engine(url)
    app = create_app({"DATABASE_URL": url})  # its data key seals the audit entries written
    with app.app_context(), Session(engine) as session:
        load_prefectures(session)
        services.load_shipped(session)
        session.add_all(
            Branch(
                code=f"b{n}",
                name=f"第{n}支部",
                prefecture_code=f"{n % 47 + 1:02d}",
                contact=f"内線 {1000 + n}",
            )
            for n in range(470)
        )
        body = "職場で申請書を配られても、記入や提出の義務はありません。" * 40
        for n in range(extra):
            page = services.create_page(
                session,
                f"extra-{n}",
                {
                    "title_ja": f"追加{n}",
                    "title_en": f"Extra {n}",
                    "description_ja": "説明",
                    "description_en": "Description",
                    "body_ja": body + ("不利益" if n % 10 == 0 else ""),
                    "body_en": "Text " * 400,
                },
                author_id=None,
            )
            services.publish_latest(session, page)
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("NAISHIN_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        os.environ["NAISHIN_INSTANCE_PATH"] = folder
        prepare(url, args.extra)
        app = create_app({"DATABASE_URL": url})

        bare = harness.add_bare_page(app)
        client = app.test_client()
        etag = client.get("/info/qa").headers["ETag"]
        cases = {
            "bare page": (bare, None, 200),
            "Q&A": ("/info/qa", None, 200),
            "Q&A revalidated (304)": ("/info/qa", {"If-None-Match": etag}, 304),
            "figures": ("/info/figures?sort=rate&dir=desc", None, 200),
            f"search 不利益 ({args.extra + 4} pages)": ("/info/search?q=不利益", None, 200),
        }
        best = harness.best_rates(
            {
                name: partial(harness.rate, client, path, args.batch, headers=h, status=status)
                for name, (path, h, status) in cases.items()
            },
            args.rounds,
        )
        size = len(client.get("/info/qa").data)
        app.extensions["naishin.engine"].dispose()
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {database}; best of {args.rounds} batches of {args.batch} requests")
    for name, value in best.items():
        print(f"{name:32} {value:8.1f} req/s  ({value / best['bare page']:.2f}x bare page)")
    print(f"Q&A body {size} bytes; a 304 sends none of it")
    print(f"pages_public ratio {best['Q&A'] / best['bare page']:.2f}")


if __name__ == "__main__":
    main()
