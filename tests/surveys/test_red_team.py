"""Red team (SECURITY.md promises 1, 2, 3): markers sent by respondents never reach the disk or
the logs, and neither the table nor the file keeps the order in which answers arrived.

The marker test runs the real production server (gunicorn with campaign/gunicorn_conf.py, one
worker) on a SQLite file and captures everything it writes to stdout and stderr (its access
log, its error log, and the app's logger, which Flask sends to the same stream).
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from surveys import sealing, services
from surveys.models import Slot, Survey
from tests.helpers import ON_POSTGRES, Gunicorn, free_port, http_request, sqlite_log_pages
from tests.surveys.helpers import PASSPHRASE, answer_token, plain_form

ROOT = Path(__file__).resolve().parents[2]


_free_port, _request = free_port, http_request  # tests/helpers.py: the shared harness


def test_answer_tables_have_no_time_address_or_order_columns(app):
    engine = app.extensions["naishin.engine"]
    columns = {
        t: {c["name"] for c in inspect(engine).get_columns(t)}
        for t in ("survey_slots", "survey_codes")
    }
    assert columns == {
        "survey_slots": {"id", "survey_id", "slot", "part", "filled", "data"},
        "survey_codes": {"id", "survey_id", "code_hash", "spent"},
    }
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            storage = connection.execute(
                text(
                    "SELECT attstorage FROM pg_attribute WHERE attrelid = 'survey_slots'::regclass"
                    " AND attname = 'data'"
                )
            ).scalar()
            options = connection.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'survey_slots'")
            ).scalar()
        assert storage == "p" and "fillfactor=40" in options


@pytest.mark.skipif(
    ON_POSTGRES,
    reason="greps the SQLite file and its WAL; on PostgreSQL "
    "test_markers_reach_no_table_row checks every row",
)
def test_markers_reach_neither_the_database_file_nor_any_log(
    database_url, surveys, session, tmp_path
):
    survey = surveys.opened()
    db_file = Path(database_url.removeprefix("sqlite:///"))
    server = Gunicorn(database_url, tmp_path).start()
    instance, logs = server.instance, server.log_path
    try:
        base = server.base
        tag = uuid.uuid4().hex[:12]
        markers = {
            "answer": f"ANSWER{tag}",
            "address": "198.51.100.173",
            "agent": f"AGENT{tag}",
            "referer": f"REFERER{tag}",
        }
        headers = {
            "X-Forwarded-For": markers["address"],
            "User-Agent": markers["agent"],
            "Referer": f"https://{markers['referer']}.example/",
        }
        url = f"{base}/surveys/answer/{survey.id}"
        for n in range(12):
            status, page = _request(url, headers=headers)
            assert status == 200
            token = re.search(r'name="token" value="([^"]+)"', page).group(1)
            fields = {**plain_form(survey, group=n % 4, text=f"{markers['answer']} {n}")}
            if n % 2:  # sealed "in the browser"
                answer = {str(q.id): 1 for q in survey.questions if q.kind.value == "single"}
                answer[str(survey.questions[-1].id)] = markers["answer"]
                fields = {
                    "sealed": base64.b64encode(
                        sealing.seal(answer, survey.public_key, survey.block_size)
                    ).decode()
                }
            body = urllib.parse.urlencode({**fields, "token": token}, doseq=True).encode()
            status, receipt = _request(url, body, headers)
            assert status == 200, receipt
        # Failures are logged too: a bad token, a malformed answer, a page that is not there.
        for data in (b"token=nope", f"token={token}&sealed=%%%".encode()):
            assert _request(url, data, headers)[0] == 400
        assert _request(f"{base}/surveys/answer/999999", None, headers)[0] == 404
        # A staff page, with the same headers: its access line shows the log is captured.
        assert _request(f"{base}/login", None, headers)[0] == 200
    finally:
        server.stop()
    log_bytes = logs.read_bytes()
    assert b'"GET /login HTTP/1.1" 200' in log_bytes  # the access log was captured...
    assert b"/surveys/answer/" not in log_bytes  # ...and holds no line of any answer
    session.expire_all()
    assert services.count_answers(session, survey.id) == 12
    files = [logs, db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")]
    files += [p for p in instance.rglob("*") if p.is_file()]
    for path in files:
        if not path.exists():
            continue
        content = path.read_bytes()
        for name, marker in markers.items():
            assert marker.encode() not in content, (name, path)
            assert marker.encode("utf-16-le") not in content, (name, path)


def test_markers_reach_no_table_row_and_no_app_log(app, client, surveys, session, caplog):
    """On either database: every row of every table, and the app's log records."""
    import logging

    from campaign.models import Base

    caplog.set_level(logging.DEBUG)
    survey = surveys.opened()
    tag = uuid.uuid4().hex[:12]
    markers = [f"ANSWER{tag}", "198.51.100.174", f"AGENT{tag}", f"REFERER{tag}"]
    headers = {
        "X-Forwarded-For": markers[1],
        "User-Agent": markers[2],
        "Referer": f"https://{markers[3]}.example/",
    }
    for n in range(25):
        data = {
            **plain_form(survey, text=f"{markers[0]} {n}"),
            "token": answer_token(client, survey.id),
        }
        assert (
            client.post(f"/surveys/answer/{survey.id}", data=data, headers=headers).status_code
            == 200
        )
    client.post(f"/surveys/answer/{survey.id}", data={"token": "x"}, headers=headers)
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            blob = repr(tuple(row))
            assert not any(marker in blob for marker in markers), table.name
    assert not any(marker in caplog.text for marker in markers)


