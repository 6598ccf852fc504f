"""SECURITY.md promise 10: any input to the base forms gets an answer below 500, and bad input
changes nothing that was saved."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaign.auth.models import Role, User
from campaign.org.models import Branch
from tests.helpers import csrf_token

values = st.one_of(
    st.text(max_size=40),
    st.text(min_size=300, max_size=2000),
    st.sampled_from(
        ["", " ", "\x00", "𠮷野家", "<script>alert(1)</script>", "' OR 1=1 --", "9" * 30]
    ),
)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _post(client, url, fields, data):
    payload = dict(zip(fields, data, strict=True))
    payload["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=payload)


@FUZZ
@given(data=st.tuples(values, values, values))
def test_login_form_never_fails_on_input(client, data):
    response = _post(client, "/login", ("email", "password", "code"), data)
    assert response.status_code in (400, 401, 429)


def _fuzz_staff_form(ctx, role, url, fields, data, model, ok_status):
    """Post random values as ``role``: a clear answer below 500, and on refusal nothing saved."""
    client, auth, make, session = ctx
    if client.get(url).status_code != 200:
        auth.login(make.user(role=role))
    before = session.scalar(select(func.count()).select_from(model))
    response = _post(client, url, fields, data)
    assert response.status_code in (ok_status, 400)
    if response.status_code == 400:
        assert session.scalar(select(func.count()).select_from(model)) == before


@FUZZ
@given(data=st.tuples(values, values, values, values))
def test_invite_form_never_fails_on_input(client, auth, make, session, data):
    fields = ("display_name", "email", "role", "branch_id")
    _fuzz_staff_form((client, auth, make, session), Role.ADMIN, "/accounts/new", fields, data,
                     User, 200)  # fmt: skip


@FUZZ
@given(data=st.tuples(values, values, values, values))
def test_branch_form_never_fails_on_input(client, auth, make, session, data):
    fields = ("code", "name", "prefecture_code", "contact")
    _fuzz_staff_form((client, auth, make, session), Role.HQ, "/branches/new", fields, data,
                     Branch, 302)  # fmt: skip


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["action", "actor", "object_kind", "branch_id", "since", "until", "page"]),
        values,
        max_size=4,
    )
)
def test_audit_filters_never_fail_on_input(client, auth, make, query):
    if client.get("/audit/").status_code != 200:
        auth.login(make.user(role=Role.HQ))
    assert client.get("/audit/", query_string=query).status_code in (200, 400)


def test_control_characters_are_refused_before_reaching_the_database(client, auth, make, session):
    """PostgreSQL cannot store NUL; no form may turn one into a server error."""
    auth.login(make.user(role=Role.HQ))
    for bad in ("a\x00b", "a\x1bb", "\x7f"):
        response = _post(
            client,
            "/branches/new",
            ("code", "name", "prefecture_code", "contact"),
            ("abc", bad, "13", ""),
        )
        assert response.status_code == 400
        assert "invisible control characters" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Branch)) == 0
    ok = _post(
        client,
        "/branches/new",
        ("code", "name", "prefecture_code", "contact"),
        ("abc", "港区職員支部", "13", "内線\t1234\r\n3階"),
    )
    assert ok.status_code == 302
