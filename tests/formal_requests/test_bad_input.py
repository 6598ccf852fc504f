"""Bad input gets a clear message and a 4xx, never a 500, and loses nothing already saved."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaign.formal_requests.models import FormalRequest, Item, Revision
from tests.formal_requests.factories import FormalFactory
from tests.helpers import csrf_token
from tests.pages.test_content import SHARED


def _add(client, request_id, body, cases=""):
    token = csrf_token(client, f"/formal/{request_id}")
    return client.post(
        f"/formal/{request_id}/items",
        data={"csrf_token": token, "body": body, "parent_id": "", "cases": cases},
    )


def _state(session, request_id):
    session.expire_all()
    items = session.scalars(
        select(Item.body).where(Item.request_id == request_id).order_by(Item.id)
    )
    revisions = session.scalar(
        select(func.count()).select_from(Revision).where(Revision.request_id == request_id)
    )
    return list(items), revisions


def test_empty_huge_and_control_character_items_are_refused(people, auth, session):
    request = FormalFactory(session).request(people["drafter"])
    auth.login(people["drafter"])
    before = _state(session, request.id)

    response = _add(auth.client, request.id, "   ")
    assert response.status_code == 400
    assert "Enter the text of the item." in response.get_data(as_text=True)

    huge = "要" * 20_000
    response = _add(auth.client, request.id, huge)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at most 4000 characters" in page
    assert huge in page  # what was typed is shown again, to be shortened, not lost

    response = _add(auth.client, request.id, "制御文字\x07入り")
    assert response.status_code == 400

    response = _add(auth.client, request.id, "根拠つき", cases="12; DROP")
    assert response.status_code == 400
    assert "Give case numbers like 12" in response.get_data(as_text=True)
    response = _add(auth.client, request.id, "根拠つき", cases="999999")
    assert "There is no reported case #999999" in response.get_data(as_text=True)
    assert _state(session, request.id) == before

    # The header: an empty subject and no addressee are refused, the saved wording kept.
    token = csrf_token(auth.client, f"/formal/{request.id}/edit")
    response = auth.client.post(
        f"/formal/{request.id}/edit",
        data={"csrf_token": token, "subject": "", "addressees-0-title": "", "submit": "1"},
    )
    assert response.status_code == 400 and "Enter the subject." in response.get_data(as_text=True)
    response = auth.client.post(
        f"/formal/{request.id}/edit",
        data={
            "csrf_token": token,
            "subject": "件名",
            "addressees-0-organisation": "",
            "addressees-0-title": "",
            "addressees-0-name": "",
            "addressees-0-honorific": "殿",
            "submit": "1",
        },
    )
    assert response.status_code == 400
    assert "Enter at least one addressee." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(FormalRequest, request.id).subject == "マイナンバーカードの取得に関する要請"
    assert _state(session, request.id) == before


def test_japanese_messages_name_the_field(people, auth, session):
    request = FormalFactory(session).request(people["drafter"])
    auth.login(people["drafter"])
    auth.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    page = _add(auth.client, request.id, "").get_data(as_text=True)
    assert "項目の本文を入力してください。" in page
    page = _add(auth.client, request.id, "あ" * 5000).get_data(as_text=True)
    assert "項目の本文は4000文字以内で入力してください。" in page


values = st.one_of(
    st.text(max_size=40),
    st.text(min_size=3000, max_size=5000),
    st.sampled_from(["", " ", "𠮷野家", "<script>alert(1)</script>", "9" * 30, "#1, #2", "0"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.tuples(values, values, values))
def test_item_form_never_fails(people, auth, session, data):
    request = (
        FormalFactory(session).request(people["drafter"])
        if not hasattr(test_item_form_never_fails, "rid")
        else None
    )
    if request is not None:
        test_item_form_never_fails.rid = request.id
        auth.login(people["drafter"])
    request_id = test_item_form_never_fails.rid
    before = _state(session, request_id)
    token = csrf_token(auth.client, f"/formal/{request_id}")
    body, parent, cases = data
    response = auth.client.post(
        f"/formal/{request_id}/items",
        data={"csrf_token": token, "body": body, "parent_id": parent, "cases": cases},
    )
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert _state(session, request_id) == before


@pytest.fixture(autouse=True)
def _forget_fuzz_request():
    yield
    if hasattr(test_item_form_never_fails, "rid"):
        del test_item_form_never_fails.rid


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (the source documents) is not here")
def test_the_demo_requests_are_written_in_our_own_words():
    """The same check as the information pages' (tests/pages/test_content.py)."""
    import re

    from campaign.formal_requests import demo

    def squeeze(text: str) -> str:
        return re.sub(r"\s+", "", text).translate(str.maketrans("（）：", "():"))

    sources = [SHARED / "DOMAIN.md", *sorted((SHARED / "seeds").glob("*.txt"))]
    source = squeeze("".join(p.read_text(encoding="utf-8") for p in sources))
    texts = [*demo.PREAMBLE]
    for rows in (demo.FIRST, demo.SECOND):
        for body, _standing, answer, answer_en in rows:
            texts += [body, answer, answer_en]
    for text in texts:
        squeezed = squeeze(text)
        window = 18 if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) else 40
        copied = {
            squeezed[i : i + window]
            for i in range(len(squeezed) - window)
            if squeezed[i : i + window] in source
        }
        assert not copied, (text, sorted(copied)[:3])


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_number_that_is_not_one_gets_one_message_naming_the_field(people, auth, language):
    """Review R2-10: 「abc」 in the overdue days gave two messages for the one field (not a
    whole number, and out of range); one sentence naming the field is enough."""
    auth.login(people["drafter"])
    auth.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    token = csrf_token(auth.client, "/formal/settings")
    response = auth.client.post(
        "/formal/settings",
        data={"csrf_token": token, "overdue_days": "abc", "evidence_minimum": "3"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    field_errors = re.findall(r'<p class="error" id="overdue_days-error-\d+">([^<]*)</p>', page)
    expected = {
        "ja": "回答遅延とするまでの日数には整数を数字で入力してください。",
        "en": "Enter a whole number in “Days after which an unanswered request is overdue”.",
    }[language]
    assert [html.unescape(e) for e in field_errors] == [expected]
    # A number out of range still says the range, once.
    response = auth.client.post(
        "/formal/settings",
        data={"csrf_token": token, "overdue_days": "0", "evidence_minimum": "3"},
    )
    page = response.get_data(as_text=True)
    assert len(re.findall(r'id="overdue_days-error-\d+"', page)) == 1