def _spearman(order: list[int]) -> float:
    """Spearman's rank correlation between positions 0..n-1 and the given distinct ranks."""
    n = len(order)
    ranks = {value: rank for rank, value in enumerate(sorted(order))}
    d2 = sum((i - ranks[value]) ** 2 for i, value in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


# For n = 200 answers whose stored order is independent of arrival, Spearman's rho is close to
# normal with standard deviation 1/sqrt(n - 1) ≈ 0.071: |rho| < 0.25 (3.5 standard deviations)
# fails by chance about once in 2,000 runs, while keeping arrival order (rho = 1) or even only
# the order of the 10 batches of 20 (rho ≈ 0.99) fails it with certainty.
RHO_BOUND = 0.25
N_ORDER = 200


def _slot_rows(session, survey_id):
    """(slot, part, data, physical position) of the filled slots; position: SQLite rowid
    order of the B-tree is random, so the byte offset in the file is used; PostgreSQL: ctid."""
    if ON_POSTGRES:
        rows = session.execute(
            text(
                "SELECT slot, part, data, ctid::text FROM survey_slots "
                "WHERE survey_id = :s AND filled"
            ),
            {"s": survey_id},
        ).all()
        return [
            (r[0], r[1], bytes(r[2]), tuple(int(x) for x in r[3].strip("()").split(",")))
            for r in rows
        ]
    rows = session.execute(
        text("SELECT slot, part, data FROM survey_slots WHERE survey_id = :s AND filled"),
        {"s": survey_id},
    ).all()
    return [(r[0], r[1], bytes(r[2]), None) for r in rows]


def _orders(session, survey, db_file: Path | None) -> dict[str, float]:
    """rho of arrival (the number answered) vs SELECT order, app order and physical order of
    the first and the last part of each answer (in the file on SQLite, the heap on PostgreSQL)."""
    open_one = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    number = str(next(q.id for q in survey.questions if q.kind.value == "number"))
    session.expire_all()
    rows = _slot_rows(session, survey.id)
    by_slot: dict[int, list] = {}
    for slot, part, data, position in rows:
        by_slot.setdefault(slot, []).append((part, data, position))
    arrival = {}
    for slot, parts in by_slot.items():
        parts.sort()
        arrival[slot] = open_one(b"".join(p[1] for p in parts))[number]
    select_order = []
    for slot, _part, _data, _pos in rows:
        if slot not in select_order:
            select_order.append(slot)
    app_order = list(services.iter_sealed(session, survey.id))
    assert len(by_slot) == len(app_order) == N_ORDER
    result = {
        "select": _spearman([arrival[s] for s in select_order]),
        "app": _spearman([open_one(s)[number] for s in app_order]),
    }
    content = db_file.read_bytes() if db_file is not None else None
    for name, pick in (("first part", 0), ("last part", -1)):
        placed = []
        for slot, parts in by_slot.items():
            part, data, position = parts[pick]
            where = position if content is None else content.index(data)
            placed.append((where, arrival[slot]))
        result[name] = _spearman([a for _, a in sorted(placed)])
    return result


def test_neither_select_order_nor_storage_order_follows_arrival(
    client, auth, make, surveys, session, database_url
):
    from campaign.auth.models import Role
    from tests.helpers import csrf_token

    survey = surveys.opened(text=True)
    number = next(q.id for q in survey.questions if q.kind.value == "number")
    for n in range(N_ORDER):
        data = {**plain_form(survey, group=n % 4), "token": answer_token(client, survey.id)}
        data[f"q{number}"] = str(n)
        assert client.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
    db_file = None if ON_POSTGRES else Path(database_url.removeprefix("sqlite:///"))
    if db_file is not None:  # the log and its index name the header page only (R4-7)
        assert sqlite_log_pages(db_file) == ([1], [1])
    while_open = _orders(session, survey, db_file)
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}")
    closing = {"csrf_token": token, "reason": "the red team closes it"}
    assert client.post(f"/surveys/{survey.id}/close", data=closing).status_code == 302
    session.expire_all()
    after_close = _orders(session, survey, db_file)
    print(f"spearman rho while open: {while_open}; after close: {after_close}")
    for when, measured in (("open", while_open), ("closed", after_close)):
        for name, rho in measured.items():
            assert abs(rho) < RHO_BOUND, (when, name, rho)
    assert session.scalar(select(Survey.state).where(Survey.id == survey.id)) == "closed"
    assert session.scalar(select(Slot.id).limit(1)) is not None


