"""Surveys part two (issue 10): stuffing, the answer page's leaks, invitation codes, key custody,
the one results gate, closing by the system, the receipts list."""

from __future__ import annotations

import io
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from werkzeug.serving import make_server

from campaign.audit import services as audit
from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.models import Base
from surveys import codes, custody, gate, sealing, services, storage
from surveys.models import InvitationCode, State, Survey
from tests.helpers import ON_POSTGRES, csrf_token, sqlite_log_pages
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form


def _audit(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _answer(client, survey, **extra):
    data = {**plain_form(survey), "token": answer_token(client, survey.id), **extra}
    return client.post(f"/surveys/answer/{survey.id}", data=data)


@pytest.fixture
def coded(app, surveys, session):
    """An open survey that needs codes, and 5 codes for it."""
    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    with app.test_request_context():
        made = codes.generate(session, app.config["SECRET_KEY"], survey, 5)
    session.commit()
    return survey, made


# --- leak 4: stuffing --------------------------------------------------------------------


def test_an_officer_sees_only_whether_k_arrived_and_cannot_close_early(
    client, auth, make, surveys, session
):
    officer = make.user()
    from campaign.org.models import Branch

    survey = surveys.opened(branch=session.get(Branch, officer.branch_id))
    anonymous = client.application.test_client()
    auth.login(officer)
    for n in range(1, 4):
        assert _answer(anonymous, survey).status_code == 200
        page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
        count = re.search(r'id="answer-count">(.*?)</dd>', page, re.S).group(1)
        assert str(n) not in count  # never the running count
        assert "Fewer than 5" in count
        listing = client.get("/surveys/").get_data(as_text=True)
        assert f">{n}<" not in listing
    token = csrf_token(client, f"/surveys/{survey.id}")
    early = client.post(
        f"/surveys/{survey.id}/close", data={"csrf_token": token, "reason": "I want it now"}
    )
    assert early.status_code == 403
    session.expire_all()
    assert session.get(Survey, survey.id).state == State.OPEN


def test_headquarters_closes_early_only_with_a_reason_which_is_audited(
    client, auth, make, surveys, session
):
    survey = surveys.opened()
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}")
    client.post(f"/surveys/{survey.id}/close", data={"csrf_token": token, "reason": ""})
    session.expire_all()
    assert session.get(Survey, survey.id).state == State.OPEN
    reason = "the union meeting was moved forward"
    client.post(f"/surveys/{survey.id}/close", data={"csrf_token": token, "reason": reason})
    (entry,) = _audit(session, "survey.closed")
    assert audit.note_of(session, entry) == reason and entry.actor_id is not None


def test_a_survey_without_codes_warns_that_anyone_with_the_link_can_answer(
    client, auth, make, surveys
):
    survey = surveys.draft()
    auth.login(make.user(role=Role.HQ))
    assert "anyone with the link can answer" in client.get(f"/surveys/{survey.id}/edit").text
    assert "Anyone with the link can answer" in client.get(f"/surveys/{survey.id}").text
    assert "anyone with the link can answer" in client.get(f"/surveys/{survey.id}/open").text


# --- leaks 7, 8, 9: the answer page ------------------------------------------------------


def test_the_language_switch_of_the_answer_page_sets_no_cookie(client, surveys):
    survey = surveys.opened()
    page = client.get(f"/surveys/answer/{survey.id}?lang=en")
    assert "Set-Cookie" not in page.headers
    assert f"/surveys/answer/{survey.id}?lang=ja" in page.text
    assert "/language/" not in page.text and "switch_language" not in page.text
    japanese = client.get(f"/surveys/answer/{survey.id}?lang=ja")
    assert 'lang="ja"' in japanese.text and "Set-Cookie" not in japanese.headers


def test_without_javascript_a_missing_answer_keeps_the_others_and_marks_the_question(
    client, surveys, session
):
    survey = surveys.opened()
    required = next(q for q in survey.questions if q.required and not q.is_grouping)
    number = next(q for q in survey.questions if q.kind.value == "number")
    data = {**plain_form(survey), "token": answer_token(client, survey.id)}
    data.pop(f"q{required.id}")
    data[f"q{number.id}"] = "417"
    page = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert page.status_code == 400
    html = page.text
    fieldset = re.search(rf'<fieldset[^>]*id="question-{required.id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in fieldset and "has-error" in fieldset
    assert required.text("en") in html.split('role="alert"')[1].split("</div>")[0]
    assert 'value="417"' in html  # the number given is still there
    assert re.search(rf'name="q{survey.grouping.id}" value="0"[^>]* checked', html)
    assert storage.filled_count(session, survey.id) == 0


def test_a_survey_number_too_large_for_the_database_is_404(client):
    assert client.get("/surveys/answer/99999999999999999999").status_code == 404


# --- invitation codes -------------------------------------------------------------------


def test_codes_are_easy_to_type_and_mistypes_are_caught():
    code = codes.new_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Y]{4}(-[0-9A-HJKMNP-TV-Y]{4}){3}", code)
    assert codes.normalise(code.lower().replace("-", " ")) == code.replace("-", "")
    full_width = code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert codes.normalise(full_width) == code.replace("-", "")
    plain = code.replace("-", "")
    wrong = 0
    for i, c in enumerate(plain):
        for other in codes.ALPHABET:
            if other != c and codes.normalise(plain[:i] + other + plain[i + 1 :]) is not None:
                wrong += 1
    assert wrong == 0  # every single wrong character is caught
    for i in range(len(plain) - 1):
        if plain[i] != plain[i + 1]:
            swapped = plain[:i] + plain[i + 1] + plain[i] + plain[i + 2 :]
            assert codes.normalise(swapped) is None


