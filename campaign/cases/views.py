"""Case pages: officers log and follow their branch's cases; headquarters sees them all."""

from __future__ import annotations

import re
from urllib.parse import quote

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
from wtforms.fields.choices import SelectChoice

from campaign import db, params, security
from campaign.access import current_user, get_in_scope, staff_only
from campaign.cases import (
    picture,  # noqa: F401  (its routes: the picture, exports, categories)
    queries,
    services,
    vocab,
)
from campaign.cases.attachments import UploadRejected
from campaign.cases.common import FILTER_ARGS, PER_PAGE, audit_read, bp, max_bytes, read_filters
from campaign.cases.forms import ActionForm, CaseForm, CommentForm
from campaign.cases.models import Case
from campaign.dates import current_locale, format_date, local_today
from campaign.forms import form_status
from campaign.org import services as org

# --- list, create, edit -----------------------------------------------------------------


@bp.get("/")
def index():
    """The cases this person may see, newest first, filterable and paginated."""
    user = current_user()
    form, filters, ref = read_filters(user)
    page = params.page_arg()
    cases, total = queries.list_cases(db.session(), user, filters, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    audit_read(user, "cases.listed", filters=filters, page=page)
    locale = current_locale()
    return render_template(
        "cases/index.html",
        cases=[_listed(case, ref, locale) for case in cases],
        total=total,
        page=page,
        pages=pages,
        form=form,
        pager_args=params.known_args(request.args, FILTER_ARGS),
    ), (400 if form.month_from.errors or form.month_to.errors else 200)


def _listed(case: queries.Listed, ref, locale: str) -> dict:
    """What the list shows of a case, as text (the template only places it)."""
    names = ref.categories  # in display order
    return {
        "id": case.id,
        "heading": case.heading,
        "state": case.state,
        "state_label": ref.states.get(case.state, case.state),
        "occurred_on": format_date(case.occurred_on, locale),
        "branch": case.branch_name,
        "categories": ref.separator.join(
            names[c]
            for c in sorted((c for c in case.category_ids if c in names), key=ref.order.get)
        ),
    }


@staff_only
def _allow_uploads() -> None:
    """Let the case form carry a few files of up to the per-file limit, so that one file over
    the limit is refused by our own check, with the form kept, rather than by a bare 413."""
    if request.endpoint in ("cases.create", "cases.edit"):
        needed = 4 * max_bytes() + 1024 * 1024
        request.max_content_length = max(current_app.config["MAX_CONTENT_LENGTH"] or 0, needed)


@bp.record_once
def _first_in_line(state) -> None:
    # Before the CSRF check, which reads (and so size-checks) the form.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads)


def _case_form(user, case: Case | None = None) -> CaseForm:
    form = CaseForm(obj=case) if case is not None else CaseForm()
    locale = current_locale()
    form.category_ids.choices = [
        SelectChoice(c.id, c.name(locale)) for c in services.categories(db.session())
    ]
    if request.method == "GET" and case is not None:
        form.category_ids.data = [c.id for c in case.categories]
    if user.is_hq and case is None:
        branches = org.branch_list(db.session())
        form.branch_id.choices = [
            SelectChoice(
                b.id,
                _(
                    "%(branch)s (%(prefecture)s)",
                    branch=b.name,
                    prefecture=b.prefecture.name(locale),
                ),
            )
            for b in branches
        ]
    else:
        del form.branch_id
    return form


def _files() -> list[tuple[str, bytes]]:
    """The uploaded files; the empty part a browser sends when no file was chosen is skipped."""
    chosen = []
    for storage in request.files.getlist("files"):
        data = storage.read()
        if not storage.filename and not data:
            continue
        chosen.append((storage.filename or "", data))
    return chosen


def _input(form: CaseForm) -> services.CaseInput:
    return services.CaseInput(
        title=form.title.data or "",
        workplace=form.workplace.data or "",
        occurred_on=form.occurred_on.data,
        occurred_until=form.occurred_until.data,
        category_ids=list(form.category_ids.data or []),
        issuer_kind=form.issuer_kind.data,
        issuer_name=form.issuer_name.data or "",
        channel=form.channel.data,
        staff_affected=form.staff_affected.data,
        non_regular=bool(form.non_regular.data),
        new_hires=bool(form.new_hires.data),
        dependents=bool(form.dependents.data),
        description=form.description.data or "",
        files=_files(),
    )


def _saved_message(case: Case) -> str:
    if case.state == vocab.DRAFT:
        return _("The case was saved as a draft. Report it to headquarters when it is ready.")
    return _("The case was saved.")


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Log a case for one's own branch (headquarters chooses the branch)."""
    user = current_user()
    form = _case_form(user)
    if form.validate_on_submit():
        try:
            with db.attempt():
                case = services.create_case(
                    db.session(),
                    user,
                    _input(form),
                    branch_id=form.branch_id.data if "branch_id" in form else None,
                    submit=bool(form.submit_report.data),
                    max_bytes=max_bytes(),
                )
        except (services.CaseError, UploadRejected) as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_saved_message(case), "info")
            return redirect(url_for("cases.detail", case_id=case.id))
    status = form_status(form)
    return render_template("cases/form.html", form=form, case=None), status


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
def edit(case_id: int):
    """Change a case (its branch until headquarters takes it up; headquarters any time)."""
    user = current_user()
    case = get_in_scope(db.session(), Case, case_id, user)
    if not services.can_edit(user, case):
        abort(403)
    if request.method == "GET":  # the form shows the whole case: a read like the detail
        services.record_view(db.session(), case, reason="edit")
    form = _case_form(user, case)
    if form.validate_on_submit():
        try:
            with db.attempt():
                services.update_case(
                    db.session(),
                    case,
                    user,
                    _input(form),
                    submit=bool(form.submit_report.data),
                    max_bytes=max_bytes(),
                )
        except (services.CaseError, UploadRejected) as error:
            db.session().rollback()
            case = get_in_scope(db.session(), Case, case_id, user)
            form.form_errors.append(str(error))
        else:
            flash(_saved_message(case), "info")
            return redirect(url_for("cases.detail", case_id=case.id))
    status = form_status(form)
    return render_template("cases/form.html", form=form, case=case), status


