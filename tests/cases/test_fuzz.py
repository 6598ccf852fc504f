"""Bad input gets a clear 4xx and never a 500 (SECURITY.md promise 10)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from campaign.cases.models import Case
from tests.cases.helpers import form_data
from tests.helpers import csrf_token

texts = st.one_of(
    st.text(max_size=300),
    st.text(min_size=201, max_size=260),
    st.sampled_from(["", " ", "\x00", "𠮷野家", "<script>alert(1)</script>", "9" * 30, "-1"]),
)
FIELDS = ("title", "workplace", "occurred_on", "occurred_until", "issuer_kind", "channel",
          "staff_affected", "category_ids", "issuer_name", "description")  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(FIELDS), value=texts)
def test_random_values_in_any_field_never_fail_on_the_server(auth, make, session, field, value):
    if not hasattr(auth, "_officer"):
        auth._officer = make.user(branch=make.branch())
        auth.login(auth._officer)
    before = session.scalar(select(func.count()).select_from(Case))
    token = csrf_token(auth.client, "/cases/new")
    response = auth.client.post("/cases/new", data=form_data(session, token, **{field: value}))
    assert response.status_code in (302, 400), (field, value, response.status_code)
    after = session.scalar(select(func.count()).select_from(Case))
    assert after == before + (1 if response.status_code == 302 else 0)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["state", "category", "prefecture", "issuer", "month_from", "month_to", "page"]
        ),
        texts,
        max_size=4,
    ),
    url=st.sampled_from(["/cases/", "/cases/dashboard", "/cases/export.csv"]),
)
def test_filters_never_fail_on_the_server(auth, make, query, url):
    if not hasattr(auth, "_officer"):
        auth._officer = make.user(branch=make.branch())
        auth.login(auth._officer)
    assert auth.client.get(url, query_string=query).status_code in (200, 400)
