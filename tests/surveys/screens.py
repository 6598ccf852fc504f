"""Helpers of the survey screen tests: Japanese pages, answered and closed surveys, results."""

from __future__ import annotations

from tests.helpers import csrf_token
from tests.surveys.helpers import PASSPHRASE, SurveyFactory, answer_token, plain_form


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def answered_and_closed(client, surveys: SurveyFactory, survey, answers: int = 6):
    """``answers`` answers sent through the answer page (all in the first group, half of them
    "yes"), then the survey closed by the system."""
    anonymous = client.application.test_client()
    for n in range(answers):
        data = {**plain_form(survey, yes=n % 2 == 0), "token": answer_token(anonymous, survey.id)}
        assert anonymous.post(f"/surveys/answer/{survey.id}", data=data).status_code == 200
    return surveys.close(survey)


def results(client, survey, fmt: str = "html"):
    """Headquarters opens the results with the passphrase, as a page, CSV or XLSX."""
    token = csrf_token(client, f"/surveys/{survey.id}/results")
    return client.post(
        f"/surveys/{survey.id}/results",
        data={"csrf_token": token, "passphrase": PASSPHRASE, "format": fmt},
    )


def main_text_problems(html: str) -> list:
    """The Japanese-text problems of a page's main content (the header names the test user,
    whom the factories call 「職員 1」)."""
    from tests.screens.pagetext import text_problems

    start, end = html.index('<main id="main"'), html.index("</main>")
    return text_problems(html[start:end])