# --- detail, workflow, timeline ---------------------------------------------------------


def _detail(case: Case, *, comment_form=None, action_form=None, status: int = 200):
    user = current_user()
    services.record_view(db.session(), case)
    comment_form = comment_form or CommentForm(formdata=None)
    comment_form.to_state.choices = [SelectChoice("", _("No change"))] + [
        SelectChoice(s, vocab.STATES[s])
        for s in services.allowed_states(user, case)
        if s != vocab.REPORTED
    ]
    action_form = action_form or ActionForm(formdata=None, happened_on=local_today())
    return (
        render_template(
            "cases/detail.html",
            case=case,
            comment_form=comment_form,
            action_form=action_form,
            can_edit=services.can_edit(user, case),
            can_submit=vocab.REPORTED in services.allowed_states(user, case),
            locale=current_locale(),
        ),
        status,
    )


@bp.get("/<int:case_id>")
def detail(case_id: int):
    """A case with its timeline, comments and attachments; every view is audited."""
    case = get_in_scope(db.session(), Case, case_id, current_user())
    return _detail(case)


@bp.post("/<int:case_id>/submit")
def submit(case_id: int):
    """The branch reports its draft to headquarters."""
    user = current_user()
    case = get_in_scope(db.session(), Case, case_id, user)
    try:
        with db.attempt():
            services.submit_case(db.session(), case, user)
    except services.CaseError as error:
        flash(str(error), "error")
    else:
        flash(_("The case was reported to headquarters."), "info")
    return redirect(url_for("cases.detail", case_id=case.id))


def _comment_message(to_state: str | None, body: str | None) -> str:
    """Say what was saved: a new state, a comment, or both."""
    if to_state:
        state = str(vocab.STATES.get(to_state, to_state))
        if (body or "").strip():
            return _("The state is now %(state)s, and your comment was saved.", state=state)
        return _("The state is now %(state)s.", state=state)
    return _("Your comment was saved.")


@bp.post("/<int:case_id>/comments")
def comment(case_id: int):
    """A comment on the case; headquarters may change the state with it."""
    user = current_user()
    case = get_in_scope(db.session(), Case, case_id, user)
    form = CommentForm()
    form.to_state.choices = [SelectChoice("", "")] + [SelectChoice(s, s) for s in vocab.STATES]
    if form.validate_on_submit():
        try:
            with db.attempt():
                services.comment(
                    db.session(), case, user, body=form.body.data or "", to_state=form.to_state.data
                )
        except services.CaseError as error:
            form.form_errors.append(str(error))
        else:
            flash(_comment_message(form.to_state.data, form.body.data), "info")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="comments"))
    return _detail(case, comment_form=form, status=400)


@bp.post("/<int:case_id>/actions")
def add_action(case_id: int):
    """Record a dated step on the case's timeline."""
    user = current_user()
    case = get_in_scope(db.session(), Case, case_id, user)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with db.attempt():
                services.add_action(
                    db.session(),
                    case,
                    user,
                    kind=form.kind.data,
                    happened_on=form.happened_on.data,
                    note=form.note.data or "",
                )
        except services.CaseError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The step was added to the timeline."), "info")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="timeline"))
    return _detail(case, action_form=form, status=400)


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
def download(case_id: int, attachment_id: int):
    """Decrypt and send an attachment, always as a download; every download is audited."""
    case = get_in_scope(db.session(), Case, case_id, current_user())
    try:
        attachment, data = services.open_attachment(db.session(), case, attachment_id)
    except LookupError:
        abort(404)
    response = current_app.response_class(data, mimetype=attachment.media_type)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", attachment.filename)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, the file runs sandboxed (no script, no same origin).
    response.headers["Content-Security-Policy"] = f"{security.CSP}; sandbox"
    return response
