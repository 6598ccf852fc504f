"""The case counts the database keeps (``case_counts``, migration 0018's triggers, and
``case_pair_counts``, 0022's) always equal what grouping the cases gives, through inserts,
state changes, edits of counted fields and of categories, bulk inserts and deletes; and
headquarters' unfiltered picture, read from them, equals the picture computed by GROUP BY."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select

from campaign.auth.models import Role
from campaign.cases import counts, queries, stats, vocab
from campaign.cases.models import Case, CaseCount, case_category_links
from campaign.cases.queries import Filters
from campaign.org.services import prefectures
from tests.cases.factories import CaseFactory
from tests.cases.helpers import grouped_pairs, kept_pairs

STATES = list(vocab.STATES)
ISSUERS = ("municipality", "prefecture", "mutual_aid")


def _kept(session) -> dict:
    rows = session.execute(select(CaseCount.dimension, CaseCount.key, CaseCount.state, CaseCount.n))
    return {(d, k, s): n for d, k, s, n in rows if n}


def _grouped(session) -> dict:
    out = {}
    for state, n in session.execute(select(Case.state, func.count()).group_by(Case.state)):
        out[("total", "", state)] = n
    for dim, column in (
        ("issuer", Case.issuer_kind),
        ("month", Case.occurred_month),
        ("prefecture", Case.prefecture_code),
    ):
        for key, state, n in session.execute(
            select(column, Case.state, func.count()).group_by(column, Case.state)
        ):
            out[(dim, key, state)] = n
    link = case_category_links
    for category, state, n in session.execute(
        select(link.c.category_id, Case.state, func.count())
        .join(Case, Case.id == link.c.case_id)
        .group_by(link.c.category_id, Case.state)
    ):
        out[("category", str(category), state)] = n
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
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_kept_counts_follow_every_change(app, make, session, ops):
    session.execute(delete(case_category_links))
    session.execute(delete(Case))
    session.commit()
    assert _kept(session) == {}
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
        assert _kept(session) == _grouped(session), op
        assert kept_pairs(session) == grouped_pairs(session), op  # case_pair_counts too
    kept, pairs = _kept(session), kept_pairs(session)
    counts.rebuild(session.connection())  # what a bulk load without triggers runs after
    assert _kept(session) == kept and kept_pairs(session) == pairs
    session.commit()


def test_the_unfiltered_picture_reads_the_kept_counts(app, make, session):
    factory = CaseFactory(session)
    tokyo, shiga = make.branch(prefecture="13"), make.branch(prefecture="25")
    for n in range(7):
        factory.case(
            tokyo if n % 2 else shiga,
            state=STATES[n % len(STATES)],
            occurred_on=date(2019, 8 + n % 4, 1),
            category_codes=("bulk_forms", "dependents") if n % 3 else ("status_survey",),
        )
    with app.test_request_context():
        prefs = prefectures(session)
        for filters in (Filters(), Filters(state=vocab.REPORTED), Filters(state=vocab.DRAFT)):
            assert stats._kept_counts(session, filters) is not None
            kept = stats._from_kept(stats._kept_counts(session, filters), "ja", prefs, session)
            grouped = stats._grouped_picture(session, filters, "ja", prefs)
            assert kept == grouped, filters
        assert stats._kept_counts(session, Filters(issuer_kind="municipality")) is None


def test_a_filtered_picture_counts_the_matching_cases_of_each_table(app, make, session):
    """One grouping gives the total, issuer kinds, prefectures and months of a filtered
    picture: each equals counting the matching cases one by one."""
    factory = CaseFactory(session)
    branches = make.branch(prefecture="13"), make.branch(prefecture="25")
    cats = factory.categories()
    made = []
    for n in range(30):
        codes = {cats[n % 4].code, cats[n * 7 % 4].code}
        case = factory.case(
            branches[n % 2],
            state=STATES[n % len(STATES)],
            issuer_kind=ISSUERS[n % 3],
            occurred_on=date(2019, 1 + n * 5 % 12, 1),
            category_codes=sorted(codes),
        )
        made.append((case, {c.id for c in cats if c.code in codes}))
    with app.test_request_context():
        prefs = prefectures(session)
        for filters in (
            Filters(issuer_kind="municipality"),
            Filters(month_from="2019-04", month_to="2019-09"),
            Filters(prefecture_code="25", state=vocab.REPORTED),
            Filters(category_id=cats[1].id, issuer_kind="mutual_aid"),
        ):
            picture = stats._grouped_picture(session, filters, "ja", prefs)
            matching = [(c, ids) for c, ids in made if _matches(c, ids, filters)]
            assert 0 < len(matching) < len(made), filters  # the filter picks some, not all
            assert picture["total"] == len(matching), filters
            for table, of_case in (
                ("by_issuer", lambda c, ids: [c.issuer_kind]),
                ("by_prefecture", lambda c, ids: [c.prefecture_code]),
                ("by_month", lambda c, ids: [c.occurred_month]),
                ("by_category", lambda c, ids: [str(i) for i in ids]),
            ):
                counted: dict[str, int] = {}
                for case, ids in matching:
                    for key in of_case(case, ids):
                        counted[key] = counted.get(key, 0) + 1
                shown = {row.key: row.count for row in picture[table] if row.count}
                assert shown == counted, (filters, table)


def _matches(case, category_ids, filters: Filters) -> bool:
    return (
        case.state != vocab.DRAFT
        and (not filters.state or case.state == filters.state)
        and (not filters.issuer_kind or case.issuer_kind == filters.issuer_kind)
        and (not filters.prefecture_code or case.prefecture_code == filters.prefecture_code)
        and (not filters.month_from or case.occurred_month >= filters.month_from)
        and (not filters.month_to or case.occurred_month <= filters.month_to)
        and (not filters.category_id or filters.category_id in category_ids)
    )


def test_the_list_total_from_the_kept_counts_equals_counting(app, make, session):
    factory = CaseFactory(session)
    tokyo, shiga = make.branch(prefecture="13"), make.branch(prefecture="25")
    cats = factory.categories()
    for n in range(12):
        factory.case(
            tokyo if n % 3 else shiga,
            state=STATES[n % len(STATES)],
            issuer_kind=ISSUERS[n % 3],
            occurred_on=date(2019, 1 + n % 6, 1),
            category_codes=[cats[n % 4].code, cats[(n + 1) % 4].code],
        )
    hq = make.user(role=Role.HQ)
    kinds = [
        {},
        {"prefecture_code": "25"},
        {"issuer_kind": "mutual_aid"},
        {"category_id": cats[1].id},
        {"month_from": "2019-02"},
        {"month_to": "2019-03"},
        {"month_from": "2019-02", "month_to": "2019-04"},
        # Two of them: case_pair_counts (every pair, a month range counting as one).
        {"category_id": cats[1].id, "issuer_kind": "mutual_aid"},
        {"category_id": cats[1].id, "prefecture_code": "25"},
        {"category_id": cats[2].id, "month_from": "2019-02", "month_to": "2019-04"},
        {"issuer_kind": "prefecture", "prefecture_code": "13"},
        {"issuer_kind": "prefecture", "month_from": "2019-03"},
        {"prefecture_code": "13", "month_to": "2019-04"},
    ]
    for extra in kinds:
        for state in (None, vocab.DRAFT, vocab.REPORTED):
            filters = Filters(state=state, **extra)
            kept = queries.kept_total(session, filters)
            base = filters.apply(select(Case.id))
            counted = session.scalar(select(func.count()).select_from(base.subquery()))
            assert kept == counted, filters
            assert queries.list_cases(session, hq, filters)[1] == counted
    three = Filters(issuer_kind="mutual_aid", category_id=cats[1].id, prefecture_code="25")
    assert queries.kept_total(session, three) is None  # counted instead
