"""``petitions demo`` (run by ``make run``): one open petition with online and paper
signatures of invented signers, shown on its public page; a second run adds nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from campaign.petitions import demo, services
from campaign.petitions.models import PaperBatch, Petition, Signature, State


def test_the_demo_petition_is_open_with_online_and_paper_signatures(runner, session, client):
    before = runner.invoke(args=["petitions", "demo"])
    assert "nothing added" in before.output  # no demo accounts yet
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["petitions", "demo"])
    assert result.exit_code == 0, result.output
    assert "Added the demo petition with 173 signatures" in result.output
    [petition] = session.scalars(select(Petition))
    assert petition.state == State.OPEN and services.accepting(petition)
    counts = services.counts(session, petition)
    assert (counts.online, counts.paper) == (len(demo.SIGNERS), 165)
    assert session.scalar(select(func.count()).select_from(PaperBatch)) == 2
    assert {c for c, (o, p) in counts.by_prefecture.items() if p} == {"13", "25"}
    # Sealed like any signature: no invented name in the clear, and the list opens them.
    assert all("見本".encode() not in s for s in session.scalars(select(Signature.sealed)))
    rows = [row for _, members in services.signature_list(session, petition) for row in members]
    assert {name for _, name, _ in rows} == {name for name, _ in demo.SIGNERS}
    session.commit()
    page = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    # The public total is yesterday's, rounded down: the demo's signatures are today's.
    assert re.search(r"At least \d+0 signatures of the goal of 500|Fewer than 10", page)
    assert petition.title_en in client.get("/petitions/").get_data(as_text=True)
    again = runner.invoke(args=["petitions", "demo"])
    assert "nothing added" in again.output
    assert session.scalar(select(func.count()).select_from(Petition)) == 1


def test_the_demo_signers_are_plainly_invented():
    for name, address in demo.SIGNERS:
        assert name.split(" ")[0] in {"見本", "例示", "仮名", "架空", "ミホン"}, name
        assert "見本町" in address or "例示町" in address, address
