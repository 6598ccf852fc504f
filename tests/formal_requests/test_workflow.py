"""Approval by a second person, the states, answers per item, follow-ups over three rounds."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.dates import local_today
from campaign.formal_requests import services, vocab, workflow
from campaign.formal_requests.models import FormalRequest
from tests.formal_requests.factories import FormalFactory
from tests.helpers import Auth, csrf_token, untied


def _post(client, url, data=None, page=None):
    token = csrf_token(client, page or url.rsplit("/", 1)[0])
    return client.post(url, data={"csrf_token": token, **(data or {})})


def _approve(client, request_id: int):
    """Press the page's approve button: it sends the revision the page showed."""
    page = client.get(f"/formal/{request_id}").get_data(as_text=True)
    shown = re.search(r'name="revision" value="(\d+)"', page)
    return _post(
        client, f"/formal/{request_id}/approve", {"revision": shown.group(1) if shown else ""}
    )


def test_the_drafter_cannot_approve_a_second_person_can(people, auth, session):
    request = FormalFactory(session).request(people["drafter"])
    auth.login(people["drafter"])
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "you cannot approve it yourself" in page
    response = _approve(auth.client, request.id)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(FormalRequest, request.id).state == vocab.DRAFT
    assert "cannot approve it" in auth.client.get(f"/formal/{request.id}").get_data(as_text=True)

    auth.logout()
    auth.login(people["approver"])
    assert _approve(auth.client, request.id).status_code == 302
    session.expire_all()
    approved = session.get(FormalRequest, request.id)
    assert approved.state == vocab.APPROVED
    assert approved.approved_by_id == people["approver"].id
    actions = list(
        session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(request.id)))
    )
    assert "formal_request.approved" in actions


def test_a_colleague_who_edited_the_wording_cannot_approve_it(people, auth, session, make):
    """Four eyes: whoever rewrote part of a draft approves nothing of it (review R2-3); a third
    person who only read it can."""
    request = FormalFactory(session).request(people["drafter"])
    item = request.items[0]
    auth.login(people["approver"])
    edited = _post(
        auth.client,
        f"/formal/{request.id}/items/{item.id}/edit",
        {"body": "本部が書き換えた文言。", "cases": ""},
        page=f"/formal/{request.id}/items/{item.id}/edit",
    )
    assert edited.status_code == 302
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "You have edited its wording" in page
    assert _approve(auth.client, request.id).status_code == 302
    session.expire_all()
    assert session.get(FormalRequest, request.id).state == vocab.DRAFT
    with pytest.raises(services.FormalError, match="edited the wording"):
        workflow.approve(session, session.get(FormalRequest, request.id), people["approver"])
    session.rollback()

    third = make.user(role=people["drafter"].role)
    auth.logout()
    auth.login(third)
    assert _approve(auth.client, request.id).status_code == 302
    session.expire_all()
    approved = session.get(FormalRequest, request.id)
    assert approved.state == vocab.APPROVED and approved.approved_by_id == third.id


def test_an_approval_is_of_the_wording_the_approver_read(people, auth, session, app):
    """Review R3-23: an edit that lands between the approver's reading and their click is not
    approved with it; they are told, and approve once they have read the new wording."""
    request = FormalFactory(session).request(people["drafter"])
    item_id = request.items[0].id
    auth.login(people["approver"])
    page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    read = re.search(r'name="revision" value="(\d+)"', page).group(1)
    drafter = app.test_client()
    Auth(drafter, auth.clock).login(people["drafter"])
    edited = _post(
        drafter,
        f"/formal/{request.id}/items/{item_id}/edit",
        {"body": "承認者が読んでいない文言。", "cases": ""},
        page=f"/formal/{request.id}/items/{item_id}/edit",
    )
    assert edited.status_code == 302
    response = _post(auth.client, f"/formal/{request.id}/approve", {"revision": read})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(FormalRequest, request.id).state == vocab.DRAFT
    after = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    assert "changed after you opened the page, so it was not approved" in after
    assert _approve(auth.client, request.id).status_code == 302  # now of what they read
    session.expire_all()
    assert session.get(FormalRequest, request.id).state == vocab.APPROVED
    # A post that names no revision approves nothing.
    assert _post(auth.client, f"/formal/{request.id}/approve").status_code == 302


