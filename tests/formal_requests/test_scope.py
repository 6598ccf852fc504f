"""Officers draft and see their own branch's requests only; of others' cases only that there
are some; the appendix hides small kinds, and is for headquarters when it counts cases an
officer may not see."""

from __future__ import annotations

import io

from pypdf import PdfReader

from campaign.formal_requests import document, evidence, services, workflow
from tests.cases.factories import CaseFactory
from tests.formal_requests.factories import FormalFactory


def test_an_officer_sees_and_prints_only_their_branch_requests(people, auth, session):
    own = FormalFactory(session).request(people["officer"], subject="滋賀県知事への要請")
    other = FormalFactory(session).request(people["other"], subject="他支部の要請")
    hq = FormalFactory(session).request(people["drafter"], subject="本部の要請")
    assert own.branch_id == people["tokyo"].id
    auth.login(people["officer"])
    listing = auth.client.get("/formal/").get_data(as_text=True)
    assert (
        "滋賀県知事への要請" in listing
        and "他支部の要請" not in listing
        and "本部の要請" not in listing
    )
    for request in (other, hq):
        for suffix in ("", "/print", "/pdf", "/docx", "/chain", "/revisions", "/edit"):
            assert auth.client.get(f"/formal/{request.id}{suffix}").status_code == 404, suffix
    assert auth.client.get(f"/formal/{own.id}/pdf").status_code == 200
    # Four eyes inside the branch: the drafter cannot approve, a colleague can.
    assert not services.can_approve(people["officer"], own)
    workflow.approve(session, own, people["colleague"])
    assert own.approved_by_id == people["colleague"].id


def test_an_officer_learns_nothing_countable_of_other_branches_cases(people, auth, session):
    """Review R2-5: headquarters makes a branch request cite two of the branch's cases and one
    of another branch. The officer knows their own two; any count (1 other case, the appendix's
    3 cases, a small kind named) would describe the other branch's case."""
    mine = [
        CaseFactory(session).case(
            people["tokyo"], title=f"東京の事例{n}", category_codes=("bulk_forms",)
        )
        for n in range(2)
    ]
    shiga_case = CaseFactory(session).case(
        people["shiga"], title="滋賀の事例", category_codes=("bulk_forms", "mutual_aid_data")
    )
    request = FormalFactory(session).request(
        people["drafter"],
        branch_id=people["tokyo"].id,
        case_ids=[*(c.id for c in mine), shiga_case.id],
    )
    request.appendix = True
    session.commit()
    auth.login(people["drafter"])
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "東京の事例0" in page and "滋賀の事例" in page and "別紙" in page
    auth.logout()
    auth.login(people["officer"])
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "東京の事例0" in page and "滋賀の事例" not in page
    assert "Cites 2 cases." in page and "It also cites cases of other branches" in page
    assert "Cites 3 cases." not in page and "prefectures" not in page
    assert "要請の根拠となる事例" not in page and document.WITHHELD_NOTE in page
    printed = auth.client.get(f"/formal/{request.id}/print?appendix=1").get_data(as_text=True)
    assert "要請の根拠となる事例" not in printed and "3件" not in printed
    pdf = auth.client.get(f"/formal/{request.id}/pdf?appendix=1").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "別紙（事例の集計）" in text and "都道府県で" not in text
    docx = auth.client.get(f"/formal/{request.id}/docx?appendix=1").data
    assert "都道府県で".encode() not in _docx_text(docx)
    # The edit form offers only the officer's own cases, and saving keeps the hidden one.
    item = request.items[0]
    form = auth.client.get(f"/formal/{request.id}/items/{item.id}/edit").get_data(as_text=True)
    assert (
        f"{mine[0].id}, {mine[1].id}" in form
        and str(shiga_case.id) not in form.split('name="cases"')[1].split(">")[0]
    )
    services.edit_item(
        session, request, people["officer"], item.id, body="言い換え", case_ids=[mine[0].id]
    )
    session.commit()
    assert sorted(evidence.cited_ids(item)) == sorted([mine[0].id, shiga_case.id])
    # Nor do the revisions name it (review R2-27), in the list with its changes or alone.
    session.refresh(request)
    latest = f"/formal/{request.id}/revisions/{request.revision}"
    for url in (f"/formal/{request.id}/revisions", latest):
        page = auth.client.get(url).get_data(as_text=True)
        assert f"#{mine[0].id}" in page and "cases of other branches" in page, url
        assert f"#{shiga_case.id}" not in page, url
    # An officer cannot cite another branch's case (nor learn it exists).
    own = FormalFactory(session).request(people["officer"], items=("一",))
    try:
        evidence.cite(session, own.items[0], people["officer"], [shiga_case.id])
    except services.FormalError as error:
        assert "There is no reported case" in str(error)
    else:  # pragma: no cover
        raise AssertionError("cited another branch's case")


