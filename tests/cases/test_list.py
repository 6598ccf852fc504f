"""The case list: counted from the counts the database keeps (one filter or a pair of them,
through every change), its filter form drawn from options rendered once per language and
reference data (the same markup as WTForms', a new category at once), its rows as before."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, insert, select
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from campaign.auth.models import Role
from campaign.cases import counts, queries, services, vocab
from campaign.cases.forms import FilterForm, PreparedChoices
from campaign.cases.models import Case, CasePairCount, case_category_links
from campaign.cases.queries import Filters
from tests.cases.factories import CaseFactory
from tests.cases.helpers import audit_count
from tests.helpers import ON_POSTGRES

STATES = list(vocab.STATES)
ISSUERS = ("municipality", "prefecture", "mutual_aid")


def _kept_pairs(session) -> dict:
    pairs = CasePairCount
    rows = session.execute(select(pairs.dimension, pairs.key, pairs.month, pairs.state, pairs.n))
    return {(d, k, m, s): n for d, k, m, s, n in rows if n}


def _grouped_pairs(session) -> dict:
    """What the pairs must be, by grouping the cases."""
    out: dict = {}
    link = case_category_links
    cats_of: dict[int, list[int]] = {}
    for case_id, category_id in session.execute(select(link.c.case_id, link.c.category_id)):
        cats_of.setdefault(case_id, []).append(category_id)

    def add(key):
        out[key] = out.get(key, 0) + 1

    for case in session.scalars(select(Case)):
        s, i, p, m = case.state, case.issuer_kind, case.prefecture_code, case.occurred_month
        add(("issuer|prefecture", f"{i}|{p}", "", s))
        add(("issuer|month", i, m, s))
        add(("prefecture|month", p, m, s))
        for c in cats_of.get(case.id, []):
            add(("category|issuer", f"{c}|{i}", "", s))
            add(("category|prefecture", f"{c}|{p}", "", s))
            add(("category|month", str(c), m, s))
    return out


operations = st.lists(
    st.tuples(
        st.sampled_from(
            ("add", "state", "issuer", "month", "prefecture", "categories", "delete", "bulk")
        ),
        st.integers(0, 1000),
        st.sets(st.integers(0, 3), min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_pair_counts_follow_every_change(app, make, session, ops):
    session.execute(delete(case_category_links))
    session.execute(delete(Case))
    session.commit()
    assert _kept_pairs(session) == {}
    factory = CaseFactory(session)
    branches = [make.branch(prefecture=p) for p in ("13", "25")]
    categories = factory.categories()[:4]
    for op, n, cats in ops:
        cases = list(session.scalars(select(Case).order_by(Case.id)))
        target = cases[n % len(cases)] if cases else None
        if op == "add" or target is None:
            factory.case(
                branches[n % len(branches)],
                state=STATES[n % len(STATES)],
                issuer_kind=ISSUERS[n % 3],
                occurred_on=date(2020 + n % 3, n % 12 + 1, 1),
                category_codes=[categories[c].code for c in cats],
            )
        elif op == "state":
            target.state = STATES[(STATES.index(target.state) + 1 + n) % len(STATES)]
        elif op == "issuer":
            target.issuer_kind = ISSUERS[n % 3]
        elif op == "month":
            target.occurred_month = f"2021-{n % 12 + 1:02d}"
        elif op == "prefecture":
            target.prefecture_code = ("01", "13", "47")[n % 3]
        elif op == "categories":
            target.categories = [categories[c] for c in cats]
        elif op == "delete":
            session.delete(target)
        else:  # a bulk load, as the benchmark and a restore write rows
            rows = [
                {
                    "branch_id": branches[0].id, "prefecture_code": "13",
                    "state": STATES[(n + i) % len(STATES)], "title": "t", "workplace": "",
                    "occurred_on": date(2019, 1, 1), "occurred_month": "2019-01",
                    "issuer_kind": ISSUERS[i % 3], "issuer_name": "", "channel": "written",
                    "description": "",
                }
                for i in range(3)
            ]  # fmt: skip
            ids = list(session.scalars(insert(Case.__table__).returning(Case.__table__.c.id), rows))
            session.execute(
                insert(case_category_links),
                [{"case_id": i, "category_id": categories[c].id} for i in ids for c in cats],
            )
        session.commit()
        assert _kept_pairs(session) == _grouped_pairs(session), op
    kept = _kept_pairs(session)
    counts.rebuild(session.connection())  # what a bulk load without triggers runs after
    assert _kept_pairs(session) == kept
    session.commit()


def _counted(session, filters: Filters) -> int:
    return session.scalar(
        select(func.count()).select_from(filters.apply(select(Case.id)).subquery())
    )


def test_every_pair_of_filters_is_counted_from_the_kept_counts(app, make, session):
    factory = CaseFactory(session)
    tokyo, shiga = make.branch(prefecture="13"), make.branch(prefecture="25")
    cats = factory.categories()
    for n in range(14):
        factory.case(
            tokyo if n % 3 else shiga,
            state=STATES[n % len(STATES)],
            issuer_kind=ISSUERS[n % 3],
            occurred_on=date(2019, 1 + n % 6, 1),
            category_codes=[cats[n % 4].code, cats[(n + 1) % 4].code],
        )
    values = {
        "category_id": cats[1].id,
        "issuer_kind": "mutual_aid",
        "prefecture_code": "25",
        "month_from": "2019-02",
        "month_to": "2019-04",
    }
    checked = 0
    names = list(values)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            for state in (None, vocab.DRAFT, vocab.REPORTED):
                filters = Filters(
                    state=state, **{names[a]: values[names[a]]}, **{names[b]: values[names[b]]}
                )
                kept = queries.kept_total(session, filters)
                assert kept == _counted(session, filters), filters
                checked += kept
    assert checked > 0
    # A month range with another filter is two dimensions as well.
    ranged = Filters(issuer_kind="prefecture", month_from="2019-02", month_to="2019-05")
    assert queries.kept_total(session, ranged) == _counted(session, ranged) > 0
    three = Filters(category_id=cats[1].id, issuer_kind="mutual_aid", prefecture_code="25")
    assert queries.kept_total(session, three) is None  # counted: the list still says how many


def test_the_filtered_list_says_how_many_and_keeps_the_choice(auth, make, session):
    factory = CaseFactory(session)
    tokyo = make.branch(prefecture="13")
    factory.case(tokyo, category_codes=("bulk_forms",), issuer_kind="municipality", title="一")
    factory.case(tokyo, category_codes=("bulk_forms",), issuer_kind="prefecture", title="二")
    factory.case(
        tokyo,
        category_codes=("bulk_forms", "dependents"),
        issuer_kind="municipality",
        title="三",
    )
    bulk = next(c for c in factory.categories() if c.code == "bulk_forms")
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get(f"/cases/?category={bulk.id}&issuer=municipality").get_data(True)
    assert "2 cases found." in page
    assert ">一</a>" in page and ">三</a>" in page and ">二</a>" not in page
    assert (
        f'<option selected value="{bulk.id}">Pre-printed forms distributed at work</option>' in page
    )
    assert '<option selected value="municipality">Municipality</option>' in page
    assert '<option selected value="">Any</option>' not in page.split('name="issuer"')[1][:80]
    # The rows: state, number, date, branch and categories, in the categories' order.
    assert "Pre-printed forms distributed at work, Dependents targeted" in page
    assert "20 August 2019" in page and '<span class="case-state case-state-reported">' in page


def test_a_new_category_is_offered_at_once(auth, make, session):
    auth.login(make.user(role=Role.HQ))
    before = auth.client.get("/cases/").get_data(True)
    assert "Gift cards" not in before
    services.add_category(session, name_ja="商品券", name_en="Gift cards")
    session.commit()
    page = auth.client.get("/cases/").get_data(True)
    assert ">Gift cards</option>" in page
    auth.client.get("/lang/ja")
    assert ">商品券</option>" in auth.client.get("/cases/").get_data(True)


def test_prepared_options_are_drawn_as_wtforms_draws_them(app):
    choices = [
        SelectChoice("", "Any"),
        SelectChoice("3", "A & B <c>"),
        SelectChoice("13", "東京都"),
    ]
    with app.test_request_context("/cases/?category=3"):
        for given in ("3", "13", "", "x", None):
            ours, theirs = FilterForm(), FilterForm()
            ours.category.choices, theirs.category.choices = PreparedChoices(choices), choices
            ours.category.data = theirs.category.data = given
            assert str(ours.category()) == str(Select()(theirs.category)), given


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's synchronous_commit")
def test_the_list_audit_commits_without_waiting_for_the_disk_only_itself(app, auth, make, session):
    auth.login(make.user(role=Role.HQ))
    engine = app.extensions["naishin.engine"]
    seen = []

    def before_commit(connection):
        seen.append(connection.exec_driver_sql("SHOW synchronous_commit").scalar())

    event.listen(engine, "commit", before_commit)
    try:
        assert auth.client.get("/cases/").status_code == 200
        with engine.begin() as connection:  # the next transaction of the pool: as configured
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    finally:
        event.remove(engine, "commit", before_commit)
    assert seen[0] == "off"
    assert audit_count(session, "cases.listed") == 1