def test_an_answer_needs_an_unspent_code(client, coded, session):
    survey, made = coded
    assert _answer(client, survey).status_code == 400
    assert _answer(client, survey, code="0000-0000-0000-0000").status_code == 400
    assert _answer(client, survey, code=made[0].lower()).status_code == 200
    again = _answer(client, survey, code=made[0])
    assert again.status_code == 400 and "already been used" in again.text
    assert storage.filled_count(session, survey.id) == 1


def test_fifty_requests_with_one_code_at_the_same_moment_one_is_accepted(
    app, client, coded, session
):
    survey, made = coded
    token = answer_token(client, survey.id)
    body = urllib.parse.urlencode(
        {**plain_form(survey), "token": token, "code": made[1]}, doseq=True
    ).encode()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/surveys/answer/{survey.id}"
    barrier = threading.Barrier(50)

    def send(_n: int) -> int:
        barrier.wait()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(send, range(50)))
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert statuses.count(200) == 1 and statuses.count(400) == 49, statuses
    assert storage.filled_count(session, survey.id) == 1
    assert codes.counts(session, survey.id) == (5, 1)


def test_nothing_stored_links_a_code_to_an_answer(app, client, coded, session, database_url):
    survey, made = coded
    for code in made[:3]:
        assert _answer(client, survey, code=code).status_code == 200
    engine = app.extensions["naishin.engine"]
    assert {c["name"] for c in inspect(engine).get_columns("survey_codes")} == {
        "id",
        "survey_id",
        "code_hash",
        "spent",
    }
    session.expire_all()
    plain = [c.replace("-", "") for c in made]
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            blob = repr(tuple(row))
            assert not any(c in blob or c.lower() in blob for c in plain), table.name
    if not ON_POSTGRES:
        db_file = Path(database_url.removeprefix("sqlite:///"))
        assert sqlite_log_pages(db_file) == ([1], [1])  # the log holds no pairing either
        content = db_file.read_bytes()
        assert not any(c.encode() in content for c in plain)
    rows = list(
        session.scalars(select(InvitationCode).where(InvitationCode.survey_id == survey.id))
    )
    assert sum(r.spent for r in rows) == 3


def test_slips_print_on_a4_pages_and_the_mail_merge_csv_has_every_code(
    client, auth, make, surveys, session
):
    from pypdf import PdfReader

    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}")
    pdf = client.post(
        f"/surveys/{survey.id}/codes", data={"csrf_token": token, "count": "12", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) >= 2  # 12 slips, 10 to a sheet
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1  # A4 in points
    text = "".join(page.extract_text() for page in reader.pages)
    found = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text)
    assert len(set(found)) == 12 and all(codes.normalise(c) for c in found)
    assert "職場アンケート" in text and f"/surveys/answer/{survey.id}" in text
    merge = client.post(
        f"/surveys/{survey.id}/codes", data={"csrf_token": token, "count": "3", "format": "csv"}
    )
    lines = merge.data.decode("utf-8-sig").strip().split("\r\n")
    assert lines[0] == "Survey,Answer page address,Invitation code"
    assert len(lines) == 4 and all(codes.normalise(line.rsplit(",", 1)[1]) for line in lines[1:])
    assert codes.counts(session, survey.id) == (15, 0)
    # The codes exist only in those responses: none of them is in the database.
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            assert not any(c.replace("-", "") in repr(tuple(row)) for c in found)


# --- key custody (the handover and the results: tests/surveys/test_custody.py) ------------


def test_custody_splits_and_combines_with_slip39():
    from nacl.public import PrivateKey

    key = PrivateKey.generate()
    shares = custody.split(key, 5, 3)
    public = bytes(key.public_key)
    with pytest.raises(custody.CustodyError):
        custody.combine(shares[:2], public)
    private, indexes = custody.combine([shares[4], shares[0], shares[2]], public)
    assert bytes(private) == bytes(key) and indexes == [0, 2, 4]
    with pytest.raises(custody.CustodyError):
        custody.combine(shares[:3], bytes(PrivateKey.generate().public_key))
    for n in (1, 17):
        with pytest.raises(ValueError):
            custody.split(key, n, 2)