N_RED_TEAM = 300
BATCHES = 10


def _start_gunicorn(database_url: str, tmp_path: Path, secret_key: str):
    server = Gunicorn(
        database_url,
        tmp_path,
        NAISHIN_SURVEY_ANSWER_LIMIT="100000 per minute",
        NAISHIN_SECRET_KEY=secret_key,  # the codes were hashed under the test app's key
    ).start()
    return server.process, server._log, server.log_path, server.base, server.instance


def _batch_accuracy(positions: list[tuple[int, int]]) -> float:
    """Guess each answer's arrival batch from its rank in the file: the share guessed right."""
    ordered = [arrival for _, arrival in sorted(positions)]
    size = len(ordered) / BATCHES
    right = sum(int(rank / size) == int(arrival / size) for rank, arrival in enumerate(ordered))
    return right / len(ordered)


def _read_copy(folder: Path, survey, open_one, number: str) -> dict:
    """What a copy of the database file and its WAL, taken at one moment, says of the order."""
    import sqlite3

    db_copy, wal_copy = folder / "naishin.sqlite3", folder / "naishin.sqlite3-wal"
    content = db_copy.read_bytes()
    wal = wal_copy.read_bytes() if wal_copy.exists() else b""
    # Open a second copy so that SQLite's recovery does not change the bytes measured.
    scratch = folder / "scratch"
    scratch.mkdir()
    for path in (db_copy, wal_copy):
        if path.exists():
            (scratch / path.name).write_bytes(path.read_bytes())
    connection = sqlite3.connect(scratch / db_copy.name)
    rows = connection.execute(
        "SELECT slot, part, data FROM survey_slots WHERE survey_id = ? AND filled",
        (survey.id,),
    ).fetchall()
    connection.close()
    slots: dict[int, list] = {}
    for slot, part, data in rows:
        slots.setdefault(slot, []).append((part, bytes(data)))
    arrival, first, last, in_wal, select_order = {}, [], [], [], []
    for slot, _part, _data in rows:
        if slot not in select_order:
            select_order.append(slot)
    for slot, parts in slots.items():
        parts.sort()
        arrival[slot] = open_one(b"".join(p for _, p in parts))[number]
        for target, (_, piece) in ((first, parts[0]), (last, parts[-1])):
            where = content.find(piece)
            if where >= 0:
                target.append((where, arrival[slot]))
        where = wal.find(parts[-1][1])
        if where >= 0:
            in_wal.append((where, arrival[slot]))
    result = {
        "answers": len(slots),
        "select": _spearman([arrival[s] for s in select_order]),
        "file first part": _spearman([a for _, a in sorted(first)]),
        "file last part": _spearman([a for _, a in sorted(last)]),
        "batch guessed": _batch_accuracy(last),
        "in file": len(last),
        "in wal": len(in_wal),
    }
    if len(in_wal) >= 3:
        result["wal"] = _spearman([a for _, a in sorted(in_wal)])
    return result


STATICS = [
    "/static/css/site.css",
    "/static/css/print.css",
    "/static/favicon.svg",
    "/static/surveys/answer.js",
    "/static/surveys/sodium/libsodium.js",
    "/static/surveys/sodium/libsodium-wrappers.js",
]
HEADERS = {"X-Forwarded-For": "198.51.100.77", "User-Agent": "RedTeamAgent"}


