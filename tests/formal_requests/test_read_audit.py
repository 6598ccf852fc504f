"""Every page of formal requests that shows their contents leaves exactly one audit entry, for
every staff role that may see it (README, formal requests: "every view, print, export, approval
and move is in the audit log"; reviews R2-4, R4-4). Built from the app's URL map: a new page
without an expectation fails the matrix."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.formal_requests import workflow
from tests.formal_requests.factories import FormalFactory
from tests.main.helpers import url_for_rule

# The entry each page writes. A page of one request names it; a list names no request.
READS = {
    "formal.index": "formal_request.listed",
    "formal.overdue": "formal_request.overdue_viewed",
    "formal.open_demands": "formal_request.open_viewed",
    "formal.detail": "formal_request.viewed",
    "formal.edit": "formal_request.viewed",
    "formal.edit_item": "formal_request.viewed",
    "formal.answers": "formal_request.viewed",
    "formal.download": "formal_request.answer_downloaded",
    "formal.chain": "formal_request.chain_viewed",
    "formal.revisions": "formal_request.revisions_viewed",
    "formal.revision": "formal_request.revisions_viewed",
    "formal.print_page": "formal_request.printed",
    "formal.pdf": "formal_request.exported",
    "formal.docx": "formal_request.exported",
}
# Pages that show no request: the blank new-request form, the sender settings (their changes
# are audited) and the public page of published answers (a write per public visit would be a
# write on every request, and what it shows was published on purpose).
NOT_READS = {"formal.create", "formal.settings", "formal.confirmed"}
LISTS = {"formal.index", "formal.overdue", "formal.open_demands"}
DRAFT_PAGES = {"formal.edit", "formal.edit_item"}  # the wording changes only in a draft


@pytest.fixture
def requests_(people, make, session, app):
    """A draft and a sent request of the Tokyo branch (with a written answer), and the URL
    arguments of their pages."""
    from tests.cases.factories import pdf_bytes

    officer, colleague = people["officer"], people["colleague"]
    draft = FormalFactory(session).request(officer, subject="下書きの要請")
    sent = FormalFactory(session).request(officer, subject="送付済みの要請")
    workflow.approve(session, sent, colleague)
    workflow.send(session, sent, colleague, sent_on=date(2019, 7, 23), how="手交")
    with app.app_context():
        file = workflow.attach_answer(
            session, sent, colleague, "回答.pdf", pdf_bytes(), 10 * 1024 * 1024
        )
    session.commit()
    return {
        "draft": {"request_id": draft.id, "item_id": draft.items[0].id},
        "sent": {"request_id": sent.id, "item_id": sent.items[0].id, "file_id": file.id},
        "number": 1,
    }


def _get_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("formal.")]


def _url(app, rule, requests_) -> str:
    which = requests_["draft" if rule.endpoint in DRAFT_PAGES else "sent"]
    return url_for_rule(app, rule, {"values": {**which, "number": requests_["number"]}})


def _url_request(rule, requests_) -> int:
    return requests_["draft" if rule.endpoint in DRAFT_PAGES else "sent"]["request_id"]


def _entries_after(session, seq: int) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > seq)))


def _last_seq(session) -> int:
    session.expire_all()
    return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


def test_every_get_page_is_classified(app):
    gets = {r.endpoint for r in _get_rules(app) if "GET" in r.methods}
    assert gets == set(READS) | NOT_READS, "say which entry the new page writes (READS)"


@pytest.mark.parametrize("role", ["officer", "hq", "admin"])
def test_every_read_writes_exactly_one_entry_for_each_role(
    role, people, make, auth, session, app, requests_
):
    """The Tokyo officer, a headquarters member and an admin open every page of the branch's
    requests: one entry each, naming the request (or, for a list, the reader's branch)."""
    reader = {
        "officer": people["officer"],
        "hq": people["approver"],
        "admin": make.user(role=Role.ADMIN),
    }[role]
    tokyo = people["tokyo"].id
    auth.login(reader)
    for rule in _get_rules(app):
        if "GET" not in rule.methods:
            continue
        url = _url(app, rule, requests_)
        before = _last_seq(session)
        response = auth.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        written = [
            (e.action, e.object_kind, e.object_id, e.branch_id, e.actor_id)
            for e in _entries_after(session, before)
        ]
        if rule.endpoint in NOT_READS:
            assert written == [], url
        elif rule.endpoint in LISTS:
            branch = tokyo if role == "officer" else None
            expected = (READS[rule.endpoint], "formal_request", None, branch, reader.id)
            assert written == [expected], url
        else:
            shown = str(_url_request(rule, requests_))
            expected = (READS[rule.endpoint], "formal_request", shown, tokyo, reader.id)
            assert written == [expected], url


def test_a_list_entry_names_the_filter_as_validated_never_as_typed(people, auth, session):
    auth.login(people["officer"])
    before = _last_seq(session)
    for url in ("/formal/", "/formal/?state=sent", "/formal/?state=MARKER<b>", "/formal/overdue"):
        assert auth.client.get(url).status_code == 200, url
    reasons = [e.reason for e in _entries_after(session, before)]
    assert reasons == [None, "state=sent", None, "days=30"]


def test_another_branchs_officer_reads_nothing_and_their_lists_name_their_branch(
    people, auth, session, app, requests_
):
    """The Shiga officer is refused every page of Tokyo's requests: no read is recorded as if
    it had happened; the lists they do open record Shiga, and show none of Tokyo's requests."""
    auth.login(people["other"])
    before = _last_seq(session)
    for rule in _get_rules(app):
        if "GET" not in rule.methods or rule.endpoint in NOT_READS | LISTS:
            continue
        assert auth.client.get(_url(app, rule, requests_)).status_code == 404, rule.endpoint
    for endpoint in sorted(LISTS):
        rule = next(r for r in _get_rules(app) if r.endpoint == endpoint)
        page = auth.client.get(_url(app, rule, requests_)).get_data(as_text=True)
        assert "送付済みの要請" not in page and "下書きの要請" not in page
    written = [(e.action, e.branch_id) for e in _entries_after(session, before)]
    assert {a for a, _b in written} <= {"access.denied", *(READS[e] for e in LISTS)}
    lists = sorted(w for w in written if w[0] != "access.denied")
    assert lists == sorted((READS[e], people["shiga"].id) for e in LISTS)


def test_the_list_reads_read_as_sentences(people, auth, client, make):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    auth.login(people["officer"])
    for url in ("/formal/", "/formal/overdue", "/formal/open"):
        client.get(url)
    auth.logout()
    auth.login(people["drafter"])
    html = client.get("/audit/").get_data(as_text=True)
    assert "要請書の一覧を閲覧しました。" in html
    assert "回答が遅れている要請書の一覧を閲覧しました。" in html
    assert "未解決の要請事項の一覧を閲覧しました。" in html
