"""The workflow pages of a request: approval, sending, the meeting, answers and the written
answer, closing, outcomes, publication, follow-ups, the chain and the revisions."""

from __future__ import annotations

import difflib
import json
import re
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import db, params, security
from campaign.access import current_user
from campaign.dates import local_today
from campaign.formal_requests import answer_files, services, vocab, workflow
from campaign.formal_requests.common import audit_read, bp, load, locale, status_of
from campaign.formal_requests.forms import (
    AnswersForm,
    ConfirmForm,
    MeetingForm,
    OutcomeForm,
    SendForm,
)
from campaign.formal_requests.models import FormalRequest, Revision
from campaign.formal_requests.page import detail_page
from campaign.params import parse_int

DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024


def _max_bytes() -> int:
    """The cases' per-file limit applies to written answers too."""
    return int(current_app.config.get("CASES_MAX_ATTACHMENT_BYTES") or DEFAULT_MAX_UPLOAD)


def _back(formal: FormalRequest, anchor: str | None = None):
    return redirect(url_for("formal.detail", request_id=formal.id, _anchor=anchor))


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.post("/formal/<int:request_id>/approve")
def approve(request_id: int):
    """A second person approves the draft (never its drafter)."""
    formal = load(request_id)
    _confirmed()
    # The revision the approver read; a post without one approves nothing (0 is no revision).
    revision = params.parse_int(request.form.get("revision"), minimum=1) or 0
    try:
        workflow.approve(db.session(), formal, current_user(), revision=revision)
    except services.FormalError as error:
        db.session().rollback()
        flash(str(error), "error")
        return _back(formal)
    flash(_("The request was approved. It can now be printed and sent."), "info")
    return _back(formal)


@bp.post("/formal/<int:request_id>/reopen")
def reopen(request_id: int):
    """Back to draft to change the wording (the approval lapses)."""
    formal = load(request_id)
    _confirmed()
    try:
        workflow.reopen(db.session(), formal, current_user())
    except services.FormalError as error:
        db.session().rollback()
        flash(str(error), "error")
    else:
        flash(_("The request is a draft again; it needs a new approval."), "info")
    return _back(formal)