def _coded_survey(app, surveys, session):
    """An open survey that needs codes, and N_RED_TEAM codes for it."""
    from surveys import codes

    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    with app.test_request_context():
        made = codes.generate(session, app.config["SECRET_KEY"], survey, N_RED_TEAM)
    session.commit()
    return survey, made


def _send_answers(base: str, survey, made: list[str], number: str, snapshot) -> None:
    """N_RED_TEAM answers in a known order (the number question holds the rank), half sealed
    "in the browser", half by the server, loading the page's static files as a browser would;
    ``snapshot(n)`` after the middle and the last answer."""
    url = f"{base}/surveys/answer/{survey.id}"
    for n in range(N_RED_TEAM):
        status, page = _request(url, headers=HEADERS)
        assert status == 200
        if n % 5 == 0:
            for path in STATICS:
                assert _request(base + path, headers=HEADERS)[0] == 200, path
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        if n % 2:
            answer = {str(survey.grouping.id): n % 4, number: n}
            sealed = sealing.seal(answer, survey.public_key, survey.block_size)
            fields = {"sealed": base64.b64encode(sealed).decode()}
        else:
            fields = {**plain_form(survey, group=n % 4), f"q{number}": str(n)}
        body = urllib.parse.urlencode(
            {**fields, "token": token, "code": made[n]}, doseq=True
        ).encode()
        status, receipt = _request(url, body, HEADERS)
        assert status == 200, (n, re.findall(r'id="answer-error"><p>([^<]*)', receipt))
        if n + 1 in (N_RED_TEAM // 2, N_RED_TEAM):
            snapshot(n + 1)


def _close_due_while_serving(app, session, survey, database_url: str, instance: Path) -> str:
    """The closing date passes; cron's `surveys close-due` closes the survey, as the system,
    while the server runs. Returns what the command printed.

    The command runs in a process of its own, on the real clock (not the test's fake one)."""
    from datetime import UTC, datetime

    session.expire_all()
    due = session.get(Survey, survey.id)
    due.closes_at = datetime.now(UTC).replace(microsecond=0)
    session.commit()
    time.sleep(1.1)
    env = {
        **os.environ,
        "NAISHIN_DATABASE_URL": database_url,
        "NAISHIN_INSTANCE_PATH": str(instance),
        "NAISHIN_SECRET_KEY": app.config["SECRET_KEY"],
    }
    closing = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "surveys", "close-due"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "closed: 1" in closing.stdout, closing.stdout + closing.stderr
    return closing.stdout


def _check_logs(logs: Path, made: list[str]) -> None:
    log_bytes = logs.read_bytes()
    assert b'"GET /login HTTP/1.1" 200' in log_bytes  # the access log was captured...
    for path in ("/surveys/", "/static/", "RedTeamAgent", "198.51.100.77"):
        assert path.encode() not in log_bytes, path  # ...and holds no respondent's request
    for code in made:
        assert code.encode() not in log_bytes


@pytest.mark.skipif(ON_POSTGRES, reason="copies the SQLite file and its WAL")
def test_red_team_gunicorn_300_answers_with_codes_no_order_no_log_line(
    app, database_url, surveys, session, tmp_path
):
    import shutil

    survey, made = _coded_survey(app, surveys, session)
    number = str(next(q.id for q in survey.questions if q.kind.value == "number"))
    db_file = Path(database_url.removeprefix("sqlite:///"))
    server, log, logs, base, instance = _start_gunicorn(
        database_url, tmp_path, app.config["SECRET_KEY"]
    )
    copies = {}

    def copy(name: str) -> None:
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        for suffix in ("", "-wal"):
            if Path(f"{db_file}{suffix}").exists():
                shutil.copy(f"{db_file}{suffix}", folder / f"naishin.sqlite3{suffix}")
        copies[name] = folder

    try:
        _send_answers(base, survey, made, number, lambda n: copy(f"open after {n}"))
        _close_due_while_serving(app, session, survey, database_url, instance)
        assert _request(f"{base}/login")[0] == 200
        copy("closed")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    session.expire_all()
    assert session.get(Survey, survey.id).state == "closed"
    _check_logs(logs, made)
    open_one = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    measured = {
        name: _read_copy(folder, survey, open_one, number) for name, folder in copies.items()
    }
    print(f"red team (SQLite, gunicorn, {N_RED_TEAM} answers): {measured}")
    for name, result in measured.items():
        for key in ("select", "file first part", "file last part", "wal"):
            if key in result:
                assert abs(result[key]) < RHO_BOUND, (name, key, result)
        assert result["in file"] == result["answers"], (name, result)  # every answer measured
        # Chance is 1 in 10; 0.2 is far above what chance gives for 150 to 300 answers.
        assert result["batch guessed"] < 0.2, (name, result)
        assert result["in wal"] <= 3, (name, result)


def _read_postgres(session, survey, open_one, number: str) -> dict:
    """What PostgreSQL shows of the order at this moment: the order a plain SELECT returns, the
    physical order (ctid: heap page and line), and the byte offset in the table's heap file
    after a CHECKPOINT (when this process may read the server's files)."""
    session.commit()
    rows = session.execute(
        text(
            "SELECT slot, part, data, ctid::text FROM survey_slots WHERE survey_id = :s AND filled"
        ),
        {"s": survey.id},
    ).all()
    session.execute(text("CHECKPOINT"))
    directory = session.execute(text("SHOW data_directory")).scalar()
    relative = session.execute(text("SELECT pg_relation_filepath('survey_slots')")).scalar()
    session.commit()
    try:
        heap = b"".join(p.read_bytes() for p in sorted(Path(directory).glob(relative + "*")))
    except OSError:
        heap = None
    slots: dict[int, list] = {}
    select_order = []
    for slot, part, data, ctid in rows:
        page, line = (int(x) for x in ctid.strip("()").split(","))
        slots.setdefault(slot, []).append((part, bytes(data), (page, line)))
        if slot not in select_order:
            select_order.append(slot)
    arrival, first, last, in_file = {}, [], [], []
    for slot, parts in slots.items():
        parts.sort()
        arrival[slot] = open_one(b"".join(p[1] for p in parts))[number]
        first.append((parts[0][2], arrival[slot]))
        last.append((parts[-1][2], arrival[slot]))
        if heap is not None and (where := heap.find(parts[-1][1])) >= 0:
            in_file.append((where, arrival[slot]))
    result = {
        "answers": len(slots),
        "select": _spearman([arrival[s] for s in select_order]),
        "ctid first part": _spearman([a for _, a in sorted(first)]),
        "ctid last part": _spearman([a for _, a in sorted(last)]),
        "batch guessed (ctid)": _batch_accuracy(last),
        "in heap file": len(in_file) if heap is not None else None,
    }
    if heap is not None and len(in_file) >= 3:
        result["heap file"] = _spearman([a for _, a in sorted(in_file)])
        result["batch guessed (file)"] = _batch_accuracy(in_file)
    return result


@pytest.mark.skipif(not ON_POSTGRES, reason="reads PostgreSQL's heap and ctid")
def test_red_team_gunicorn_300_answers_on_postgresql_no_order_no_log_line(
    app, database_url, surveys, session, tmp_path
):
    survey, made = _coded_survey(app, surveys, session)
    number = str(next(q.id for q in survey.questions if q.kind.value == "number"))
    open_one = sealing.opener(sealing.unwrap(services.wrapped_key(survey), PASSPHRASE))
    server, log, logs, base, instance = _start_gunicorn(
        database_url, tmp_path, app.config["SECRET_KEY"]
    )
    measured = {}
    try:
        _send_answers(
            base,
            survey,
            made,
            number,
            lambda n: measured.update(
                {f"open after {n}": _read_postgres(session, survey, open_one, number)}
            ),
        )
        _close_due_while_serving(app, session, survey, database_url, instance)
        assert _request(f"{base}/login")[0] == 200
        measured["closed"] = _read_postgres(session, survey, open_one, number)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    session.expire_all()
    assert session.get(Survey, survey.id).state == "closed"
    _check_logs(logs, made)
    print(f"red team (PostgreSQL, gunicorn, {N_RED_TEAM} answers): {measured}")
    for name, result in measured.items():
        expected = int(name.rsplit(" ", 1)[-1]) if name.startswith("open") else N_RED_TEAM
        assert result["answers"] == expected, (name, result)
        for key in ("select", "ctid first part", "ctid last part", "heap file"):
            if key in result:
                assert abs(result[key]) < RHO_BOUND, (name, key, result)
        if result["in heap file"] is not None:
            assert result["in heap file"] == result["answers"], (name, result)
        for key in ("batch guessed (ctid)", "batch guessed (file)"):
            if key in result:
                assert result[key] < 0.2, (name, key, result)
