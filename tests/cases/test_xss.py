"""Every text a person types is shown escaped: script in any field stays inert text."""

from __future__ import annotations

from sqlalchemy import select

from campaign.auth.models import Role
from campaign.cases import services
from campaign.cases.models import Case
from tests.cases.factories import CaseFactory
from tests.cases.helpers import form_data
from tests.helpers import csrf_token

PAYLOADS = (
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
    "javascript:alert(3)",
    "{{ 7*7 }}<b>bold</b>",
)


def test_payloads_in_every_text_field_render_inert(auth, make, session):
    branch = make.branch()
    officer = make.user(branch=branch)
    hq = make.user(role=Role.HQ)
    auth.login(officer)
    payload = " ".join(PAYLOADS)
    token = csrf_token(auth.client, "/cases/new")
    data = form_data(
        session,
        token,
        title=payload[:200],
        workplace=payload[:200],
        issuer_name=payload[:200],
        description=payload,
        submit_report="1",
    )
    del data["save_draft"]
    assert auth.client.post("/cases/new", data=data).status_code == 302
    case = session.scalars(select(Case)).one()
    services.comment(session, case, hq, body=payload, to_state="hq_reviewing")
    services.add_action(
        session, case, hq, kind="request", happened_on=case.occurred_on, note=payload
    )
    session.commit()

    pages = [auth.client.get(url) for url in (f"/cases/{case.id}", "/cases/")]
    auth.logout()
    auth.login(hq)  # the case is with headquarters now: only they may edit it
    pages.append(auth.client.get(f"/cases/{case.id}/edit"))
    for response in pages:
        url, page = response.request.path, response.get_data(as_text=True)
        assert response.status_code == 200, url
        for dangerous in ("<script>alert", "<img src=x", "<svg/onload", "<b>bold</b>"):
            assert dangerous not in page, (url, dangerous)
        assert "&lt;script&gt;" in page, url
        assert "{{ 7*7 }}" in page or "{{ 7*7 }}" in page.replace("&#39;", "'"), url


def test_a_category_name_is_inert_in_the_form_the_charts_and_the_export(auth, make, session):
    from campaign.cases import services as case_services

    category = case_services.add_category(
        session, name_ja="<script>alert('ja')</script>", name_en='=HYPERLINK("x")<svg/onload=1>'
    )
    branch = make.branch()
    case = CaseFactory(session).case(branch)
    case.categories.append(category)
    session.commit()
    auth.login(make.user(role=Role.HQ))
    for url in ("/cases/new", "/cases/dashboard", "/cases/categories", f"/cases/{case.id}"):
        page = auth.client.get(url).get_data(as_text=True)
        assert "<script>alert('ja')" not in page and "<svg/onload=1>" not in page, url
    csv_text = auth.client.get("/cases/export.csv").get_data().decode("utf-8-sig")
    assert "=HYPERLINK" not in csv_text.replace("'=HYPERLINK", "")  # quoted, not a formula
