"""Helpers of the results tests: many answers stored at once, the results part of a page."""

from __future__ import annotations

import re

from surveys import sealing, storage
from surveys.models import Kind, Survey


def answer_for(survey: Survey, n: int) -> dict:
    """The n-th made-up answer to SurveyFactory's questions (two groups, two thirds in the
    first; no free text, so that two countings print the same page)."""
    answer: dict = {}
    for q in survey.questions:
        key = str(q.id)
        if q.is_grouping:
            answer[key] = 0 if n % 3 else 1
        elif q.kind == Kind.SINGLE:
            answer[key] = n % 2
        elif q.kind == Kind.MULTIPLE:
            answer[key] = [0, 2] if n % 2 else [1]
        elif q.kind == Kind.SCALE5:
            answer[key] = 1 + n % 5
        elif q.kind == Kind.NUMBER:
            answer[key] = n % 7
    return answer


def store_answers(session, survey: Survey, count: int) -> None:
    """``count`` answers sealed to the survey and stored as the answer page stores them."""
    for n in range(count):
        storage.store(
            session,
            survey,
            sealing.seal(answer_for(survey, n), survey.public_key, survey.block_size),
        )
    session.commit()


def main_results(html: str) -> str:
    """The results of a page (its main content without the title and the progress), with the
    spaces between tags evened out."""
    main = html[html.index('<main id="main"') : html.index("</main>")]
    main = re.sub(r'<section class="card tally-progress".*?</section>', "", main, flags=re.S)
    main = re.sub(r"<h1>.*?</h1>", "", main, flags=re.S)
    return re.sub(r">\s+<", "><", main).strip()
