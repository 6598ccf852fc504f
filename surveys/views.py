"""Surveys, staff side: build, open (passphrase or custodians), codes, close, results.

The members' side (answering, receipts) is surveys/public.py; the rules are in services.py,
answering.py, codes.py, custody.py and gate.py. While a survey is open nobody sees its running
count, only whether k answers have arrived (a count watched live lets an officer time a victim's
answer and close right after it).
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from campaign import db, navigation
from campaign.access import current_user, hq_required, staff_only
from campaign.auth.models import Role, User
from campaign.forms import form_status
from campaign.org.services import visible_branches
from campaign.urls import external_url
from surveys import closing, codes, exporting, handover, sealing, services, storage
from surveys.common import back, bp, load, load_readable, locale
from surveys.forms import (
    KIND_LABELS,
    CloseForm,
    CodesForm,
    ConfirmForm,
    OpenForm,
    QuestionForm,
    SurveyForm,
    to_japan,
    to_utc,
)
from surveys.models import State, Survey

navigation.add(_l("Surveys"), "surveys.index", order=40, audience="staff")


@bp.before_app_request
@staff_only
def _close_due() -> None:
    """The first (writing) request after a survey's closing date closes it, as the system (the
    same as ``surveys close-due`` run from cron). Looked up at most once a minute per process,
    and at once when the earliest closing date known passes. A due survey takes no answer
    whether or not it was closed yet (services.accepting)."""
    from campaign import clock

    if db.read_only_request() or not closing.may_close():
        # A public GET may not write (campaign/db.py), and no public request closes anything
        # (surveys/closing.py), nor looks the next date up: on an answer that would open the
        # request's session, whose transaction on SQLite holds the write lock the answer's own
        # connection waits for (surveys/answering.py ``receive``). The next staff request closes.
        return
    state = current_app.extensions.setdefault("surveys.due", {"checked": None, "next": None})
    now = clock.now()
    checked, upcoming = state["checked"], state["next"]
    fresh = checked is not None and (now - checked).total_seconds() < 60
    if fresh and (upcoming is None or now < upcoming):
        return
    session = db.session()
    closing.close_due(session)
    state["checked"], state["next"] = now, closing.next_due(session)


# --- building ------------------------------------------------------------------------------


@bp.get("/surveys/")
def index():
    """The surveys this person may see; counts only once closed."""
    session, user = db.session(), current_user()
    surveys = services.visible_surveys(session, user)
    counts = {
        s.id: services.count_answers(session, s.id)
        for s in surveys
        if s.state == State.CLOSED and not services.shared_only(user, s)
    }
    reached = {s.id: services.k_reached(session, s) for s in surveys if s.state == State.OPEN}
    branches = {b.id: b.name for b in visible_branches(session, user)}
    return render_template(
        "surveys/index.html", surveys=surveys, counts=counts, reached=reached, branches=branches
    )


def _branch_choices(form: SurveyForm) -> None:
    user = current_user()
    choices = [SelectChoice(str(b.id), b.name) for b in visible_branches(db.session(), user)]
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
        "needs_code": form.needs_code.data,
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
            title = survey.title(locale())
            flash(
                _("The survey “%(title)s” was created. Now add its questions.", title=title), "info"
            )
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    return render_template("surveys/edit.html", form=form, survey=None), form_status(form)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
def edit(survey_id: int):
    """Change a draft's texts and dates."""
    survey = load(survey_id)
    if survey.state != State.DRAFT:
        return back(survey, _l("An open or closed survey cannot be changed."))
    fields = ("title_ja", "title_en", "intro_ja", "intro_en", "min_group", "needs_code")
    data = {name: getattr(survey, name) for name in fields}
    data |= {"opens_at": to_japan(survey.opens_at), "closes_at": to_japan(survey.closes_at)}
    form = SurveyForm(data={**data, "branch_id": str(survey.branch_id or "")})
    _branch_choices(form)
    if form.validate_on_submit():
        changes = _survey_fields(form)
        changes.pop("branch_id")
        try:
            services.update_survey(db.session(), survey, **changes)
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The survey's texts and dates were saved."), "info")
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    return render_template("surveys/edit.html", form=form, survey=survey), form_status(form)


def _detail(survey: Survey, question_form=None, status: int = 200):
    session = db.session()
    closed = survey.state == State.CLOSED
    return (
        render_template(
            "surveys/detail.html",
            survey=survey,
            count=services.count_answers(session, survey.id) if closed else None,
            reached=services.k_reached(session, survey) if survey.state == State.OPEN else None,
            codes_made=codes.counts(session, survey.id),
            question_form=question_form or QuestionForm(),
            confirm=ConfirmForm(),
            codes_form=CodesForm(),
            kinds=KIND_LABELS,
            public_url=external_url("surveys.answer", survey_id=survey.id, trusted=True),
            receipts_url=external_url("surveys.receipts", survey_id=survey.id, trusted=True),
        ),
        status,
    )


@bp.get("/surveys/<int:survey_id>")
def detail(survey_id: int):
    """A survey, its questions and state (never the answers, and no running count). An officer
    sees a federation-wide survey read-only: its title, dates and the link to pass on."""
    survey = load_readable(survey_id)
    if services.shared_only(current_user(), survey):
        return render_template(
            "surveys/shared.html",
            survey=survey,
            reached=services.k_reached(db.session(), survey)
            if survey.state == State.OPEN
            else None,
            public_url=external_url("surveys.answer", survey_id=survey.id, trusted=True),
        )
    return _detail(survey)


