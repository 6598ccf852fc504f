"""Staff pages: headquarters runs petitions (create, open, close, submit, anonymise, review);
branch officers enter their branch's paper batches and see the progress.

An officer sees the petitions and their own branch's batches only; another branch's batch
answers 404. Headquarters-only actions answer 403 to officers.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from campaign import db, params
from campaign.access import current_user, get_in_scope, hq_required, scope_to_branch
from campaign.org.models import Branch
from campaign.org.services import visible_branches
from campaign.petitions import mail, retention, services
from campaign.petitions.blueprint import bp
from campaign.petitions.forms import (
    BatchForm,
    ConfirmForm,
    CorrectForm,
    MarkForm,
    PetitionForm,
    SubmitForm,
)
from campaign.petitions.models import PaperBatch, Petition, State


def _petition(petition_id: int) -> Petition:
    """A petition by id (staff see every petition; drafts only headquarters), closed if due."""
    petition = db.session().get(Petition, petition_id)
    if petition is None or (petition.state == State.DRAFT and not current_user().is_hq):
        abort(404)
    services.close_if_due(db.session(), petition)
    return petition


def _back(petition: Petition, message=None, category: str = "error"):
    if message:
        flash(str(message), category)
    return redirect(url_for("petitions.detail", petition_id=petition.id))


@bp.get("/petitions/manage/")
def index():
    """Every petition for headquarters; the open and closed ones for officers."""
    user = current_user()
    stmt = select(Petition).order_by(Petition.id.desc())
    if not user.is_hq:
        stmt = stmt.where(Petition.state.in_((State.OPEN, State.CLOSED, State.SUBMITTED)))
    petitions = list(db.session().scalars(stmt))
    for petition in petitions:
        services.close_if_due(db.session(), petition)
    figures = {p.id: services.figures_for(db.session(), p, user) for p in petitions}
    return render_template("petitions/index.html", petitions=petitions, figures=figures)


def _fields(form: PetitionForm) -> dict:
    return {name: getattr(form, name).data for name in services.EDITABLE}


@bp.route("/petitions/manage/new", methods=["GET", "POST"])
@hq_required
def create():
    """Headquarters drafts a petition."""
    form = PetitionForm()
    if request.method == "GET":
        form.ask_email.data = True
    if form.validate_on_submit():
        try:
            petition = services.create_petition(db.session(), current_user(), **_fields(form))
        except services.PetitionError as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("petitions/edit.html", form=form, petition=None), status


@bp.route("/petitions/manage/<int:petition_id>/edit", methods=["GET", "POST"])
@hq_required
def edit(petition_id: int):
    """Change a draft."""
    petition = _petition(petition_id)
    if petition.state != State.DRAFT:
        return _back(petition, _("Only a draft can be changed."))
    form = PetitionForm(obj=petition)
    if form.validate_on_submit():
        try:
            services.update_petition(db.session(), petition, **_fields(form))
        except services.PetitionError as error:
            form.form_errors.append(str(error))
        else:
            return _back(petition)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("petitions/edit.html", form=form, petition=petition), status


@bp.get("/petitions/manage/<int:petition_id>")
def detail(petition_id: int):
    """A petition's progress, batches (an officer: their branch's) and actions."""
    petition = _petition(petition_id)
    user = current_user()
    batch_form = BatchForm()
    if not user.is_hq and user.branch_id:
        batch_form.branch_id.data = user.branch_id
    batch_form.received_on.data = services.today()
    return _detail_page(petition, batch_form=batch_form)


def _detail_page(petition: Petition, status: int = 200, **context):
    user = current_user()
    from campaign.petitions.public import absolute, prefecture_names

    batches = select(PaperBatch).where(PaperBatch.petition_id == petition.id)
    batches = batches.order_by(PaperBatch.received_on, PaperBatch.id)
    context["batches"] = list(
        db.session().scalars(scope_to_branch(batches, PaperBatch.branch_id, user))
    )
    context["branches"] = visible_branches(db.session(), user)
    # Headquarters sees the live figures; branch officers the public's (R3-3, R4-1).
    figures = services.figures_for(db.session(), petition, user, table=True)
    return (
        render_template(
            "petitions/detail.html",
            petition=petition,
            counts=figures.live,
            progress=figures.progress,
            table=figures.table,
            prefectures=prefecture_names(),  # all 47, not only the viewer's branches' (R3-4)
            by_branch=services.paper_by_branch(db.session(), petition) if figures.live else [],
            confirm=ConfirmForm(),
            public_url=absolute(url_for("petitions.page", petition_id=petition.id))
            or url_for("petitions.page", petition_id=petition.id),
            **context,
        ),
        status,
    )


@bp.post("/petitions/manage/<int:petition_id>/<any(open, close):state_action>")
@hq_required
def change_state(petition_id: int, state_action: str):
    """Open a draft, or close an open petition."""
    petition = _petition(petition_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if state_action == "open":
            services.open_petition(db.session(), petition)
            message = _("The petition is open for signatures.")
        else:
            services.close_petition(db.session(), petition)
            message = _("The petition is closed.")
    except services.PetitionError as error:
        return _back(petition, error)
    return _back(petition, message, "info")


@bp.route("/petitions/manage/<int:petition_id>/submit", methods=["GET", "POST"])
@hq_required
def submit(petition_id: int):
    """Record the hand-over; signers who asked for news are told."""
    petition = _petition(petition_id)
    if petition.state != State.CLOSED:
        return _back(petition, _("A petition is submitted after it has closed."))
    form = SubmitForm()
    if request.method == "GET":
        form.submitted_on.data = services.today()
        form.submitted_to.data = petition.addressee_ja
    if form.validate_on_submit():
        try:
            emails = services.submit(
                db.session(),
                petition,
                submitted_on=form.submitted_on.data,
                submitted_to=form.submitted_to.data,
                note=form.note.data or "",
            )
        except services.PetitionError as error:
            form.form_errors.append(str(error))
        else:
            db.session().commit()
            sent = _send_news(petition, emails)
            flash(
                _("The submission is recorded. News sent to %(count)d signers.", count=sent), "info"
            )
            return _back(petition)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("petitions/submit.html", petition=petition, form=form), status


def _send_news(petition: Petition, emails: list[str]) -> int:
    if not emails:
        return 0
    from flask import current_app

    body = render_template("petitions/email_news.txt", petition=petition)
    subject = "【署名提出のお知らせ】" + petition.title_ja
    try:
        return mail.send(mail.message(to, subject, body) for to in emails)
    except mail.MailError:
        current_app.logger.warning("petitions: news of a submission could not be sent")
        return 0


@bp.post("/petitions/manage/<int:petition_id>/anonymise")
@hq_required
def anonymise(petition_id: int):
    """Delete the signers' personal data now (a closed or submitted petition)."""
    petition = _petition(petition_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        deleted = services.anonymise(db.session(), petition)
    except services.PetitionError as error:
        return _back(petition, error)
    db.session().commit()
    db.session().close()
    retention.scrub_files(db.engine())
    flash(
        _(
            "The signers' personal data is deleted (%(count)d signatures); the counts remain.",
            count=deleted,
        ),
        "info",
    )
    return redirect(url_for("petitions.detail", petition_id=petition_id))


# --- paper batches --------------------------------------------------------------------------


@bp.post("/petitions/manage/<int:petition_id>/paper")
def add_paper(petition_id: int):
    """An officer (their branch) or headquarters (any branch) enters a batch of paper forms."""
    petition = _petition(petition_id)
    form = BatchForm()
    if form.validate_on_submit():
        _visible_branch(form.branch_id.data)
        try:
            services.add_batch(
                db.session(),
                current_user(),
                petition,
                branch_id=form.branch_id.data,
                received_on=form.received_on.data,
                signatures=form.signatures.data,
                sheets=form.sheets.data,
                note=form.note.data or "",
            )
        except services.PetitionError as error:
            form.form_errors.append(str(error))
        else:
            return _back(petition, _("The paper batch is added."), "info")
    return _detail_page(petition, 400, batch_form=form)


def _visible_branch(branch_id: int) -> Branch:
    """The branch a batch is entered for: another branch than the officer's own, or one that
    does not exist (an id beyond 64 bits included), answers 404 as its records do."""
    branch = db.session().get(Branch, branch_id) if 0 < branch_id <= params.MAX_ID else None
    if branch is None or not current_user().can_see_branch(branch.id):
        abort(404)
    return branch


@bp.route("/petitions/manage/paper/<int:batch_id>", methods=["GET", "POST"])
def paper(batch_id: int):
    """One batch (an officer: their own branch's only); headquarters corrects it here."""
    user = current_user()
    batch = get_in_scope(db.session(), PaperBatch, batch_id, user)
    form = CorrectForm(obj=batch)
    if request.method == "POST":
        if not user.is_hq:
            abort(403)
        if form.validate_on_submit():
            try:
                services.correct_batch(
                    db.session(),
                    batch,
                    received_on=form.received_on.data,
                    signatures=form.signatures.data,
                    sheets=form.sheets.data,
                    note=form.note.data or "",
                    reason=form.reason.data,
                )
            except services.PetitionError as error:
                form.form_errors.append(str(error))
            else:
                return _back(batch.petition, _("The batch is corrected."), "info")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("petitions/paper.html", batch=batch, form=form), status


# --- review ---------------------------------------------------------------------------------


@bp.get("/petitions/manage/<int:petition_id>/review")
@hq_required
def review(petition_id: int):
    """Suspicious bursts as counts: recurring addresses and names, signatures per day."""
    petition = _petition(petition_id)
    # Through params (review R4-2: 5,000 digits went to int() and answered 500); clamped.
    threshold = max(2, min(params.int_arg("threshold", 5, maximum=10**18), 1000))
    found = services.review(db.session(), petition, threshold=threshold)
    return render_template(
        "petitions/review.html",
        petition=petition,
        review=found,
        threshold=threshold,
        form=MarkForm(),
    )


@bp.post("/petitions/manage/<int:petition_id>/review/mark")
@hq_required
def mark(petition_id: int):
    """Set a group aside as invalid, or count it again; audited."""
    petition = _petition(petition_id)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = services.mark_group(
            db.session(),
            petition,
            kind=form.kind.data,
            tag=form.tag.data,
            invalid=form.invalid.data == "1",
        )
    except services.PetitionError as error:
        flash(str(error), "error")
    else:
        flash(_("%(count)d signatures changed.", count=changed), "info")
    return redirect(url_for("petitions.review", petition_id=petition.id))
