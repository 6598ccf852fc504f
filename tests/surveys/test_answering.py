"""Answering without an account or cookie, in both modes; opening the results (promises 2, 5)."""

from __future__ import annotations

import base64

from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from surveys import sealing, services, storage
from surveys.models import Slot, State, Survey
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form, sealed_answer


def _stored(session, survey_id):
    session.expire_all()
    return list(storage.iter_sealed(session, survey_id))


def _open(session, survey_id):
    survey = session.get(Survey, survey_id)
    key = services.wrapped_key(survey)
    return sealing.opener(sealing.unwrap(key, PASSPHRASE))


def test_answer_page_sets_no_cookie_and_allows_only_wasm(client, surveys):
    survey = surveys.opened()
    page = client.get(f"/surveys/answer/{survey.id}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    csp = page.headers["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in csp and "unsafe-inline" not in csp
    html = page.get_data(as_text=True)
    assert "csrf_token" not in html and "employer" in html
    assert "/static/surveys/sodium/libsodium-wrappers." in html  # hashed, cached (R4-17)
    assert "http://" not in html.replace("http://naishin.test", "")  # no third-party request
    # Other pages keep the site-wide policy.
    assert "wasm" not in client.get("/login").headers["Content-Security-Policy"]


def test_answer_without_javascript_is_sealed_by_the_server(client, surveys, session):
    survey = surveys.opened()
    token = answer_token(client, survey.id)
    data = {**plain_form(survey, text="PLAINMARKER-nojs"), "token": token}
    response = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-mode="server"' in html
    assert "Set-Cookie" not in response.headers
    (stored,) = _stored(session, survey.id)
    assert b"PLAINMARKER" not in stored
    assert sealing.receipt(stored) in html
    answer = _open(session, survey.id)(stored)
    assert answer[str(survey.questions[-1].id)] == "PLAINMARKER-nojs"


def test_answer_sealed_in_the_browser_is_stored_as_sent(client, surveys, session):
    survey = surveys.opened()
    ids = surveys.question_ids(survey)
    sealed = sealed_answer(survey, {str(ids["group"]): 1, str(ids["single"]): 0})
    token = answer_token(client, survey.id)
    response = client.post(f"/surveys/answer/{survey.id}", data={"token": token, "sealed": sealed})
    assert response.status_code == 200
    assert 'data-mode="browser"' in response.get_data(as_text=True)
    (stored,) = _stored(session, survey.id)
    assert stored == base64.b64decode(sealed)


def test_every_sealed_answer_of_a_survey_has_the_same_length(client, surveys, session):
    survey = surveys.opened()
    for text in ("", "短い", "x" * 300, '"\\' * 100 + "😀" * 100):
        data = {**plain_form(survey, text=text), "token": answer_token(client, survey.id)}
        assert client.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
    lengths = {len(s) for s in _stored(session, survey.id)}
    assert lengths == {sealing.sealed_size(survey.block_size)}


def test_required_questions_and_bad_choices_are_refused(client, surveys, session):
    survey = surveys.opened()
    ids = surveys.question_ids(survey)
    token = answer_token(client, survey.id)
    missing = client.post(f"/surveys/answer/{survey.id}", data={"token": token})
    assert missing.status_code == 400
    assert "required" in missing.get_data(as_text=True)
    bad = {**plain_form(survey), "token": token, f"q{ids['single']}": "7"}
    assert client.post(f"/surveys/answer/{survey.id}", data=bad).status_code == 400
    assert _stored(session, survey.id) == []


def test_a_draft_cannot_be_answered(client, surveys):
    survey = surveys.draft()
    assert client.get(f"/surveys/answer/{survey.id}").status_code == 404


def test_answers_fill_preallocated_slots_in_place(client, surveys, session):
    survey = surveys.opened()
    session.expire_all()
    before = {(r.slot, r.part): r.id for r in session.scalars(select(Slot))}
    assert len({r.slot for r in session.scalars(select(Slot))}) == storage.DEFAULT_CAPACITY
    for _ in range(25):
        data = {**plain_form(survey), "token": answer_token(client, survey.id)}
        assert client.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
    session.expire_all()
    rows = list(session.scalars(select(Slot)))
    # No row was added or moved: 25 slots now hold answers, in place; every row fits one page.
    assert {(r.slot, r.part): r.id for r in rows} == before
    assert len({r.slot for r in rows if r.filled}) == 25
    assert max(len(r.data) for r in rows) <= 1536


def test_open_freezes_questions_and_close_empties_the_pool(
    app, client, auth, make, surveys, session
):
    hq = make.user(role=Role.HQ)
    survey = surveys.opened()
    auth.login(hq)
    data = {**plain_form(survey), "token": answer_token(client, survey.id)}
    client.post(f"/surveys/answer/{survey.id}", data=data)
    from tests.helpers import csrf_token

    token = csrf_token(client, f"/surveys/{survey.id}")
    add = client.post(
        f"/surveys/{survey.id}/questions",
        data={"csrf_token": token, "kind": "scale5", "text_ja": "追加"},
    )
    assert add.status_code == 400
    closing = {"csrf_token": token, "reason": "the meeting moved forward"}
    assert client.post(f"/surveys/{survey.id}/close", data=closing).status_code == 302
    session.expire_all()
    assert session.get(Survey, survey.id).state == State.CLOSED
    assert len(_stored(session, survey.id)) == 1
    closed = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert closed.status_code == 410


def test_build_open_and_count_through_the_pages(client, auth, make, session):
    from tests.helpers import csrf_token

    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, "/surveys/new")
    created = client.post(
        "/surveys/new",
        data={"csrf_token": token, "title_ja": "調査", "min_group": "5", "branch_id": ""},
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.headers["Location"]
    survey_id = int(url.rstrip("/").rsplit("/", 1)[1])
    for text, options in (("はい・いいえ", "はい\nいいえ"), ("", "")):
        response = client.post(
            f"/surveys/{survey_id}/questions",
            data={"csrf_token": token, "kind": "single", "text_ja": text, "options_ja": options},
        )
        assert response.status_code == (302 if text else 400)
    assert client.get(f"/surveys/{survey_id}/preview").status_code == 200
    short = client.post(
        f"/surveys/{survey_id}/open",
        data={"csrf_token": token, "passphrase": "short", "confirm": "short"},
    )
    assert short.status_code == 400
    opened = client.post(
        f"/surveys/{survey_id}/open",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "confirm": PASSPHRASE},
    )
    assert opened.status_code == 302
    anonymous = client.application.test_client()
    for n in range(10):
        form = {
            "token": answer_token(anonymous, survey_id),
            f"q{_qid(session, survey_id)}": str(n % 2),
        }
        assert anonymous.post(f"/surveys/answer/{survey_id}", data=form).status_code == 200
    # While open, the page says only whether k answers arrived, never the running count.
    live = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "5 or more have answered" in live and ">10<" not in live
    # While answers arrive the key opens nothing: two countings compared would show, by
    # difference, what the answers in between said.
    early = client.post(
        f"/surveys/{survey_id}/results",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "format": "html"},
        follow_redirects=True,
    )
    assert "available once the survey is closed" in early.get_data(as_text=True)
    assert "5 (50.0%)" not in early.get_data(as_text=True)
    closing = {"csrf_token": token, "reason": "enough answers for the meeting"}
    assert client.post(f"/surveys/{survey_id}/close", data=closing).status_code == 302
    assert "10" in client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    page = client.post(
        f"/surveys/{survey_id}/results",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "format": "html"},
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "5 (50.0%)" in html
    # Six answers split 3 / 3 would print two choices of fewer than k = 5 people: each shows
    # "not shown" instead (review R6-3); here each choice has 5.
    assert "not shown" not in html