def test_the_request_page_asks_once_who_wrote_the_wording(people, auth, session, app):
    """The page needs "did this person write any of it" for the approve button and for the
    sentence under it: one query to the revisions, not one for each."""
    from sqlalchemy import event

    request = FormalFactory(session).request(people["drafter"])
    auth.login(people["approver"])
    engine = app.extensions["naishin.engine"]
    asked: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "FROM formal_revisions" in statement:
            asked.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = auth.client.get(f"/formal/{request.id}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "Approve the request" in page
    assert len(asked) == 1, asked


def test_an_approved_request_cannot_be_reworded_until_returned_to_draft(people, session):
    request = FormalFactory(session).request(people["drafter"])
    workflow.approve(session, request, people["approver"])
    with pytest.raises(services.FormalError):
        services.add_item(session, request, people["drafter"], body="追加")
    workflow.reopen(session, request, people["drafter"])
    assert request.approved_by_id is None and request.state == vocab.DRAFT
    services.add_item(session, request, people["drafter"], body="追加")
    with pytest.raises(services.FormalError):
        workflow.send(session, request, people["drafter"], sent_on=date(2019, 7, 23), how="手交")


def test_states_in_order_and_answers_per_item(people, auth, session):
    request = FormalFactory(session).request(people["drafter"], items=("一", "二", "三"))
    workflow.approve(session, request, people["approver"])
    session.commit()
    auth.login(people["drafter"])
    base = f"/formal/{request.id}"
    assert (
        _post(
            auth.client, f"{base}/send", {"sent_on": "2019-07-23", "sent_how": "手交"}, base
        ).status_code
        == 302
    )
    response = _post(
        auth.client,
        f"{base}/meeting",
        {"met_on": "2019-07-20", "place": "総務省", "ours": "本部", "theirs": "住民制度課"},
        base,
    )
    assert response.status_code == 400 and "before the request was sent" in response.get_data(
        as_text=True
    )
    response = _post(
        auth.client,
        f"{base}/meeting",
        {
            "met_on": "2019-07-23",
            "place": "総務省会議室",
            "ours": "本部書記長",
            "theirs": "住民制度課",
        },
        base,
    )
    assert response.status_code == 302
    session.expire_all()
    request = session.get(FormalRequest, request.id)
    assert request.state == vocab.MET
    ids = [i.id for i in request.items]

    def answers(standings, answered_on="2019-07-23"):
        data = {"answered_on": answered_on}
        for n, (item_id, standing) in enumerate(zip(ids, standings, strict=True)):
            data |= {
                f"rows-{n}-item_id": str(item_id),
                f"rows-{n}-standing": standing,
                f"rows-{n}-answer": f"回答{n}" if standing else "",
                f"rows-{n}-answer_en": "",
            }
        return _post(auth.client, f"{base}/answers", data, f"{base}/answers")

    # A standing that is not one of the choices: the page comes back, the error tied to its
    # group (review R5-6).
    refused = answers(["bogus", "", ""])
    html = refused.get_data(as_text=True)
    assert refused.status_code in (200, 400) and 'id="rows-0-standing-error-1"' in html
    assert untied(html) == []
    # Two answers so far: recorded, still "meeting held".
    assert answers(["confirmed", "refused", ""]).status_code == 302
    session.expire_all()
    request = session.get(FormalRequest, request.id)
    assert request.state == vocab.MET
    assert [i.standing for i in request.items] == ["confirmed", "refused", None]
    # The third: answered.
    assert answers(["confirmed", "refused", "taken_back"]).status_code == 302
    session.expire_all()
    request = session.get(FormalRequest, request.id)
    assert request.state == vocab.ANSWERED and request.answered_on == date(2019, 7, 23)
    page = auth.client.get(base).get_data(as_text=True)
    assert "Refused" in page and "Taken back for consideration" in page
    assert _post(auth.client, f"{base}/close", page=base).status_code == 302
    session.expire_all()
    assert session.get(FormalRequest, request.id).state == vocab.CLOSED


def test_a_written_answer_is_cleaned_sealed_and_its_download_audited(people, auth, session):
    from tests.cases.factories import pdf_bytes

    request = FormalFactory(session).request(people["drafter"], items=("一",))
    workflow.approve(session, request, people["approver"])
    workflow.send(session, request, people["approver"], sent_on=date(2019, 7, 23), how="手交")
    session.commit()
    auth.login(people["drafter"])
    base = f"/formal/{request.id}"
    token = csrf_token(auth.client, f"{base}/answers")
    import io

    response = auth.client.post(
        f"{base}/answers",
        data={
            "csrf_token": token,
            "answered_on": "2019-07-23",
            "rows-0-item_id": str(request.items[0].id),
            "rows-0-standing": "confirmed",
            "rows-0-answer": "強制ではないと確認",
            "file": (io.BytesIO(pdf_bytes(author="Kasumigaseki Author")), "回答.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    session.expire_all()
    request = session.get(FormalRequest, request.id)
    (stored,) = request.files
    assert b"Kasumigaseki" not in stored.sealed and not stored.sealed.startswith(b"%PDF")
    download = auth.client.get(f"{base}/files/{stored.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert b"Kasumigaseki" not in download.data
    assert "attachment;" in download.headers["Content-Disposition"]
    actions = list(
        session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(request.id)))
    )
    assert "formal_request.answer_downloaded" in actions

    # Not a PDF, image or office file: refused with a message, the answers kept.
    token = csrf_token(auth.client, f"{base}/answers")
    response = auth.client.post(
        f"{base}/answers",
        data={
            "csrf_token": token,
            "answered_on": "2019-07-23",
            "rows-0-item_id": str(request.items[0].id),
            "rows-0-standing": "confirmed",
            "rows-0-answer": "書き換え",
            "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "answer.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "is not a PDF" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(FormalRequest, request.id).items[0].answer == "強制ではないと確認"


def test_follow_ups_over_three_rounds_are_prefilled_and_linked(people, auth, session):
    drafter, approver = people["drafter"], people["approver"]
    first = FormalFactory(session).request(
        drafter, items=("強制しない", "不利益なし", "調査は同意者のみ", "一括配布をやめる")
    )
    FormalFactory(session).answered(
        first, approver, ["confirmed", "partly", "refused", "no_answer"]
    )

    auth.login(drafter)
    response = _post(auth.client, f"/formal/{first.id}/follow-up", page=f"/formal/{first.id}")
    second_id = int(response.headers["Location"].rsplit("/", 1)[1])
    second = session.get(FormalRequest, second_id)
    assert second.state == vocab.DRAFT and second.follows_id == first.id
    assert [i.body for i in second.items] == ["不利益なし", "調査は同意者のみ", "一括配布をやめる"]
    assert [i.follows_item_id for i in second.items] == [i.id for i in first.items[1:]]
    assert second.subject.startswith("再要請")
    assert [a.line for a in second.addressees] == [a.line for a in first.addressees]

    FormalFactory(session).answered(
        second,
        approver,
        ["confirmed", "taken_back", "refused"],
        sent_on=date(2019, 10, 15),
    )
    third = workflow.follow_up(session, second, drafter)
    session.commit()
    assert [i.body for i in third.items] == ["調査は同意者のみ", "一括配布をやめる"]
    assert [i.follows_item_id for i in third.items] == [i.id for i in second.items[1:]]
    FormalFactory(session).answered(
        third, approver, ["confirmed", "refused"], sent_on=date(2020, 2, 1)
    )

    chain = auth.client.get(f"/formal/{third.id}/chain").get_data(as_text=True)
    assert chain.count("Round 3:") == 2 and chain.count("Round 2:") == 3
    assert chain.count("Still open.") == 1  # 一括配布をやめる: refused three times
    rounds = workflow.chain_requests(session, first, drafter)
    threads = workflow.threads(rounds)
    assert [len(t.steps) for t in threads] == [1, 2, 3, 3]
    assert [t.is_open for t in threads] == [False, False, False, True]

    demands = auth.client.get("/formal/open").get_data(as_text=True)
    assert "一括配布をやめる" in demands and "調査は同意者のみ" not in demands

    # Every item confirmed: no follow-up is offered.
    final = FormalFactory(session).request(drafter, items=("一",))
    FormalFactory(session).answered(final, approver, ["confirmed"])
    with pytest.raises(services.FormalError):
        workflow.follow_up(session, final, drafter)


def test_overdue_lists_what_was_sent_and_not_answered(people, auth, session, clock):
    request = FormalFactory(session).request(people["drafter"], items=("一",))
    workflow.approve(session, request, people["approver"])
    sent = local_today()  # the day in Japan, as the page counts it
    workflow.send(session, request, people["approver"], sent_on=sent, how="郵送")
    session.commit()
    auth.login(people["drafter"])
    assert request.subject not in auth.client.get("/formal/overdue").get_data(as_text=True)
    auth.logout()  # a month later the session has long expired
    clock.advance(days=31)
    auth.login(people["drafter"])
    page = auth.client.get("/formal/overdue").get_data(as_text=True)
    assert request.subject in page and "31 days" in page


def test_published_answers_and_outcomes_appear_in_both_languages(people, auth, session, client):
    request = FormalFactory(session).request(
        people["drafter"], items=("強制しない", "調査しない", "配布しない")
    )
    FormalFactory(session).answered(request, people["approver"], ["confirmed", "partly", "refused"])
    workflow.add_outcome(
        session, request, people["approver"], happened_on=date(2019, 7, 25),
        description="省が通知を出した", description_en="The ministry sent a notice.",
    )  # fmt: skip
    session.commit()
    assert "回答1" not in client.get("/info/confirmed").get_data(as_text=True)
    auth.login(people["drafter"])
    assert (
        _post(
            auth.client,
            f"/formal/{request.id}/publish",
            {"published": "1"},
            f"/formal/{request.id}",
        ).status_code
        == 302
    )
    auth.logout()
    client.get("/welcome")  # shows (and so uses up) the logout message, which is not cacheable
    english = client.get("/info/confirmed")
    text = english.get_data(as_text=True)
    assert english.headers["Cache-Control"] == "public, max-age=300" and english.headers["ETag"]
    assert "Confirmed: Answer 1" in text and "Partly confirmed: Answer 2" in text
    assert "Answer 3" not in text  # refused: not something the ministry confirmed
    assert "The ministry sent a notice." in text and "25 July 2019" in text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    japanese = client.get("/info/confirmed").get_data(as_text=True)
    assert "確認：" in japanese and "回答1" in japanese and "省が通知を出した" in japanese
    assert "2019年7月25日" in japanese
    # An officer cannot publish; a branch's request is never published.
    with pytest.raises(services.FormalError):
        workflow.set_published(session, request, people["officer"], False)


def test_a_request_is_followed_up_once(people, session):
    """Review R2-13: a second follow-up (a double click) is refused, naming the first."""
    drafter, approver = people["drafter"], people["approver"]
    first = FormalFactory(session).request(drafter, items=("強制しない",))
    FormalFactory(session).answered(first, approver, ["refused"])
    second = workflow.follow_up(session, first, drafter)
    session.commit()
    with pytest.raises(services.FormalError, match=f"#{second.id}"):
        workflow.follow_up(session, first, drafter)
