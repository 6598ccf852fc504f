"""Review R2-14: refused probes of logged-in staff are audited (SECURITY.md promise 7), without
the data they were after, and not more than once a minute per person and page."""

from __future__ import annotations

from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from tests.cases.factories import CaseFactory

TITLE, TEXT = "港区の秘密の事例名", "支部外に見せてはならない本文"


def _denials(session) -> list[AuditEntry]:
    session.commit()
    query = select(AuditEntry).where(AuditEntry.action == "access.denied").order_by(AuditEntry.seq)
    return list(session.scalars(query))


def _foreign_case(make, session):
    cases = CaseFactory(session)
    cases.seed()
    return cases.case(make.branch(), title=TITLE, description=TEXT)


def test_an_officer_probing_another_branchs_case_leaves_an_entry(app, client, auth, make, session):
    officer = make.user(branch=make.branch())
    case = _foreign_case(make, session)
    auth.login(officer)
    assert client.get(f"/cases/{case.id}").status_code == 404
    [entry] = _denials(session)
    assert (entry.actor_id, entry.object_kind, entry.object_id) == (
        officer.id,
        "case",
        str(case.id),
    )
    assert entry.reason == "cases.detail 404"
    held = " ".join(str(v) for v in vars(entry).values())
    assert TITLE not in held and TEXT not in held
    # Headquarters sees it in the audit log, naming the case and who tried, not its content.
    auth.logout()
    auth.login(make.user(role=Role.HQ))
    page = client.get("/audit/?action=access.denied").get_data(as_text=True)
    assert "access.denied" in page
    assert officer.email in page
    assert f"#{case.id}" in page
    assert TITLE not in page and TEXT not in page


def test_a_refused_role_check_is_audited_too(client, auth, make, session):
    officer = make.user(branch=make.branch())
    auth.login(officer)
    assert client.get("/audit/").status_code == 403
    [entry] = _denials(session)
    assert (entry.actor_id, entry.object_kind, entry.reason) == (
        officer.id,
        None,
        "audit.index 403",
    )


def test_a_flood_of_probes_writes_one_entry_per_page_and_minute(client, auth, make, session):
    officer = make.user(branch=make.branch())
    case = _foreign_case(make, session)
    auth.login(officer)
    for ident in range(case.id, case.id + 30):
        assert client.get(f"/cases/{ident}").status_code == 404
    assert client.get(f"/cases/{case.id}/edit").status_code == 404
    entries = _denials(session)
    assert [e.reason for e in entries] == ["cases.detail 404", "cases.edit 404"]
    # Another person's probes are counted apart.
    auth.logout()
    other = make.user(branch=make.branch())
    auth.login(other)
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert [e.actor_id for e in _denials(session)] == [officer.id, officer.id, other.id]


def test_pages_that_exist_leave_no_denial(client, auth, make, session):
    auth.login(make.user(branch=make.branch()))
    assert client.get("/cases/").status_code == 200
    assert client.get("/no/such/page").status_code == 404  # no route: not a record probe
    assert _denials(session) == []
