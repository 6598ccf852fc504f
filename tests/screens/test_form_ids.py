"""Pages with several forms: no id on the page is used twice, and every form still posts.

Each form's CSRF token was rendered ``id="csrf_token"`` (WTForms gives a field its name as id),
so a case's page (its action, comment and submit forms, and the menu's logout) or a formal
request's draft (a move and a remove button per item, the add-item form) repeated that id,
which HTML forbids and checkers of WCAG 4.1.1 report. The token now carries no id
(campaign/forms.py); it is still checked on every post.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from campaign.auth.models import Role
from campaign.cases.models import CaseAction, CaseComment
from campaign.formal_requests.models import Item as FormalItem
from tests.cases.factories import CaseFactory
from tests.formal_requests.factories import FormalFactory
from tests.screens.pagetext import parse, walk


def _page(client, url: str):
    """The page's ids (with how often each occurs) and its POST forms: action -> token."""
    response = client.get(url)
    assert response.status_code == 200, url
    root = parse(response.get_data(as_text=True))
    ids = Counter(node.attrs["id"] for node in walk(root) if "id" in node.attrs)
    forms: dict[str, str] = {}
    for node in walk(root):
        if node.tag != "form" or node.attrs.get("method", "get").lower() != "post":
            continue
        tokens = [n.attrs["value"] for n in walk(node) if n.attrs.get("name") == "csrf_token"]
        assert len(tokens) == 1, node.attrs  # each form carries its own token, once
        forms.setdefault(node.attrs["action"], tokens[0])
    return ids, forms


def _assert_unique(ids: Counter, forms: dict, at_least: int) -> None:
    assert len(forms) >= at_least, forms
    assert "csrf_token" not in ids
    assert [value for value, count in ids.items() if count > 1] == []


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def case(make, session):
    CaseFactory(session).seed()
    return CaseFactory(session).case(make.branch(), state="reported")


def test_a_case_page_repeats_no_id_and_its_forms_post(auth, make, session, case):
    auth.login(make.user(role=Role.HQ))
    ids, forms = _page(auth.client, f"/cases/{case.id}")
    _assert_unique(ids, forms, at_least=3)  # action, comment, logout
    action_url, comment_url = f"/cases/{case.id}/actions", f"/cases/{case.id}/comments"
    response = auth.client.post(
        action_url,
        data={
            "csrf_token": forms[action_url],
            "kind": "answer",
            "happened_on": "2019-07-23",
            "note": "強制できないとの回答",
        },
    )
    assert response.status_code == 302
    response = auth.client.post(
        comment_url, data={"csrf_token": forms[comment_url], "body": "本部で確認します"}
    )
    assert response.status_code == 302
    assert (_count(session, CaseAction), _count(session, CaseComment)) == (1, 1)
    # The token is still checked: a wrong one or none is refused, and nothing is added.
    for token in ("forged", None):
        data = {"body": "もう一件"} | ({"csrf_token": token} if token else {})
        refused = auth.client.post(comment_url, data=data)
        assert refused.status_code == 400
        assert "The form has expired" in refused.get_data(as_text=True)
    assert _count(session, CaseComment) == 1
    # The page drawn after the posts still repeats no id.
    _assert_unique(*_page(auth.client, f"/cases/{case.id}"), at_least=3)


def test_a_formal_request_draft_repeats_no_id_and_its_buttons_post(auth, make, session):
    drafter = make.user(role=Role.HQ)
    formal = FormalFactory(session).request(
        drafter, items=("申請を強制しないこと。", "不利益な取扱いをしないこと。", "周知すること。")
    )
    auth.login(drafter)
    ids, forms = _page(auth.client, f"/formal/{formal.id}")
    _assert_unique(ids, forms, at_least=5)  # a move and a remove per item, add item, logout
    add_url = f"/formal/{formal.id}/items"
    response = auth.client.post(
        add_url, data={"csrf_token": forms[add_url], "parent_id": "", "body": "説明会を開くこと。"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _count(session, FormalItem) == 4
    remove = next(url for url in forms if url.endswith("/delete"))
    assert auth.client.post(remove, data={"csrf_token": forms[remove]}).status_code == 302
    assert _count(session, FormalItem) == 3
    refused = auth.client.post(add_url, data={"csrf_token": "forged", "body": "もう一件"})
    assert refused.status_code == 400
    assert _count(session, FormalItem) == 3
    _assert_unique(*_page(auth.client, f"/formal/{formal.id}"), at_least=5)
