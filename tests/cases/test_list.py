"""The case list: its filter form drawn from options rendered once per language and reference
data (the same markup as WTForms', a new category at once), its rows, its totals (from the
counts the database keeps for one filter or a pair: tests/hardening/test_case_counts.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from campaign.auth.models import Role
from campaign.cases import services, vocab
from campaign.cases.forms import FilterForm, PreparedChoices
from tests.cases.factories import CaseFactory
from tests.cases.helpers import audit_count
from tests.helpers import ON_POSTGRES

STATES = list(vocab.STATES)
ISSUERS = ("municipality", "prefecture", "mutual_aid")


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