@bp.post("/surveys/<int:survey_id>/questions")
def add_question(survey_id: int):
    """Append a question to a draft."""
    survey = load(survey_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(db.session(), survey, **form.data)
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            number = len(survey.questions)
            flash(_("Question %(n)d was added.", n=number), "info")
            return redirect(url_for("surveys.detail", survey_id=survey.id) + "#questions")
    return _detail(survey, form, 400)


@bp.route("/surveys/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit_question(survey_id: int, question_id: int):
    """Change a question of a draft; once the survey is open the questions are frozen."""
    survey = load(survey_id)
    try:
        question = services.question_of(survey, question_id)
    except services.SurveyError:
        abort(404)
    if survey.state != State.DRAFT:
        return back(survey, _l("The questions cannot change once the survey is open."))
    form = QuestionForm.of(question)
    number = survey.questions.index(question) + 1
    if form.validate_on_submit():
        try:
            services.update_question(db.session(), survey, question.id, **form.data)
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Question %(n)d was saved.", n=number), "info")
            return redirect(url_for("surveys.detail", survey_id=survey.id) + "#questions")
    return render_template(
        "surveys/question.html", survey=survey, question=question, number=number, form=form
    ), form_status(form)


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/<any(remove, up, down):change>")
def change_question(survey_id: int, question_id: int, change: str):
    """Remove a question of a draft or move it up or down."""
    survey = load(survey_id)
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
    from surveys.models import Kind

    survey = load(survey_id)
    return render_template(
        "surveys/answer.html",
        survey=survey,
        preview=True,
        token="",
        accepting=False,
        kinds=Kind,
        text_max=services.TEXT_MAX,
        kept={},
        error=None,
        question_id=None,
    )


# --- opening, custody, codes, closing ------------------------------------------------------


def _kdf_limits() -> tuple[int, int]:
    name = current_app.config.get("SURVEY_KDF") or (
        "testing" if current_app.testing else "moderate"
    )
    return sealing.KDF_LIMITS[name]


def _staff_choices(form: OpenForm) -> dict[int, User]:
    from sqlalchemy import select

    staff = db.session().scalars(
        select(User).where(User.role.in_([Role.HQ, Role.ADMIN, Role.OFFICER])).order_by(User.id)
    )
    # Only accounts that nobody but their owner can enter (review R4-14); the service refuses
    # the others too, with the reason.
    people = {u.id: u for u in staff if handover.eligible(u)}
    form.custodians.choices = [SelectChoice(i, u.display_name) for i, u in people.items()]
    return people


@bp.route("/surveys/<int:survey_id>/open", methods=["GET", "POST"])
@hq_required
def open_survey(survey_id: int):
    """Headquarters opens a draft: questions freeze, the key pair is made and wrapped or split."""
    survey = load(survey_id)
    if survey.state != State.DRAFT:
        return back(survey, _l("Only a draft can be opened."))
    form = OpenForm()
    people = _staff_choices(form)
    if form.validate_on_submit():
        session = db.session()
        try:
            if form.custody.data == "custodians":
                chosen = [people[i] for i in form.custodians.data or [] if i in people]
                handover.open_with_custodians(
                    session,
                    survey,
                    chosen,
                    int(form.threshold.data or 0),
                    expected=form.expected.data,
                    opener=current_user(),
                )
                message = _(
                    "The survey is open. Each custodian sees their own share once, on their "
                    "home page, the next time they log in; nobody else sees it."
                )
            else:
                services.open_survey(
                    session,
                    survey,
                    form.passphrase.data,
                    _kdf_limits(),
                    expected=form.expected.data,
                )
                message = _(
                    "The survey is open. Keep the passphrase safe: nobody can count without it."
                )
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            flash(message, "info")
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    return render_template(
        "surveys/open.html", survey=survey, form=form, expected_max=f"{storage.EXPECTED_MAX:,}"
    ), form_status(form)


@bp.post("/surveys/<int:survey_id>/codes")
@hq_required
def make_codes(survey_id: int):
    """Make invitation codes: headquarters only, for any survey (review R3-14: a maker can keep
    codes and answer with them, so not the branch officer the smallest group guards against).
    The codes exist only in this response (slips to print, a CSV for a mail merge, or both);
    the making is recorded and shown on the survey's page and its results."""
    survey = load(survey_id)
    form = CodesForm()
    if not survey.needs_code or survey.state == State.CLOSED:
        return back(survey, _l("This survey does not use invitation codes."))
    if not form.validate_on_submit():
        return back(survey, _l("Give a number of codes from 1 to 2,000."))
    return exporting.codes_response(survey, form.count.data, request.form.get("format", "pdf"))


@bp.route("/surveys/<int:survey_id>/close", methods=["GET", "POST"])
@hq_required
def close(survey_id: int):
    """Headquarters closes a survey at once: a page first says what that means and asks for the
    reason (audited); closing earlier than announced is for headquarters only."""
    survey = load(survey_id)
    if survey.state != State.OPEN:
        return back(survey, _l("Only an open survey can be closed."))
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close_survey(
                db.session(), survey, user=current_user(), reason=form.reason.data
            )
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The survey is closed. It takes no more answers."), "info")
            return redirect(url_for("surveys.detail", survey_id=survey.id))
    page = render_template(
        "surveys/close.html",
        survey=survey,
        form=form,
        reached=services.k_reached(db.session(), survey),
    )
    return page, form_status(form)


from surveys import (  # noqa: E402,F401  (their routes, on this blueprint)
    custody_views,
    invitation,
    public,
    results_views,
)
