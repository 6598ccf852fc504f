"""Every survey screen read as a Japanese reader reads it (issue 15): full-width （）：、 next to
Japanese, no stray spaces, dates as 2026年11月10日～11月20日, no framework message, no English
left behind, no unstyled button, no attribute written from Python; with errors shown too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from campaign.auth.models import Role
from campaign.dates import format_range
from tests.helpers import csrf_token
from tests.screens.pagetext import markup_problems
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form
from tests.surveys.screens import answered_and_closed, main_text_problems, text

TEST_ACCOUNT = re.compile(r"職員 \d+")


pytestmark = pytest.mark.usefixtures("japanese")


def _problems(html: str) -> list[str]:
    start, end = html.index('<main id="main"'), html.index("</main>")
    problems = main_text_problems(html) + markup_problems(html[start:end])
    # The factories name test accounts 「職員 1」 (the custodians to choose from list them).
    return [str(p) for p in problems if not TEST_ACCOUNT.fullmatch(p.text)]


def _check(pages: dict[str, object]) -> None:
    found = []
    for name, response in pages.items():
        assert response.status_code in (200, 400, 410), (name, response.status_code)
        found += [f"{name}: {problem}" for problem in _problems(text(response))]
    assert not found, "\n".join(found)


def test_headquarters_screens_read_as_japanese(app, client, clock, auth, make, surveys, session):
    auth.login(make.user(role=Role.HQ))
    draft = surveys.draft()
    draft.opens_at = clock.now() - timedelta(days=1)
    draft.closes_at = clock.now() + timedelta(days=10)
    session.commit()
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        period = format_range(draft.opens_at, draft.closes_at)
    question = draft.questions[1].id
    token = csrf_token(client, "/surveys/new")
    pages = {
        "list": client.get("/surveys/"),
        "new": client.get("/surveys/new"),
        "new with errors": client.post("/surveys/new", data={"csrf_token": token}),
        "draft": client.get(f"/surveys/{draft.id}"),
        "edit": client.get(f"/surveys/{draft.id}/edit"),
        "question": client.get(f"/surveys/{draft.id}/questions/{question}/edit"),
        "question with errors": client.post(
            f"/surveys/{draft.id}/questions/{question}/edit",
            data={"csrf_token": token, "kind": "single", "text_ja": "", "options_ja": "一つ"},
        ),
        "add with errors": client.post(
            f"/surveys/{draft.id}/questions", data={"csrf_token": token, "kind": "single"}
        ),
        "preview": client.get(f"/surveys/{draft.id}/preview"),
        "open": client.get(f"/surveys/{draft.id}/open"),
        "open with errors": client.post(
            f"/surveys/{draft.id}/open", data={"csrf_token": token, "passphrase": "短い"}
        ),
    }
    assert f'<dd id="answer-period">{period}</dd>' in text(pages["draft"]) and "～" in period
    _check(pages)
    opened = surveys.opened_draft(draft)
    pages = {
        "open survey": client.get(f"/surveys/{opened.id}"),
        "close": client.get(f"/surveys/{opened.id}/close"),
        "close with errors": client.post(
            f"/surveys/{opened.id}/close", data={"csrf_token": token, "reason": ""}
        ),
        "invitation page link": client.get("/surveys/"),
    }
    _check(pages)
    closed = answered_and_closed(client, surveys, opened)
    pages = {
        "closed survey": client.get(f"/surveys/{closed.id}"),
        "unlock": client.get(f"/surveys/{closed.id}/results"),
        "unlock with errors": client.post(
            f"/surveys/{closed.id}/results",
            data={"csrf_token": token, "passphrase": "違うパスフレーズです", "format": "html"},
        ),
        "results": client.post(
            f"/surveys/{closed.id}/results",
            data={"csrf_token": token, "passphrase": PASSPHRASE, "format": "html"},
        ),
        "key": client.get(f"/surveys/{closed.id}/key"),
    }
    _check(pages)


def test_an_officers_screens_read_as_japanese(client, auth, make, surveys):
    branch = make.branch()
    own = surveys.opened(branch=branch)
    federation = surveys.opened()
    auth.login(make.user(role=Role.OFFICER, branch=branch))
    _check(
        {
            "list": client.get("/surveys/"),
            "own": client.get(f"/surveys/{own.id}"),
            "federation": client.get(f"/surveys/{federation.id}"),
        }
    )


def test_members_screens_read_as_japanese(client, surveys, auth, make):
    survey = surveys.opened()
    member = client.application.test_client()
    url = f"/surveys/answer/{survey.id}?lang=ja"
    missing = {**plain_form(survey), "token": answer_token(member, survey.id)}
    missing.pop(f"q{survey.questions[1].id}")
    pages = {
        "answer": member.get(url),
        "answer with a missing answer": member.post(url, data=missing),
        "thanks": member.post(
            url, data={**plain_form(survey), "token": answer_token(member, survey.id)}
        ),
    }
    assert pages["answer with a missing answer"].status_code == 400
    _check(pages)
