"""The audit log: a hash chain that detects edits and removals; browsable by headquarters."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from campaign.audit import services as audit
from campaign.auth.models import Role
from tests.helpers import ON_POSTGRES


@pytest.fixture
def chain(app, session):
    """Five entries written through the service."""
    for n in range(5):
        audit.record(
            session,
            "case.viewed",
            object_kind="case",
            object_id=n,
            branch_id=1,
            actor_id=7,
            reason=None if n else "初回確認",
        )
    session.commit()
    return session


def _drop_guards(session) -> None:
    """An intruder with database access can get round the append-only triggers.

    On PostgreSQL a superuser's session can skip triggers; the shared schema keeps them.
    """
    if ON_POSTGRES:
        session.execute(text("SET session_replication_role = replica"))
    else:
        session.execute(text("DROP TRIGGER audit_no_update"))
        session.execute(text("DROP TRIGGER audit_no_delete"))


def test_an_intact_chain_verifies(chain, runner):
    count, _head, breaks = audit.verify(chain)
    assert (count, breaks) == (5, [])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact: 5 entries" in result.output


def test_the_database_refuses_to_change_the_log(chain):
    with pytest.raises(DatabaseError):
        chain.execute(text("UPDATE audit_entries SET action = 'nothing' WHERE seq = 2"))
    chain.rollback()
    with pytest.raises(DatabaseError):
        chain.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    chain.rollback()


def test_an_edited_entry_is_detected(chain, runner):
    _drop_guards(chain)
    chain.execute(text("UPDATE audit_entries SET object_id = '99' WHERE seq = 3"))
    chain.commit()
    _, _, breaks = audit.verify(chain)
    assert [b.seq for b in breaks] == [3]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 3" in result.output


def test_a_rewritten_entry_with_a_fresh_hash_is_detected(chain):
    """Recomputing the edited entry's own hash breaks the link to the next one (and the new
    hash bears no seal of the data key)."""
    _drop_guards(chain)
    from campaign.audit.models import AuditEntry

    entry = chain.get(AuditEntry, 3)
    entry.object_id = "99"
    entry.hash = audit._digest(entry)
    chain.commit()
    _, _, breaks = audit.verify(chain)
    assert [(b.seq, b.problem) for b in breaks] == [
        (3, "not sealed with this instance's data key"),
        (4, "does not follow the entry before it"),
    ]


def test_a_history_rewritten_and_rehashed_without_the_data_key_is_detected(chain, runner):
    """Whoever can write the database can recompute every hash after an edit (the chain needs
    no secret), but not the seals, whose key derives from the data key outside the database
    (review R3-1: an entry re-attributed this way used to verify)."""
    _drop_guards(chain)
    from campaign.audit.models import AuditEntry

    entries = list(chain.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    entries[2].actor_id = 1  # re-attributed
    previous = entries[1].hash
    for entry in entries[2:]:
        entry.prev_hash = previous
        entry.hash = previous = audit._digest(entry)
    chain.commit()
    _, _, breaks = audit.verify(chain)
    assert [(b.seq, b.problem) for b in breaks] == [
        (seq, "not sealed with this instance's data key") for seq in (3, 4, 5)
    ]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry 3: not sealed" in result.output


def test_the_seals_are_the_data_keys(chain):
    """Checked with another data key (a restore onto the wrong instance), no entry verifies."""
    _, _, breaks = audit.verify(chain, data_key=b"k" * 32)
    assert [b.seq for b in breaks] == [1, 2, 3, 4, 5]


def test_a_deleted_entry_is_detected(chain, runner):
    _drop_guards(chain)
    chain.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    chain.commit()
    _, _, breaks = audit.verify(chain)
    assert breaks and breaks[0].seq == 3
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_entries_hold_no_record_content(app, client, auth, make, session):
    """A failed login names the account tried, never the password or code typed."""
    user = make.user()
    auth.login(user, password="secret-typed-password-123")
    rows = session.execute(text("SELECT * FROM audit_entries")).all()
    dumped = repr(rows)
    assert "secret-typed-password-123" not in dumped
    assert user.email not in dumped


def test_hq_browses_and_filters_the_log(client, auth, make, chain):
    auth.login(make.user(role=Role.HQ))
    page = client.get("/audit/?action=case.viewed")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "5 entries" in html
    assert "初回確認" in html
    assert "login" not in html.split("<tbody>")[1]
    everything = client.get("/audit/").get_data(as_text=True)
    assert "7 entries" in everything  # plus the login and the filtered view before


def test_a_bad_filter_is_a_clear_4xx(client, auth, make):
    auth.login(make.user(role=Role.HQ))
    response = client.get("/audit/?since=yesterday")
    assert response.status_code == 400
    assert "Enter a real date in “From”." in response.get_data(as_text=True)
    for query in ("until=9999-12-31", "since=0001-01-01"):
        response = client.get(f"/audit/?{query}")
        assert response.status_code == 400, query
        assert "must be a date from 1900 to 9000" in response.get_data(as_text=True)


def test_officers_cannot_read_the_log(client, auth, make):
    auth.login(make.user())
    assert client.get("/audit/").status_code == 403


def test_an_anchor_kept_outside_detects_removed_newest_entries(chain, runner, tmp_path):
    """Deleting the last entries leaves a valid shorter chain; the recorded head catches it."""
    anchor = tmp_path / "audit-head"
    first = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert first.exit_code == 0, first.output
    assert anchor.read_text().startswith("5 ")
    _drop_guards(chain)
    chain.execute(text("DELETE FROM audit_entries WHERE seq >= 4"))
    chain.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone looks fine
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1
    assert "entries up to the recorded head were removed" in result.output


def test_reading_the_log_is_audited_naming_the_filters_not_what_was_typed(
    client, auth, make, chain
):
    """Review R3-18: who read whose traces is itself a read to record; what was typed in a
    filter (an email, any text) stays out of the chained log."""
    from campaign.audit.models import AuditEntry

    auth.login(make.user(role=Role.HQ))
    page = client.get("/audit/?actor=someone-MARKER@example.org&action=case.viewed")
    assert page.status_code == 200
    assert "Read the audit log." not in page.get_data(as_text=True)  # not its own view
    chain.expire_all()
    viewed = chain.scalars(select(AuditEntry).where(AuditEntry.action == "audit.viewed")).all()
    assert [e.reason for e in viewed] == ["action actor"]
    assert "MARKER" not in repr([vars(e) for e in viewed])
    later = client.get("/audit/").get_data(as_text=True)
    assert "Read the audit log." in later  # the earlier view, listed by the next