def test_the_appendix_suppresses_counts_below_the_minimum(people, auth, session):
    session.rollback()
    big = [
        CaseFactory(session).case(
            people["tokyo" if n % 2 else "shiga"], category_codes=("bulk_forms",)
        )
        for n in range(4)
    ]
    small = [
        CaseFactory(session).case(people["tokyo"], category_codes=("status_survey",))
        for _ in range(2)
    ]
    request = FormalFactory(session).request(
        people["drafter"], case_ids=[c.id for c in big + small]
    )
    appendix = evidence.appendix(request, 3, "ja")
    # The small kind is not named (that would say some case is of that kind); the 6 in all
    # minus the 4 of the big kind would reveal the 2 others: the big kind is withheld too
    # (``suppression.multilabel``); and Shiga holds only 2 of the cases: no prefecture count
    # (review R5-3).
    assert document.appendix_lines(appendix) == [
        document.SMALL_KINDS_LINE,
        "合計：6件",
    ]
    shown = evidence.appendix(
        FormalFactory(session).request(people["drafter"], case_ids=[c.id for c in big]), 3, "ja"
    )
    assert document.appendix_lines(shown) == ["申請書の一括配布：4件", "合計：4件"]
    auth.login(people["drafter"])
    pdf = auth.client.get(f"/formal/{request.id}/pdf?appendix=1").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "別紙" in text and "合計：6件" in text and "4件" not in text and "2件" not in text
    assert "申請書の一括配布" not in text and "都道府県で" not in text
    assert "取得状況調査" not in text
    assert "東京" not in text.split("別紙")[1]  # no case's details, only counts
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2  # the appendix on a page of its own
    tiny = evidence.appendix(
        FormalFactory(session).request(people["drafter"], case_ids=[small[0].id]), 3, "ja"
    )
    assert tiny.total_cases is None and all(r.cases is None for r in tiny.rows)


def test_the_case_page_lists_the_requests_citing_it(people, auth, session):
    case = CaseFactory(session).case(people["tokyo"], title="東京の事例")
    hq_request = FormalFactory(session).request(
        people["drafter"], subject="本部の要請", case_ids=[case.id]
    )
    own = FormalFactory(session).request(
        people["officer"], subject="支部の要請", case_ids=[case.id]
    )
    auth.login(people["drafter"])
    page = auth.client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Formal request: 本部の要請" in page and "Formal request: 支部の要請" in page
    assert f"/formal/{hq_request.id}" in page
    auth.logout()
    auth.login(people["officer"])
    page = auth.client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "支部の要請" in page and f"/formal/{own.id}" in page
    assert "本部の要請" not in page  # not the officer's to open


def _docx_text(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


def test_the_forms_that_show_a_requests_wording_are_reads_too(people, auth, session):
    """Review R3-18: the edit forms and the answers form show the wording (and the cited
    cases): each view leaves a ``formal_request.viewed`` entry, as the page itself does."""
    from sqlalchemy import func, select

    from campaign.audit.models import AuditEntry
    from campaign.formal_requests import workflow
    from tests.formal_requests.factories import FormalFactory

    request = FormalFactory(session).request(people["drafter"])
    item_id = request.items[0].id
    session.commit()

    def reads() -> int:
        session.expire_all()
        viewed = select(func.count()).where(AuditEntry.action == "formal_request.viewed")
        return session.scalar(viewed.select_from(AuditEntry))

    auth.login(people["drafter"])
    before = reads()
    for path in (f"/formal/{request.id}/edit", f"/formal/{request.id}/items/{item_id}/edit"):
        assert auth.client.get(path).status_code == 200, path
    assert reads() == before + 2
    workflow.approve(session, request, people["approver"])
    workflow.send(session, request, people["approver"], sent_on=request.dated_on, how="手交")
    session.commit()
    assert auth.client.get(f"/formal/{request.id}/answers").status_code == 200
    assert reads() == before + 3
