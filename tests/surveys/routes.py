"""Who may reach the survey routes (see tests/main/test_access_matrix.py).

The arranged survey is an opened one of the officer's *foreign* branch: staff pages answer 404
to the officer, headquarters-only pages 403; the public answer page is open to everyone.
"""

from surveys import sealing, services
from surveys.models import Survey

EXPECTED = {
    "surveys.index": (302, 200, 200),
    "surveys.create": (302, 200, 200),
    "surveys.edit": (302, 404, 302),  # an open survey cannot be edited: back to its page
    "surveys.detail": (302, 404, 200),
    "surveys.add_question": (405, 405, 405),
    "surveys.change_question": (405, 405, 405),
    "surveys.edit_question": (302, 404, 302),  # open: its questions are frozen, back to its page
    "surveys.preview": (302, 404, 200),
    "surveys.invitation": (302, 404, 200),  # the sheet to print, for a survey without codes
    "surveys.open_survey": (302, 403, 302),  # already open: back to its page
    "surveys.close": (302, 403, 200),  # the page that says what closing means
    "surveys.results_view": (302, 403, 302),  # still open: back to its page, nothing shown
    "surveys.key_file": (302, 403, 302),
    "surveys.answer": (200, 200, 200),
    "surveys.my_shares": (302, 200, 200),
    "surveys.show_share": (405, 405, 405),
    "surveys.make_codes": (405, 405, 405),
    "surveys.publish_receipts": (405, 405, 405),
    # Receipts are public only once published, after close: nothing to see for an open survey.
    "surveys.receipts": (404, 404, 404),
    "surveys.receipts_download": (404, 404, 404),
}
EXPECTED_POST = {
    "surveys.create": (401, 400, 400),
    "surveys.edit": (401, 404, 302),
    "surveys.add_question": (401, 404, 400),
    "surveys.change_question": (401, 404, 302),
    "surveys.edit_question": (401, 404, 302),
    "surveys.open_survey": (401, 403, 302),
    # Only headquarters closes early, and only with a reason: the empty form comes back (400).
    "surveys.close": (401, 403, 400),
    # Still open, so results and key file send headquarters back to the survey's page.
    "surveys.results_view": (401, 403, 302),
    "surveys.key_file": (401, 403, 302),
    "surveys.answer": (400, 400, 400),  # no answer-form token
    "surveys.show_share": (401, 404, 404),  # no share waits for this person
    "surveys.make_codes": (401, 403, 302),  # headquarters only (R3-14); no codes here: back
    "surveys.publish_receipts": (401, 403, 302),  # not closed yet
}


def arrange(make, world) -> dict:
    """An opened survey with one question, in the foreign branch."""
    session = make.session
    survey = Survey(title_ja="調査", branch_id=world["foreign"].id, min_group=5)
    session.add(survey)
    session.flush()
    question = services.add_question(
        session, survey, kind="single", text_ja="問", options_ja="はい\nいいえ"
    )
    services.open_survey(
        session, survey, "passphrase for the matrix", sealing.KDF_LIMITS["testing"]
    )
    session.commit()
    return {
        "survey_id": survey.id,
        "question_id": question.id,
        "change": "up",
    }
