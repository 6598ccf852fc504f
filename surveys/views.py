"""Surveys: staff build, open, close and count them; members answer without an account.

The answer page (``answer``) is public and sets no cookie at all: no session, no Flask-WTF CSRF
token (that lives in the session cookie). It is protected instead by an HMAC token in the form,
bound to the survey and the hour the page was served, and by a same-origin check. It is rate
limited in this process's memory only, against a keyed hash of the address (never stored).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from campaign import db, navigation, publicforms
from campaign.access import cookieless, current_user, get_in_scope, hq_required
from campaign.org.services import visible_branches
from campaign.urls import external_url
from surveys import results, sealing, services
from surveys.forms import (
    KIND_LABELS,
    ConfirmForm,
    OpenForm,
    QuestionForm,
    SurveyForm,
    UnlockForm,
    to_japan,
    to_utc,
)
from surveys.models import Kind, State, Survey

bp = Blueprint("surveys", __name__)
navigation.add(_l("Surveys"), "surveys.index", order=40, audience="staff")

SODIUM = Path(__file__).resolve().parent / "node_modules"
SODIUM_FILES = {
    "libsodium.js": SODIUM / "libsodium" / "dist" / "modules" / "libsodium.js",
    "libsodium-wrappers.js": SODIUM
    / "libsodium-wrappers"
    / "dist"
    / "modules"
    / "libsodium-wrappers.js",
}
# What a respondent's browser asks for leaves no access-log line (campaign/publicforms.py).
for _prefix in ("/surveys/answer/", "/surveys/sodium/", "/static/surveys/"):
    publicforms.register_unlogged_prefix(_prefix)
publicforms.unlogged_static("css/site.css", "css/print.css", "favicon.svg")
MAX_ANSWER_BODY = 64 * 1024


# Counting twice while answers arrive would show, by difference, what the answers in between
# said; an officer watching the live count knows whose they were. So the key opens nothing
# before the survey is closed (SECURITY.md promise 4).
NOT_CLOSED = _l(
    "Results, exports and the key file are available once the survey is closed, so that no two "
    "countings can be compared while answers arrive."
)


def _survey(survey_id: int) -> Survey:
    """A survey the logged-in person may see (another branch's: 404); closes it if due."""
    survey = get_in_scope(db.session(), Survey, survey_id, current_user())
    services.close_if_due(db.session(), survey)
    return survey


def _back(survey: Survey, message) -> Response:
    """Back to the survey's page, saying why the action is not available now."""
    flash(str(message), "error")
    return redirect(url_for("surveys.detail", survey_id=survey.id))


def _locale() -> str:
    return str(get_locale() or "ja")


# --- staff: building -----------------------------------------------------------------------


@bp.get("/surveys/")
def index():
    """The surveys this person may see, with their number of answers."""
    surveys = services.visible_surveys(db.session(), current_user())
    for survey in surveys:
        services.close_if_due(db.session(), survey)
    counts = {s.id: services.count_answers(db.session(), s.id) for s in surveys}
    return render_template("surveys/index.html", surveys=surveys, counts=counts)


def _branch_choices(form: SurveyForm) -> None:
    user = current_user()
    branches = visible_branches(db.session(), user)
    choices = [SelectChoice(str(b.id), b.name) for b in branches]
    whole = SelectChoice("", _("The whole federation"))
    form.branch_id.choices = [whole, *choices] if user.is_hq else choices


def _survey_fields(form: SurveyForm) -> dict:
    return {
        "title_ja": form.title_ja.data,
        "title_en": form.title_en.data,
        "intro_ja": form.intro_ja.data,
        "intro_en": form.intro_en.data,
        "opens_at": to_utc(form.opens_at.data),
        "closes_at": to_utc(form.closes_at.data),
        "min_group": form.min_group.data,
        "branch_id": int(form.branch_id.data) if form.branch_id.data else None,
    }


@bp.route("/surveys/new", methods=["GET", "POST"])
def create():
    """Headquarters (any survey) or an officer (their branch's) starts a draft."""
    form = SurveyForm()
    _branch_choices(form)
    if form.validate_on_submit():
        try:
            survey = services.create_survey(db.session(), current_user(), **_survey_fields(form))
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/edit.html", form=form, survey=None), status


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
def edit(survey_id: int):
    """Change a draft's texts and dates."""
    survey = _survey(survey_id)
    if survey.state != State.DRAFT:
        return _back(survey, _l("An open or closed survey cannot be changed."))
    form = SurveyForm(
        data={
            "title_ja": survey.title_ja,
            "title_en": survey.title_en,
            "intro_ja": survey.intro_ja,
            "intro_en": survey.intro_en,
            "opens_at": to_japan(survey.opens_at),
            "closes_at": to_japan(survey.closes_at),
            "min_group": survey.min_group,
            "branch_id": str(survey.branch_id or ""),
        }
    )
    _branch_choices(form)
    if form.validate_on_submit():
        fields = _survey_fields(form)
        fields.pop("branch_id")
        try:
            services.update_survey(db.session(), survey, **fields)
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/edit.html", form=form, survey=survey), status


@bp.get("/surveys/<int:survey_id>")
def detail(survey_id: int):
    """A survey, its questions, its state and its number of answers (never the answers)."""
    survey = _survey(survey_id)
    return render_template(
        "surveys/detail.html",
        survey=survey,
        count=services.count_answers(db.session(), survey.id),
        question_form=QuestionForm(),
        confirm=ConfirmForm(),
        kinds=KIND_LABELS,
        public_url=external_url("surveys.answer", survey_id=survey.id, trusted=True),
    )


@bp.post("/surveys/<int:survey_id>/questions")
def add_question(survey_id: int):
    """Append a question to a draft."""
    survey = _survey(survey_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(db.session(), survey, **form.data)
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("surveys.detail", survey_id=survey.id) + "#questions")
    return (
        render_template(
            "surveys/detail.html",
            survey=survey,
            count=services.count_answers(db.session(), survey.id),
            question_form=form,
            confirm=ConfirmForm(),
            kinds=KIND_LABELS,
            public_url=external_url("surveys.answer", survey_id=survey.id, trusted=True),
        ),
        400,
    )


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/<any(remove, up, down):change>")
def change_question(survey_id: int, question_id: int, change: str):
    """Remove a question of a draft or move it up or down."""
    survey = _survey(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if change == "remove":
            services.remove_question(db.session(), survey, question_id)
        else:
            services.move_question(db.session(), survey, question_id, -1 if change == "up" else 1)
    except services.SurveyError as error:
        flash(str(error), "error")
    return redirect(url_for("surveys.detail", survey_id=survey.id) + "#questions")


@bp.get("/surveys/<int:survey_id>/preview")
def preview(survey_id: int):
    """The answer page as a member will see it, without a form that sends anything."""
    survey = _survey(survey_id)
    return render_template(
        "surveys/answer.html",
        survey=survey,
        preview=True,
        token="",
        accepting=False,
        kinds=Kind,
        text_max=services.TEXT_MAX,
    )


# --- staff: opening, closing, results ------------------------------------------------------


def _kdf_limits() -> tuple[int, int]:
    name = current_app.config.get("SURVEY_KDF") or (
        "testing" if current_app.testing else "moderate"
    )
    return sealing.KDF_LIMITS[name]


@bp.route("/surveys/<int:survey_id>/open", methods=["GET", "POST"])
@hq_required
def open_survey(survey_id: int):
    """Headquarters opens a draft: questions freeze, the key pair is made and wrapped."""
    survey = _survey(survey_id)
    if survey.state != State.DRAFT:
        return _back(survey, _l("Only a draft can be opened."))
    form = OpenForm()
    if form.validate_on_submit():
        try:
            services.open_survey(db.session(), survey, form.passphrase.data, _kdf_limits())
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            flash(
                _("The survey is open. Keep the passphrase safe: nobody can count without it."),
                "info",
            )
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/open.html", survey=survey, form=form), status


@bp.post("/surveys/<int:survey_id>/close")
def close(survey_id: int):
    """Stop taking answers (headquarters, or the officer of the survey's branch)."""
    survey = _survey(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.close_survey(db.session(), survey)
    except services.SurveyError as error:
        flash(str(error), "error")
    else:
        flash(_("The survey is closed."), "info")
    return redirect(url_for("surveys.detail", survey_id=survey.id))


def _unlock(survey: Survey, form: UnlockForm, purpose: str):
    upload = form.key_file.data
    key_file = upload.read(64 * 1024) if upload and getattr(upload, "filename", "") else b""
    if not key_file and not form.passphrase.data:
        raise services.SurveyError(_l("Give the passphrase or the key file."))
    return services.unlock(
        db.session(),
        survey,
        passphrase=form.passphrase.data or "",
        key_file=key_file,
        purpose=purpose,
    )


@bp.route("/surveys/<int:survey_id>/results", methods=["GET", "POST"])
@hq_required
def results_view(survey_id: int):
    """Headquarters opens the results with the passphrase or key file; the key lives only in
    this request. Shown as a page, or exported as CSV or XLSX."""
    survey = _survey(survey_id)
    if survey.state != State.CLOSED:
        return _back(survey, NOT_CLOSED)
    form = UnlockForm()
    if form.validate_on_submit():
        fmt = form.format.data
        try:
            private = _unlock(
                survey, form, "results_opened" if fmt == "html" else "results_exported"
            )
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            tally = results.Tally(list(survey.questions)).count_all(
                services.iter_sealed(db.session(), survey.id), sealing.opener(private)
            )
            del private
            report = results.report(survey, tally, _locale())
            if fmt == "csv":
                return _csv(survey, report)
            if fmt == "xlsx":
                return _xlsx(survey, report)
            return render_template("surveys/results.html", survey=survey, report=report)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/unlock.html", survey=survey, form=form), status


def _safe_cell(value: object) -> object:
    """Spreadsheets run cells that start like a formula: make such text inert."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(survey: Survey, report) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in results.rows_for_export(report):
        writer.writerow([_safe_cell(v) for v in row])
    body = "\ufeff" + buffer.getvalue()
    response = make_response(body.encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.id}.csv"'
    return response


def _xlsx(survey: Survey, report) -> Response:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    for row in results.rows_for_export(report):
        sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.id}.xlsx"'
    return response


@bp.route("/surveys/<int:survey_id>/key", methods=["GET", "POST"])
@hq_required
def key_file(survey_id: int):
    """Headquarters downloads the key file for offline counting (passphrase needed; audited)."""
    survey = _survey(survey_id)
    if survey.state != State.CLOSED:
        return _back(survey, NOT_CLOSED)
    form = UnlockForm()
    if form.validate_on_submit():
        try:
            if not form.passphrase.data:
                raise services.SurveyError(_l("Give the passphrase or the key file."))
            private = services.unlock(
                db.session(), survey, passphrase=form.passphrase.data, purpose="key_exported"
            )
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            response = make_response(sealing.key_file(survey.id, private))
            response.headers["Content-Type"] = "application/json"
            response.headers["Content-Disposition"] = (
                f'attachment; filename="survey-{survey.id}-key.json"'
            )
            return response
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/key.html", survey=survey, form=form), status


# --- members: answering --------------------------------------------------------------------


def _throttled() -> bool:
    """Count this answer against the client; True when over the limit."""
    limit = current_app.config.get("SURVEY_ANSWER_LIMIT") or "20 per 10 minutes"
    return not publicforms.throttle("survey-answer", limit)


def _answer_page(survey: Survey, status: int = 200, **context) -> Response:
    context.setdefault("error", None)
    html = render_template(
        "surveys/answer.html",
        survey=survey,
        preview=False,
        token=publicforms.issue_token("survey-answer", survey.id),
        accepting=services.accepting(survey),
        kinds=Kind,
        text_max=services.TEXT_MAX,
        **context,
    )
    return make_response(html, status)


def _public_survey(survey_id: int) -> Survey:
    survey = db.session().get(Survey, survey_id)
    if survey is None or survey.state == State.DRAFT:
        abort(404)
    services.close_if_due(db.session(), survey)
    return survey


@bp.route("/surveys/answer/<int:survey_id>", methods=["GET", "POST"])
@publicforms.public_form(wasm=True)
def answer(survey_id: int):
    """Answer a survey: no account, no cookie. Sealed in the browser when JavaScript runs
    (field ``sealed``), else sealed here at once from the plain fields, never kept in clear."""
    if request.method == "GET":
        survey = _public_survey(survey_id)
        return _answer_page(survey, 200 if services.accepting(survey) else 410)
    if (request.content_length or 0) > MAX_ANSWER_BODY:
        abort(413)
    request.max_content_length = MAX_ANSWER_BODY
    publicforms.require_same_origin()
    info = services.answering(db.session(), survey_id)
    if info is None:
        abort(404)
    if not publicforms.verify_token("survey-answer", survey_id, request.form.get("token")):
        error = _("The form has expired. Please reload the page and answer again.")
        return _answer_page(_public_survey(survey_id), 400, error=error)
    if not services.accepting(info):
        return _answer_page(_public_survey(survey_id), 410)
    if _throttled():
        error = _("Too many answers from this network. Please try again later.")
        return _answer_page(_public_survey(survey_id), 429, error=error)
    browser = "sealed" in request.form
    try:
        if browser:
            sealed = sealing.decode_sealed(
                request.form["sealed"], sealing.sealed_size(info.block_size)
            )
        else:
            plain = services.answer_from_form(info, request.form)
            try:
                sealed = sealing.seal(plain, info.public_key, info.block_size)
            finally:
                del plain
        receipt = services.submit(db.session(), info, sealed)
    except (ValueError, services.SurveyError) as error:
        message = (
            str(error)
            if isinstance(error, services.SurveyError)
            else _("The answer could not be read. Please try again.")
        )
        status = 410 if isinstance(error, services.NotAccepting) else 400
        return _answer_page(_public_survey(survey_id), status, error=message)
    return render_template("surveys/thanks.html", receipt=receipt, browser=browser)


@bp.get("/surveys/sodium/<any('libsodium.js', 'libsodium-wrappers.js'):sodium_file>")
@publicforms.unlogged
@cookieless
def sodium(sodium_file: str):
    """libsodium for the answer page, from the npm install (never a CDN, never committed).

    Sent with ``no-store`` like every page: nothing on a shared device shows a survey was used.
    """
    path = SODIUM_FILES[sodium_file]
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("b64")
def _b64(data: bytes) -> str:
    """Bytes as standard base64 (the survey's public key on the answer page)."""
    import base64

    return base64.b64encode(data).decode()
