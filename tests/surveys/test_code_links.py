"""Review R3-10: an invitation code never travels in a URL query (proxy logs, history, links)."""

from __future__ import annotations

import io
import re

from campaign.auth.models import Role
from surveys import codes, exporting
from tests.helpers import csrf_token


def _coded(app, surveys, session, count=3):
    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    with app.test_request_context():
        made = codes.generate(session, app.config["SECRET_KEY"], survey, count)
    session.commit()
    return survey, made


def test_the_slips_qr_codes_carry_the_code_in_the_fragment_never_in_the_query(
    client, auth, make, surveys, session, monkeypatch
):
    from pypdf import PdfReader

    survey = surveys.draft()
    survey.needs_code = True
    session.commit()
    surveys.opened_draft(survey)
    encoded: list[str] = []
    real = exporting.qr_svg

    def recording(data, **kwargs):
        encoded.append(data)
        return real(data, **kwargs)

    monkeypatch.setattr(exporting, "qr_svg", recording)
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(client, f"/surveys/{survey.id}")
    pdf = client.post(
        f"/surveys/{survey.id}/codes", data={"csrf_token": token, "count": "3", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert len(encoded) == 3
    for data in encoded:
        assert "?" not in data and "code=" not in data.split("#")[0]
        assert re.fullmatch(rf".*/surveys/answer/{survey.id}#code=[0-9A-Z]{{16}}", data), data
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "?code=" not in text


def test_the_answer_page_ignores_a_code_in_the_query_and_its_links_carry_none(
    app, client, surveys, session
):
    survey, made = _coded(app, surveys, session)
    plain = made[0].replace("-", "")
    for address in (
        f"/surveys/answer/{survey.id}?code={plain}",
        f"/surveys/answer/{survey.id}?code={plain}&lang=en",
    ):
        page = client.get(address)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert plain not in html  # not in the field, the language links or the form's action
        assert re.search(r'<input[^>]*name="code"[^>]*value=""', html)
        links = re.findall(r'href="([^"]*)"[^>]*hreflang', html)
        assert links and all("code" not in link for link in links)
