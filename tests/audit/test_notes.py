"""What staff type as a reason is kept beside the audit log, not in it, and is really deleted
after its retention period, while the chain still verifies (review R2-24, promise 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from campaign.audit import services as audit
from campaign.audit.models import AuditEntry, AuditNote
from campaign.auth.models import Role, User
from surveys import services as surveys
from tests.helpers import ON_POSTGRES, csrf_token, database_bytes
from tests.surveys.helpers import SurveyFactory

MARKER = "山田花子さん-MARKER-7f3a"


def _entry_rows_text(session) -> str:
    """Every column of every audit entry, as text."""
    rows = session.execute(text("SELECT * FROM audit_entries")).all()
    return "\n".join(repr(tuple(row)) for row in rows)


def _typed_reasons(app, session, make, auth) -> User:
    """A deactivation with a reason typed on the account page, and a survey closed early."""
    admin, officer = make.user(role=Role.ADMIN), make.user()
    auth.login(admin)
    url = f"/accounts/{officer.id}"
    response = auth.client.post(
        url,
        data={
            "csrf_token": csrf_token(auth.client, url),
            "role": "officer",
            "branch_id": str(officer.branch_id),
            "active": "",
            "reason": f"退職（{MARKER}）",
        },
    )
    assert response.status_code == 302
    hq = make.user(role=Role.HQ)
    survey = SurveyFactory(session, make).opened()
    surveys.close_survey(session, survey, user=hq, reason=f"{MARKER}の申し出により早期終了")
    session.commit()
    return admin


def test_a_typed_reason_is_kept_beside_the_log_not_in_it(app, session, make, auth, runner):
    _typed_reasons(app, session, make, auth)
    session.expire_all()
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.note_digest.is_not(None))))
    assert {e.action for e in entries} == {"account.deactivated", "survey.closed"}
    assert MARKER not in _entry_rows_text(session)
    if ON_POSTGRES:
        raw = database_bytes(session, app.config["DATABASE_URL"], ["audit_entries"])
        if raw is not None:
            assert MARKER.encode() not in raw
    # Headquarters still reads it beside the entry while it is kept.
    assert MARKER in (audit.note_of(session, entries[0]) or "")
    page = auth.client.get("/audit/").get_data(as_text=True)
    assert f"退職（{MARKER}）" in page
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_after_the_purge_the_reason_is_gone_from_the_files_and_the_chain_verifies(
    app, session, make, auth, runner, clock
):
    admin = _typed_reasons(app, session, make, auth)
    url = app.config["DATABASE_URL"]
    before = database_bytes(session, url, ["audit_entries", "audit_notes"])
    if before is None:
        pytest.skip("this process may not read PostgreSQL's files")
    assert MARKER.encode() in before  # the scan would see it

    clock.advance(days=30)
    result = runner.invoke(args=["audit", "purge-notes", "--days", "365"])
    assert result.exit_code == 0 and "Deleted 0 notes" in result.output  # not yet due
    clock.advance(days=340)
    # A recent note stays: the notes table keeps a page with live rows, as it would in use
    # (an emptied table is simply truncated, which would prove nothing).
    recent = audit.record(session, "account.reset", object_kind="user", note="端末を紛失したため")
    session.commit()
    result = runner.invoke(args=["audit", "purge-notes"])  # one year by default
    assert result.exit_code == 0 and "Deleted 2 notes" in result.output, result.output

    assert list(session.scalars(select(AuditNote.seq))) == [recent.seq]
    after = database_bytes(session, url, ["audit_entries", "audit_notes"])
    assert MARKER.encode() not in after
    assert MARKER.encode("utf-16-le") not in after
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    auth.login(admin)  # the session of a year ago has long expired
    page = auth.client.get("/audit/").get_data(as_text=True)
    assert "退職" not in page and MARKER not in page
    assert "(the reason written here has been deleted)" in page
    assert "Deleted the reasons typed for older audit entries." in page


def test_a_changed_note_is_detected_while_it_exists(app, session):
    entry = audit.record(session, "account.deactivated", object_kind="user", note="退職")
    session.commit()
    session.execute(
        text("UPDATE audit_notes SET text = '別の理由' WHERE seq = :s"), {"s": entry.seq}
    )
    session.commit()
    _count, _head, breaks = audit.verify(session)
    assert [(b.seq, b.problem) for b in breaks] == [
        (entry.seq, "its note changed after it was written")
    ]


def test_a_note_deleted_before_its_time_is_detected(app, session, clock):
    """A note may be missing only where a sealed entry says it went: a purge by age whose
    cutoff is after the entry, or the forgetting of the record it is about (review R3-2)."""
    early = audit.record(session, "account.reset", object_kind="user", object_id=1, note="紛失")
    session.commit()
    clock.advance(days=200)
    late = audit.record(session, "account.reset", object_kind="user", object_id=2, note="退職")
    session.commit()
    session.execute(text("DELETE FROM audit_notes WHERE seq = :s"), {"s": late.seq})
    session.commit()
    assert [(b.seq, b.problem) for b in audit.verify(session)[2]] == [
        (late.seq, "its note was deleted before its time")
    ]
    # A purge of notes older than 100 days takes the early one and excuses it, not the late.
    clock.advance(days=10)
    assert audit.purge_notes(session, older_than=timedelta(days=100)) == 1
    session.commit()
    assert audit.note_of(session, early) is None
    assert [b.seq for b in audit.verify(session)[2]] == [late.seq]


def test_the_notes_of_a_purged_record_go_with_it(app, session):
    kept = audit.record(session, "account.reset", object_kind="user", object_id=1, note="端末紛失")
    gone = audit.record(session, "account.reset", object_kind="user", object_id=2, note=MARKER)
    assert audit.forget_notes(session, "user", [2]) == 1
    session.commit()
    assert audit.note_of(session, kept) == "端末紛失" and audit.note_of(session, gone) is None
    assert audit.verify(session)[2] == []
    said = session.scalars(select(AuditEntry).where(AuditEntry.action == audit.FORGOTTEN)).all()
    assert [(e.object_kind, e.object_id) for e in said] == [("audit_entry", str(gone.seq))]
    from campaign.audit import sentences

    with app.test_request_context(headers={"Accept-Language": "ja"}):
        text_ja = sentences.sentence(audit.FORGOTTEN, "audit_entry", str(gone.seq))
    assert text_ja == f"監査記録#{gone.seq}に入力された理由を、対象の記録とともに削除しました。"


@pytest.mark.parametrize(
    ("url", "form"), [("/accounts/{officer}", "account"), ("/surveys/{survey}/close", "survey")]
)
def test_the_forms_that_ask_for_a_reason_say_not_to_write_names(
    app, session, make, auth, url, form
):
    officer = make.user()
    survey = SurveyFactory(session, make).opened()
    auth.login(make.user(role=Role.ADMIN if form == "account" else Role.HQ))
    auth.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    page = auth.client.get(url.format(officer=officer.id, survey=survey.id)).get_data(as_text=True)
    assert "氏名など、個人を特定できることは書かないでください。" in page