@bp.post("/formal/<int:request_id>/send")
def send(request_id: int):
    """Record that the approved request was submitted."""
    formal = load(request_id)
    form = SendForm()
    if form.validate_on_submit():
        try:
            workflow.send(
                db.session(),
                formal,
                current_user(),
                sent_on=form.sent_on.data,
                how=form.sent_how.data or "",
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The request is recorded as sent."), "info")
            return _back(formal)
    return detail_page(load(request_id), status=400, send_form=form)


@bp.post("/formal/<int:request_id>/meeting")
def meeting(request_id: int):
    """Record the meeting (交渉)."""
    formal = load(request_id)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            workflow.record_meeting(
                db.session(),
                formal,
                current_user(),
                met_on=form.met_on.data,
                place=form.place.data or "",
                ours=form.ours.data or "",
                theirs=form.theirs.data or "",
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The meeting was recorded."), "info")
            return _back(formal)
    return detail_page(load(request_id), status=400, meeting_form=form)


def _answers_form(formal: FormalRequest) -> AnswersForm:
    if request.method == "POST":
        return AnswersForm()
    form = AnswersForm(formdata=None, answered_on=formal.answered_on or local_today())
    for item in formal.items:
        form.rows.append_entry(
            {
                "item_id": str(item.id),
                "standing": item.standing or "",
                "answer": item.answer,
                "answer_en": item.answer_en,
            }
        )
    return form


def _upload() -> tuple[str, bytes] | None:
    storage = request.files.get("file")
    if storage is None:
        return None
    data = storage.read()
    if not storage.filename and not data:
        return None
    return storage.filename or "", data


@bp.route("/formal/<int:request_id>/answers", methods=["GET", "POST"])
def answers(request_id: int):
    """Record the answer to each item, its standing, and the written answer if any."""
    user = current_user()
    formal = load(request_id)
    if not services.can_manage(user, formal) or formal.state not in vocab.ANSWERABLE:
        abort(403)
    form = _answers_form(formal)
    if form.validate_on_submit():
        entries = []
        for row in form.rows.entries:
            item_id = parse_int(row.form.item_id.data)
            if item_id is None:
                abort(400)
            entries.append(
                workflow.AnswerInput(
                    item_id,
                    row.form.standing.data or None,
                    row.form.answer.data or "",
                    row.form.answer_en.data or "",
                )
            )
        try:
            workflow.record_answers(
                db.session(), formal, user, entries, answered_on=form.answered_on.data
            )
            upload = _upload()
            if upload is not None:
                workflow.attach_answer(db.session(), formal, user, *upload, _max_bytes())
        except (services.FormalError, answer_files.UploadRejected) as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The answers were saved."), "info")
            return _back(formal, "items")
    formal = load(request_id)
    items = {str(i.id): i for i in formal.items}
    status = status_of(form) if request.method == "POST" else 200
    audit_read(formal)  # every item with the answers given: a read
    return render_template(
        "formal_requests/answers.html", form=form, formal=formal, items=items
    ), status


@bp.get("/formal/<int:request_id>/files/<int:file_id>")
def download(request_id: int, file_id: int):
    """The written answer, always as a download; every download is audited."""
    formal = load(request_id)
    try:
        file, data = workflow.open_answer(db.session(), formal, file_id)
    except LookupError:
        abort(404)
    response = current_app.response_class(data, mimetype=file.media_type)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", file.filename)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}"
    )
    response.headers["Content-Security-Policy"] = f"{security.CSP}; sandbox"
    return response


@bp.post("/formal/<int:request_id>/close")
def close(request_id: int):
    """Close an answered request."""
    formal = load(request_id)
    _confirmed()
    try:
        workflow.close(db.session(), formal, current_user())
    except services.FormalError as error:
        db.session().rollback()
        flash(str(error), "error")
    else:
        flash(_("The request was closed."), "info")
    return _back(formal)


@bp.post("/formal/<int:request_id>/outcomes")
def add_outcome(request_id: int):
    """Record what came of the answers."""
    formal = load(request_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            workflow.add_outcome(
                db.session(),
                formal,
                current_user(),
                happened_on=form.happened_on.data,
                description=form.description.data or "",
                description_en=form.description_en.data or "",
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The outcome was recorded."), "info")
            return _back(formal, "outcomes")
    return detail_page(load(request_id), status=400, outcome_form=form)


@bp.post("/formal/<int:request_id>/publish")
def publish(request_id: int):
    """Show (or withdraw) the confirmed answers on the public pages."""
    formal = load(request_id)
    _confirmed()
    wanted = request.form.get("published") == "1"
    try:
        workflow.set_published(db.session(), formal, current_user(), wanted)
    except services.FormalError as error:
        db.session().rollback()
        flash(str(error), "error")
    else:
        flash(
            _("The confirmed answers are now on the public pages.")
            if wanted
            else _("The answers were withdrawn from the public pages."),
            "info",
        )
    return _back(formal, "outcomes")


@bp.post("/formal/<int:request_id>/follow-up")
def follow_up(request_id: int):
    """Start a follow-up draft from the items not fully confirmed."""
    formal = load(request_id)
    _confirmed()
    try:
        follow = workflow.follow_up(db.session(), formal, current_user())
    except services.FormalError as error:
        db.session().rollback()
        flash(str(error), "error")
        return _back(formal)
    flash(_("A follow-up draft was made from the items not fully confirmed."), "info")
    return redirect(url_for("formal.detail", request_id=follow.id))


@bp.get("/formal/<int:request_id>/chain")
def chain(request_id: int):
    """Every item across the rounds: request → answer → re-request → answer."""
    user = current_user()
    formal = load(request_id)
    audit_read(formal, "formal_request.chain_viewed")
    rounds = workflow.chain_requests(db.session(), formal, user)
    by_id = {r.id: r for r in rounds}
    return render_template(
        "formal_requests/chain.html",
        formal=formal,
        rounds=rounds,
        threads=workflow.threads(rounds),
        by_id=by_id,
    )


@bp.get("/formal/<int:request_id>/revisions")
def revisions(request_id: int):
    """The saved revisions of the wording, newest first, each with its changes."""
    formal = load(request_id)
    audit_read(formal, "formal_request.revisions_viewed")
    history = services.revisions(db.session(), formal)
    snapshots = {r.number: json.loads(r.snapshot) for r in history}
    visible = services.visible_case_ids(db.session(), current_user(), list(snapshots.values()))
    diffs = {}
    for newer, older in zip(history, [*history[1:], None], strict=True):
        new_lines = services.revision_text(snapshots[newer.number], visible)
        old_lines = services.revision_text(snapshots[older.number], visible) if older else []
        diffs[newer.number] = [
            line
            for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))
        ]
    return render_template(
        "formal_requests/revisions.html", formal=formal, history=history, diffs=diffs
    )


@bp.get("/formal/<int:request_id>/revisions/<int:number>")
def revision(request_id: int, number: int):
    """One revision's wording as it was."""
    formal = load(request_id)
    found = db.session().scalar(
        Revision.__table__.select()
        .where(Revision.request_id == formal.id)
        .where(Revision.number == number)
        .with_only_columns(Revision.snapshot)
    )
    if found is None:
        abort(404)
    audit_read(formal, "formal_request.revisions_viewed")
    data = json.loads(found)
    lines = services.revision_text(
        data, services.visible_case_ids(db.session(), current_user(), [data])
    )
    return render_template(
        "formal_requests/revision.html",
        formal=formal,
        number=number,
        lines=lines,
        locale=locale(),
    )