def _qid(session, survey_id):
    session.expire_all()
    return session.get(Survey, survey_id).questions[0].id


def test_officer_sees_the_state_of_their_branch_never_the_results(client, auth, make, surveys):
    officer = make.user()
    survey = surveys.opened(branch=session_branch(make, officer))
    auth.login(officer)
    assert client.get(f"/surveys/{survey.id}").status_code == 200
    from tests.helpers import csrf_token

    token = csrf_token(client, f"/surveys/{survey.id}")
    early = client.post(
        f"/surveys/{survey.id}/close", data={"csrf_token": token, "reason": "x" * 9}
    )
    assert early.status_code == 403  # only headquarters closes before the announced date
    assert client.get(f"/surveys/{survey.id}/results").status_code == 403
    assert client.get(f"/surveys/{survey.id}/key").status_code == 403
    foreign = surveys.opened(branch=make.branch())
    assert client.get(f"/surveys/{foreign.id}").status_code == 404


def session_branch(make, officer):
    from campaign.org.models import Branch

    return make.session.get(Branch, officer.branch_id)


def test_wrong_passphrase_opens_nothing_and_every_opening_is_audited(
    client, auth, make, surveys, session
):
    from tests.helpers import csrf_token

    auth.login(make.user(role=Role.HQ))
    survey = surveys.close(surveys.opened())
    token = csrf_token(client, f"/surveys/{survey.id}/results")
    wrong = client.post(
        f"/surveys/{survey.id}/results",
        data={"csrf_token": token, "passphrase": "not the passphrase", "format": "html"},
    )
    assert wrong.status_code == 400
    assert "does not open" in wrong.get_data(as_text=True)
    for fmt in ("html", "csv", "xlsx"):
        response = client.post(
            f"/surveys/{survey.id}/results",
            data={"csrf_token": token, "passphrase": PASSPHRASE, "format": fmt},
        )
        assert response.status_code == 200
    csv_body = client.post(
        f"/surveys/{survey.id}/results",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "format": "csv"},
    ).data
    assert csv_body.startswith("\ufeff".encode())
    key = client.post(
        f"/surveys/{survey.id}/key", data={"csrf_token": token, "passphrase": PASSPHRASE}
    )
    assert key.status_code == 200
    by_file = client.post(
        f"/surveys/{survey.id}/results",
        data={
            "csrf_token": token,
            "format": "html",
            "key_file": (__import__("io").BytesIO(key.data), "k.json"),
        },
        content_type="multipart/form-data",
    )
    assert by_file.status_code == 200
    session.expire_all()
    actions = [
        e.action
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.object_kind == "survey").order_by(AuditEntry.seq)
        )
    ]
    assert actions.count("survey.unlock_refused") == 1
    assert actions.count("survey.results_opened") == 2
    assert actions.count("survey.results_exported") == 3
    assert actions.count("survey.key_exported") == 1