# --- the results gate and closing by the system --------------------------------------------


def test_every_way_to_the_results_refuses_before_close_and_audits_once_per_opening(
    client, auth, make, surveys, session, runner, tmp_path
):
    survey = surveys.opened()
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}")
    private = sealing.unwrap(services.wrapped_key(survey), PASSPHRASE)
    key_path = tmp_path / "key.json"
    key_path.write_bytes(sealing.key_file(survey.id, private))
    anonymous = client.application.test_client()
    for _ in range(5):
        _answer(anonymous, survey)
    for fmt in ("html", "csv", "xlsx"):
        early = client.post(
            f"/surveys/{survey.id}/results",
            data={"csrf_token": token, "passphrase": PASSPHRASE, "format": fmt},
        )
        assert early.status_code == 302, fmt
    cli = runner.invoke(args=["surveys", "tally", str(survey.id), "--key-file", str(key_path)])
    assert cli.exit_code != 0 and "still open" in cli.output
    with pytest.raises(gate.NotClosed):
        gate.open_results(session, survey, passphrase=PASSPHRASE)
    assert _audit(session, "survey.results_opened") == []
    assert _audit(session, "survey.results_exported") == []
    surveys.close(survey)
    for fmt in ("html", "csv", "xlsx"):
        opened = client.post(
            f"/surveys/{survey.id}/results",
            data={"csrf_token": token, "passphrase": PASSPHRASE, "format": fmt},
        )
        assert opened.status_code == 200, fmt
    cli = runner.invoke(args=["surveys", "tally", str(survey.id), "--key-file", str(key_path)])
    assert cli.exit_code == 0, cli.output
    assert len(_audit(session, "survey.results_opened")) == 1
    assert len(_audit(session, "survey.results_exported")) == 2
    assert len(_audit(session, "survey.results_tallied_offline")) == 1


def test_a_due_survey_is_closed_by_the_system_at_the_first_request_after_its_date(
    app, client, auth, make, surveys, session, clock
):
    survey = surveys.opened()
    survey.closes_at = clock.now().replace(microsecond=0)
    session.commit()
    clock.advance(minutes=2)
    officer = make.user()
    auth.login(officer)  # whoever happens to make the first request
    client.get("/surveys/")
    (entry,) = _audit(session, "survey.closed")
    assert entry.actor_id is None and entry.reason == "closing date passed"
    assert session.get(Survey, survey.id).state == State.CLOSED


def test_surveys_close_due_for_cron(runner, surveys, session, clock):
    due = surveys.opened()
    later = surveys.opened()
    due.closes_at = clock.now()
    later.closes_at = clock.now().replace(year=clock.now().year + 1)
    session.commit()
    clock.advance(minutes=1)
    result = runner.invoke(args=["surveys", "close-due"])
    assert result.exit_code == 0 and "closed: 1" in result.output
    session.expire_all()
    assert session.get(Survey, due.id).state == State.CLOSED
    assert session.get(Survey, later.id).state == State.OPEN
    (entry,) = _audit(session, "survey.closed")
    assert entry.actor_id is None


# --- receipts ---------------------------------------------------------------------------


def test_the_published_receipts_list_is_public_cookieless_and_random(
    client, auth, make, surveys, session
):
    survey = surveys.opened()
    anonymous = client.application.test_client()
    receipts = []
    for _ in range(8):
        page = _answer(anonymous, survey)
        receipts.append(re.search(r'id="receipt">([^<]+)<', page.text).group(1))
    assert anonymous.get(f"/surveys/receipts/{survey.id}").status_code == 404
    surveys.close(survey)
    assert anonymous.get(f"/surveys/receipts/{survey.id}").status_code == 404  # not published
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}")
    client.post(f"/surveys/{survey.id}/receipts/publish", data={"csrf_token": token})
    anonymous.set_cookie("naishin_session", "stale")
    found = anonymous.get(
        f"/surveys/receipts/{survey.id}", query_string={"receipt": receipts[3].upper()}
    )
    assert found.status_code == 200 and 'data-found="1"' in found.text
    assert "Set-Cookie" not in found.headers
    missing = anonymous.get(
        f"/surveys/receipts/{survey.id}", query_string={"receipt": "0000-0000-0000-0000-0000"}
    )
    assert 'data-found="0"' in missing.text
    listing = anonymous.get(f"/surveys/receipts/{survey.id}/all.txt")
    lines = listing.text.split()
    assert sorted(lines) == sorted(receipts) and listing.text == "\n".join(lines) + "\n"
    orders = {
        tuple(anonymous.get(f"/surveys/receipts/{survey.id}/all.txt").text.split())
        for _ in range(6)
    }
    assert len(orders) > 1  # a fresh random order each time
    assert len(_audit(session, "survey.receipts_published")) == 1
