"""Surveys, members' side: answering, and the public list of receipts after close.

Every route here is an anonymous public form or page (campaign/publicforms.py): no cookie read or
set, no access-log line, the public-form CSP. The answer flow itself is surveys/answering.py.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import escape

from campaign import db, publicforms, staticfiles
from campaign.access import cookieless
from campaign.urls import external_url
from surveys import answering, gate, services
from surveys.common import bp
from surveys.models import Kind, State, Survey

SODIUM = Path(__file__).resolve().parent / "node_modules"
# libsodium for the answer page, from the npm install (never a CDN, never committed), served as
# static files (campaign/staticfiles.py): a hashed name, Brotli and gzip, a year's immutable
# cache. It is the same for everyone and carries no cookie; the page itself stays no-store.
SODIUM_FILES = {
    "surveys/sodium/libsodium.js": SODIUM / "libsodium" / "dist" / "modules" / "libsodium.js",
    "surveys/sodium/libsodium-wrappers.js": SODIUM
    / "libsodium-wrappers"
    / "dist"
    / "modules"
    / "libsodium-wrappers.js",
}
for _name, _path in SODIUM_FILES.items():
    staticfiles.add_file(_name, _path)

# What a respondent's browser asks for leaves no access-log line (campaign/publicforms.py).
for _prefix in ("/surveys/answer", "/static/surveys/", "/surveys/receipts"):
    publicforms.register_unlogged_prefix(_prefix)
publicforms.unlogged_static("css/site.css", "css/print.css", "favicon.svg", *SODIUM_FILES)


def _public_survey(survey_id: int) -> Survey:
    survey = db.session().get(Survey, survey_id)
    if survey is None or survey.state == State.DRAFT:
        abort(404)
    # A due survey is shown as closed (services.accepting decides by the date) and is not closed
    # here: the closing's audit entry would carry this member's time (surveys/closing.py).
    return survey


def _answer_page(survey: Survey, status: int = 200, **context):
    context.setdefault("error", None)
    context.setdefault("kept", {})
    context.setdefault("question_id", None)
    html = render_template(
        "surveys/answer.html",
        survey=survey,
        preview=False,
        token=publicforms.issue_token(answering.PURPOSE, survey.id),
        accepting=services.accepting(survey),
        kinds=Kind,
        text_max=services.TEXT_MAX,
        **context,
    )
    return html, status


@bp.route("/surveys/answer/<int:survey_id>", methods=["GET", "POST"])
@publicforms.public_form(wasm=True)
def answer(survey_id: int):
    """Answer a survey: no account, no cookie (see surveys/answering.py)."""
    if request.method == "GET":
        survey = _public_survey(survey_id)
        return _answer_page(survey, 200 if services.accepting(survey) else 410)
    if (request.content_length or 0) > answering.MAX_ANSWER_BODY:
        abort(413)
    request.max_content_length = answering.MAX_ANSWER_BODY
    limit = current_app.config.get("SURVEY_ANSWER_LIMIT") or "20 per 10 minutes"
    outcome = answering.receive(
        survey_id, request.form, secret_key=current_app.config["SECRET_KEY"], limit=limit
    )
    if outcome.status == 404:
        abort(404)
    if outcome.status != 200:
        # Nothing was written; the page comes back with the answers given and the problem marked.
        return _answer_page(
            _public_survey(survey_id),
            outcome.status,
            error=outcome.error,
            kept=outcome.kept,
            question_id=outcome.question_id,
        )
    return _thanks_page(survey_id, outcome.receipt, outcome.browser)


# The thank-you page is the same for every respondent of a survey but for the receipt code: it
# is rendered once (per address, language and sealing mode) with a marker where the receipt
# goes, and kept (rendering it cost half a millisecond an answer).
_MARK = secrets.token_hex(16)


def _thanks_page(survey_id: int, receipt: str, browser: bool) -> str:
    def render() -> str:
        return render_template(
            "surveys/thanks.html",
            receipt=_MARK,
            browser=browser,
            receipts_url=external_url("surveys.receipts", survey_id=survey_id, trusted=True),
        )

    html = publicforms.kept_page(
        render, "surveys.thanks", browser, current_app.config.get("BASE_URL")
    )
    return html.replace(_MARK, str(escape(receipt)))


@bp.get("/surveys/receipts/<int:survey_id>")
@publicforms.public_form
def receipts(survey_id: int):
    """The published receipts of a closed survey: type yours to see whether it was counted."""
    survey = db.session().get(Survey, survey_id)
    if survey is None or survey.state != State.CLOSED or not survey.receipts_published:
        abort(404)
    typed = (request.args.get("receipt") or "")[:64]
    found = gate.receipt_counted(db.session(), survey, typed) if typed.strip() else None
    return render_template(
        "surveys/receipts.html", survey=survey, typed=typed, found=found, error=None
    )


@bp.get("/surveys/receipts/<int:survey_id>/all.txt")
@publicforms.unlogged
@cookieless
def receipts_download(survey_id: int):
    """Every receipt of the survey, one a line, in a random order, nothing else."""
    survey = db.session().get(Survey, survey_id)
    if survey is None or survey.state != State.CLOSED or not survey.receipts_published:
        abort(404)
    body = "".join(f"{r}\n" for r in gate.receipt_list(db.session(), survey))
    response = current_app.response_class(body, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="receipts-{survey.id}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("b64")
def _b64(data: bytes) -> str:
    """Bytes as standard base64 (the survey's public key on the answer page)."""
    return base64.b64encode(data).decode()


_ = _  # gettext is used by the templates through the app; kept for message extraction