def test_answers_are_throttled_in_memory(app, client, surveys, session):
    app.config["SURVEY_ANSWER_LIMIT"] = "3 per minute"
    survey = surveys.opened()
    statuses = []
    for _ in range(5):
        data = {**plain_form(survey), "token": answer_token(client, survey.id)}
        statuses.append(client.post(f"/surveys/answer/{survey.id}", data=data).status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert len(_stored(session, survey.id)) == 3
    # The throttle keeps a keyed hash of the address, in this process only.
    throttle = app.extensions["publicforms.throttle"]
    assert [list(t.values()) for t in throttle.counts.values()] == [[5]]
    assert "127.0.0.1" not in repr(vars(throttle))


def test_results_and_exports_show_nothing_below_k_and_the_same_figures_above(
    client, auth, make, surveys
):
    import io

    from openpyxl import load_workbook

    from tests.helpers import csrf_token

    auth.login(make.user(role=Role.HQ))
    anonymous = client.application.test_client()

    def closed_with(n):
        survey = surveys.opened(k=5)
        for _ in range(n):
            data = {**plain_form(survey, group=0), "token": answer_token(anonymous, survey.id)}
            assert anonymous.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
        return surveys.close(survey)

    def post(survey, fmt):
        token = csrf_token(client, f"/surveys/{survey.id}/results")
        return client.post(
            f"/surveys/{survey.id}/results",
            data={"csrf_token": token, "passphrase": PASSPHRASE, "format": fmt},
        )

    four = closed_with(4)
    page = post(four, "html").get_data(as_text=True)
    assert "Fewer than 5 people have answered" in page and "<svg" not in page
    assert post(four, "csv").data.decode("utf-8-sig").strip().count("\n") == 0  # header only
    five = closed_with(5)
    page = post(five, "html").get_data(as_text=True)
    assert "5 answers counted." in page and "<svg" in page
    rows = list(
        load_workbook(io.BytesIO(post(five, "xlsx").data)).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("Question", "Group", "Answer", "Count", "Percent", "Mean")
    assert ("Were you pressed to get the card?", "All", "Yes", 5, 100.0, None) in rows
    # All five are in one group (>= k) and the other groups are empty: that group is shown.
    assert ("Were you pressed to get the card?", "Office", "Yes", 5, 100.0, None) in rows
    assert not any(row[1] == "Technical" for row in rows)


def test_each_thank_you_page_shows_its_own_receipt_in_the_language_asked_for(
    client, surveys, session
):
    """The thank-you page is rendered once and kept (surveys/public.py): every respondent still
    sees the receipt of their own answer, in the mode and the language of their own post."""
    import re

    survey = surveys.opened()
    ids = surveys.question_ids(survey)
    shown = []
    for lang, browser in (("ja", False), ("ja", False), ("en", False), ("ja", True)):
        data = {**plain_form(survey), "token": answer_token(client, survey.id)}
        if browser:
            data = {"token": data["token"], "sealed": sealed_answer(survey, {str(ids["group"]): 1})}
        response = client.post(f"/surveys/answer/{survey.id}?lang={lang}", data=data)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'data-mode="{"browser" if browser else "server"}"' in html
        assert f'<html lang="{lang}">' in html
        shown.append(re.search(r'<code id="receipt">([^<]*)</code>', html).group(1))
    stored = {sealing.receipt(s) for s in _stored(session, survey.id)}
    assert len(set(shown)) == 4 and set(shown) == stored


def test_an_answer_after_the_survey_changed_elsewhere_follows_the_database(
    client, surveys, session
):
    """The answer route keeps the survey as it last read it (surveys/answering.py) and lets the
    storing statement check the database's state: a survey closed, or its closing date moved,
    by another process since is answered as the database says, at once. (The opening date
    stands for any change of dates: a closing date that passes closes the survey for good.)"""
    from datetime import timedelta

    from campaign import clock

    survey = surveys.opened()
    token = answer_token(client, survey.id)  # good for this hour and the next

    def post() -> int:
        data = {**plain_form(survey), "token": token}
        return client.post(f"/surveys/answer/{survey.id}", data=data).status_code

    assert post() == 200  # the route now keeps this survey's view
    survey.opens_at = clock.now() + timedelta(days=1)  # moved by another worker
    session.commit()
    assert post() == 410
    survey.opens_at = None  # and back: the view kept says "not yet", the database says open
    session.commit()
    assert post() == 200
    survey.state = State.CLOSED  # closed elsewhere (the close job of another process)
    session.commit()
    assert post() == 410
    assert len(_stored(session, survey.id)) == 2


def test_kept_thank_you_pages_are_bounded(app, client, surveys, session, monkeypatch):
    """Addresses with made-up query strings each cost one render, and no more pages are kept
    than the bound (campaign/publicforms.py kept_page)."""
    import re

    from campaign import publicforms

    monkeypatch.setattr(publicforms, "KEPT_PAGES_MAX", 3)
    survey = surveys.opened()
    shown = []
    for n in range(6):
        data = {**plain_form(survey), "token": answer_token(client, survey.id)}
        response = client.post(f"/surveys/answer/{survey.id}?made-up={n}", data=data)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        shown.append(re.search(r'<code id="receipt">([^<]*)</code>', html).group(1))
    assert set(shown) == {sealing.receipt(s) for s in _stored(session, survey.id)}
    assert len(app.extensions["publicforms.pages"]) <= 3


def test_an_answer_is_committed_on_a_connection_of_its_own_before_it_is_acknowledged(
    app, client, surveys, session, monkeypatch
):
    """The answer route stores on a Core connection of its own and commits it before the
    thank-you page is sent (surveys/answering.py ``receive``). It opens no request session, not
    even for the close-due check that a worker's first writing request runs: on SQLite that
    session's transaction would hold the write lock the answer's connection then waits for (15
    s, then a 500; it did, before the check learnt to leave public requests alone)."""
    from campaign import db

    survey = surveys.opened()
    app.extensions.pop("surveys.due", None)  # a fresh worker: its close-due check is due
    token = answer_token(client, survey.id)
    opened = []
    request_session = db.session
    monkeypatch.setattr(db, "session", lambda: opened.append(1) or request_session())
    response = client.post(
        f"/surveys/answer/{survey.id}", data={**plain_form(survey), "token": token}
    )
    assert response.status_code == 200
    assert opened == []
    (stored,) = _stored(session, survey.id)  # committed: the test's own session reads it
    assert sealing.receipt(stored) in response.get_data(as_text=True)
    refused = client.post(f"/surveys/answer/{survey.id}", data={"token": token, "q1": "99"})
    assert refused.status_code == 400 and len(_stored(session, survey.id)) == 1
