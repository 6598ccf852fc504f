"""A branch's first save of its sender settings, sent twice at once (a double click on a slow
line), saves once and fails neither (review R3-7: on PostgreSQL all but one were 500s)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.auth.models import User
from campaign.formal_requests import services
from campaign.formal_requests.models import FormalSettings


def test_first_saves_at_the_same_moment_all_succeed_and_make_one_row(app, people, session):
    officer = people["officer"]
    officer_id, branch_id = officer.id, officer.branch_id
    session.commit()
    engine = app.extensions["naishin.engine"]
    barrier, errors, done = threading.Barrier(6, timeout=30), [], []

    def save(n: int) -> None:
        with app.app_context(), Session(engine) as mine:
            user = mine.get(User, officer_id)
            mine.commit()  # SQLite: hold no lock while the others reach the barrier
            try:
                barrier.wait()
                services.save_settings(
                    mine, user, branch_id, organisation=f"港区職員支部{n}", representative="支部長"
                )
                mine.commit()
                done.append(n)
            except Exception as error:  # what the test counts
                errors.append(repr(error))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(done) == 6
    session.expire_all()
    rows = session.scalar(
        select(func.count())
        .select_from(FormalSettings)
        .where(FormalSettings.branch_id == branch_id)
    )
    assert rows == 1
    kept = services.settings_for(session, branch_id)
    assert kept.organisation in {f"港区職員支部{n}" for n in range(6)}
