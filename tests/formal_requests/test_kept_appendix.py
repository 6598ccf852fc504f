"""The 別紙 of a request is counted at approval and kept with the approved wording: the
document of a request already sent prints the same figures whatever becomes of the cases it
cites (review R2-26); a draft's preview counts now; officers still learn nothing countable of
other branches' cases from the kept figures (R2-5, R2-27)."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign import migrate
from campaign.cases.models import Case, CaseCategory
from campaign.dates import to_local
from campaign.db import make_engine
from campaign.formal_requests import document, services, workflow
from campaign.formal_requests.models import FormalRequest, Revision
from campaign.org.services import load_prefectures
from tests import factories
from tests.cases.factories import CaseFactory
from tests.formal_requests.factories import FormalFactory
from tests.formal_requests.outputs import appendix_outputs

SENT_LINE = "申請書の一括配布：4件"
COUNTED = "：4件"  # the line's figures, whichever language names the kind


def _as_of(clock) -> str:
    """「（令和8年12月1日現在）」: the day of approval in Japan, as the 別紙 says it."""
    return f"（{document.document_date(to_local(clock.now()).date(), True)}現在）"


def _cited(people, session) -> list[Case]:
    return [
        CaseFactory(session).case(
            people["tokyo" if n % 2 else "shiga"], category_codes=("bulk_forms",)
        )
        for n in range(4)
    ]


def _sent(people, session, case_ids, **kwargs) -> FormalRequest:
    request = FormalFactory(session).request(people["drafter"], case_ids=case_ids, **kwargs)
    request.appendix = True
    session.commit()
    workflow.approve(session, request, people["approver"])
    workflow.send(session, request, people["approver"], sent_on=date(2019, 7, 23), how="手交")
    session.commit()
    return request


def _change_the_cases(session, cases, hq) -> None:
    """After sending: one cited case is re-categorised, one deleted, and headquarters raises
    the minimum; a count made now would differ in every figure."""
    other = session.scalar(select(CaseCategory).where(CaseCategory.code == "status_survey"))
    cases[0].categories = [other]
    session.delete(cases[1])
    services.save_settings(
        session, hq, None, organisation="", representative="", evidence_minimum=5
    )
    session.commit()


def test_the_document_of_a_sent_request_keeps_its_appendix(people, auth, session, clock):
    cases = _cited(people, session)
    request = _sent(people, session, [c.id for c in cases])
    as_of = _as_of(clock)
    auth.login(people["drafter"])
    before = appendix_outputs(auth.client, request.id)
    for kind, text in before.items():
        assert COUNTED in text and as_of in text, kind

    _change_the_cases(session, cases, people["drafter"])
    clock.advance(days=40)
    auth.login(people["drafter"])
    after = appendix_outputs(auth.client, request.id)
    assert after == before
    for kind, text in after.items():
        assert document.APPENDIX_NOTE.format(minimum=3) in text, kind
    # Headquarters also sees today's count, labelled as such and apart from the document.
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    proof, live = page.split("The appendix counted again today")
    assert COUNTED in proof and as_of in proof
    assert "not printed" in live and "合計：（件数が少ないため表示しません）" in live
    assert COUNTED not in live


def test_the_appendix_names_the_kinds_in_japanese_for_an_english_reader(people, auth, session):
    """The document is Japanese whatever the page's language: the 別紙 names the kinds of
    pressure in Japanese too, in every output and on the request's page (these tests' pages are
    in English)."""
    cases = _cited(people, session)
    request = _sent(people, session, [c.id for c in cases])
    auth.login(people["drafter"])
    for kind, text in appendix_outputs(auth.client, request.id).items():
        assert SENT_LINE in text, kind
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "The appendix counted again today" in page and page.count(SENT_LINE) == 2


def test_a_drafts_preview_counts_the_cases_as_they_are_now(people, auth, session):
    cases = _cited(people, session)
    request = FormalFactory(session).request(people["drafter"], case_ids=[c.id for c in cases])
    request.appendix = True
    session.commit()
    auth.login(people["drafter"])
    assert COUNTED in appendix_outputs(auth.client, request.id)["print"]
    _change_the_cases(session, cases, people["drafter"])
    printed = appendix_outputs(auth.client, request.id)["print"]
    assert COUNTED not in printed and "合計：（件数が少ないため表示しません）" in printed
    assert "現在）" not in printed  # a count made at each view carries no date
    assert "The appendix counted again today" not in auth.client.get(
        f"/formal/{request.id}"
    ).get_data(as_text=True)


def test_returned_to_draft_and_approved_again_the_appendix_is_counted_again(people, session):
    cases = _cited(people, session)
    request = FormalFactory(session).request(people["drafter"], case_ids=[c.id for c in cases])
    request.appendix = True
    workflow.approve(session, request, people["approver"])
    session.commit()
    assert document.build(request).appendix_lines()[0] == SENT_LINE
    _change_the_cases(session, cases, people["drafter"])
    assert document.build(request).appendix_lines()[0] == SENT_LINE
    workflow.reopen(session, request, people["approver"])
    workflow.approve(session, request, people["approver"])
    session.commit()
    assert document.build(request).appendix_lines() == [
        document.SMALL_KINDS_LINE,
        "合計：（件数が少ないため表示しません）",
    ]


def test_an_officer_learns_nothing_from_the_kept_figures(people, auth, session):
    """A branch request citing another branch's case: the officer's print leaves the 別紙 out,
    and still does once that case is gone (the live check alone would find nothing foreign)."""
    mine = [CaseFactory(session).case(people["tokyo"]) for _ in range(3)]
    shiga_case = CaseFactory(session).case(people["shiga"])
    request = _sent(
        people, session, [*(c.id for c in mine), shiga_case.id], branch_id=people["tokyo"].id
    )
    auth.login(people["officer"])
    for kind, text in appendix_outputs(auth.client, request.id).items():
        assert "都道府県で" not in text and "4件" not in text, kind
    session.delete(shiga_case)
    session.commit()
    outputs = appendix_outputs(auth.client, request.id)
    for kind, text in outputs.items():
        assert "都道府県で" not in text and "4件" not in text, kind
    assert document.WITHHELD_NOTE in outputs["print"]
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "要請の根拠となる事例" not in page and "counted again today" not in page
    # Kept figures of the branch's own cases only are the officer's to print.
    own = _sent(people, session, [c.id for c in mine], branch_id=people["tokyo"].id)
    assert "合計：1都道府県で3件" in appendix_outputs(auth.client, own.id)["print"]


def test_the_upgrade_counts_the_appendix_of_requests_already_sent(app, empty_database):
    """Requests approved before the figures were kept get today's count, and say so."""
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with Session(engine) as session:
        load_prefectures(session)
        session.commit()
        make = factories.Factory(app, session)
        people = {
            "drafter": make.user(role=factories.Role.HQ),
            "approver": make.user(role=factories.Role.HQ),
            "tokyo": make.branch(prefecture="13"),
            "shiga": make.branch(prefecture="25"),
        }
        CaseFactory(session).seed()
        cases = _cited(people, session)
        sent = _sent(people, session, [c.id for c in cases])
        draft = FormalFactory(session).request(people["drafter"], case_ids=[cases[0].id])
        sent_id, draft_id = sent.id, draft.id
    migrate.downgrade(empty_database, "0020_audit_notes")
    migrate.upgrade(empty_database)
    with Session(engine) as session:
        kept = {
            request_id: session.scalar(
                select(Revision.appendix)
                .join(FormalRequest, FormalRequest.id == Revision.request_id)
                .where(Revision.request_id == request_id)
                .where(Revision.number == FormalRequest.revision)
            )
            for request_id in (sent_id, draft_id)
        }
        assert kept[draft_id] is None  # a draft counts at each view
        figures = json.loads(kept[sent_id])
        assert figures["source"] == "upgrade" and figures["total_cases"] == 4
        doc = document.build(session.get(FormalRequest, sent_id))
        assert doc.appendix_lines()[0] == SENT_LINE
        assert doc.appendix_recount_note.startswith("※承認時の集計が記録されていないため")
    engine.dispose()
    with make_engine(empty_database).connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
