"""Surveys, staff side: the results, every reading through gate.open_results.

The page, the CSV and XLSX exports and the key file: headquarters gives the passphrase, the key
file or the custodians' shares; the key lives only in the request. The charts are the platform's
(campaign/charts.py, templates/_chart.html); the export writer too (campaign/exports.py).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import charts, db
from campaign.access import hq_required
from campaign.forms import form_status
from surveys import exporting, gate, sealing, services
from surveys.common import back, bp, load, locale
from surveys.forms import ConfirmForm, UnlockForm
from surveys.models import State


@bp.app_template_filter("survey_chart")
def _survey_chart(block) -> charts.Chart:
    """One shown figure as the platform's bar chart: count and percentage on each bar."""
    return charts.bar_chart(
        [(row.label, row.count) for row in block.rows],
        headings=(_("Answer"), _("Count (share)")),
        texts=[
            _("%(count)s (%(percent)s%%)", count=row.count, percent=row.percent)
            for row in block.rows
        ],
    )


def _key_material(form: UnlockForm) -> dict:
    upload = form.key_file.data
    key_file = upload.read(64 * 1024) if upload and getattr(upload, "filename", "") else b""
    shares = [s for s in request.form.getlist("share") if s.strip()][:16]
    return {"passphrase": form.passphrase.data or "", "key_file": key_file, "shares": shares}


@bp.route("/surveys/<int:survey_id>/results", methods=["GET", "POST"])
@hq_required
def results_view(survey_id: int):
    """Headquarters opens the results (page, CSV or XLSX) with the passphrase, the key file or
    the custodians' shares; the key lives only in this request."""
    survey = load(survey_id)
    if survey.state != State.CLOSED:
        return back(survey, gate.NOT_CLOSED)
    form = UnlockForm()
    if form.validate_on_submit():
        fmt = form.format.data
        purpose = "results_opened" if fmt == "html" else "results_exported"
        try:
            report = gate.open_results(
                db.session(), survey, purpose=purpose, locale=locale(), **_key_material(form)
            )
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            if fmt in ("csv", "xlsx"):
                return exporting.report_response(survey, report, fmt)
            return render_template("surveys/results.html", survey=survey, report=report)
    return render_template("surveys/unlock.html", survey=survey, form=form), form_status(form)


@bp.route("/surveys/<int:survey_id>/key", methods=["GET", "POST"])
@hq_required
def key_file(survey_id: int):
    """Headquarters downloads the key file for offline counting (audited)."""
    survey = load(survey_id)
    if survey.state != State.CLOSED:
        return back(survey, gate.NOT_CLOSED)
    form = UnlockForm()
    if form.validate_on_submit():
        material = _key_material(form)
        material.pop("key_file")
        try:
            private = gate.unlock(db.session(), survey, purpose="key_exported", **material)
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            return exporting.download(
                sealing.key_file(survey.id, private),
                "application/json",
                f"survey-{survey.id}-key.json",
            )
    return render_template("surveys/key.html", survey=survey, form=form), form_status(form)


@bp.post("/surveys/<int:survey_id>/receipts/publish")
@hq_required
def publish_receipts(survey_id: int):
    """Headquarters publishes the list of receipts of a closed survey."""
    survey = load(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        gate.publish_receipts(db.session(), survey)
    except services.SurveyError as error:
        flash(str(error), "error")
    else:
        flash(_("The list of receipts is public."), "info")
    return redirect(url_for("surveys.detail", survey_id=survey.id))
