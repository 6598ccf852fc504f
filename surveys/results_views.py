"""Surveys, staff side: the results, every reading through the gate (surveys/gate.py).

The page, the CSV and XLSX exports and the key file: headquarters gives the passphrase, the key
file or the custodians' shares; the key lives only in the request. The charts are the platform's
(campaign/charts.py, templates/_chart.html); the export writer too (campaign/exports.py).

A survey of more than ``SURVEYS_COUNT_INLINE`` answers (default 5,000, about a quarter of a
second in one process) is counted on every core, as ``surveys tally`` counts, and its page is
streamed: the top of the page and a progress bar at once, a new progress line as the count
goes on, then the results. The count runs inside the request that was given the key, in worker
processes forked from it (surveys/counting.py), so the key is never written anywhere and no
other web worker needs to find the job; if the browser leaves, the server closes the stream,
which ends the workers and drops the key. Nothing of the results is kept either.
"""

from __future__ import annotations

import time

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    url_for,
)
from flask_babel import gettext as _

from campaign import charts, db
from campaign.access import hq_required
from campaign.forms import form_status
from surveys import counting, exporting, gate, results, sealing, services, storage
from surveys.common import back, bp, load, locale
from surveys.forms import ConfirmForm, UnlockForm
from surveys.models import State


@bp.app_template_filter("survey_chart")
def _survey_chart(block) -> charts.Chart:
    """One shown figure as the platform's bar chart: count and percentage on each bar; a cell
    left out (results.py) has no bar and the mark "not shown" instead."""
    return charts.bar_chart(
        [(row.label, row.count) for row in block.rows],
        headings=(_("Answer"), _("Count (share)")),
        texts=[
            results.hidden_mark()
            if row.hidden
            else _("%(count)s (%(percent)s%%)", count=row.count, percent=row.percent)
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
        session = db.session()
        total = storage.filled_count(session, survey.id)
        large = total > current_app.config.get("SURVEYS_COUNT_INLINE", INLINE_ANSWERS)
        try:
            job = gate.open_count(
                session,
                survey,
                purpose=purpose,
                workers=counting.processes() if large else 1,
                **_key_material(form),
            )
        except services.SurveyError as error:
            form.form_errors.append(str(error))
        else:
            if fmt == "html" and large:
                return _streamed(session, survey, job, total)
            for _done in job:
                pass
            report = results.report(survey, job.tally, locale())
            if fmt in ("csv", "xlsx"):
                return exporting.report_response(survey, report, fmt)
            return render_template("surveys/results.html", survey=survey, report=report)
    return render_template("surveys/unlock.html", survey=survey, form=form), form_status(form)


INLINE_ANSWERS = 5000
PROGRESS_SECONDS = 0.5  # at most one progress line this often (and the first and last)


class Counting:
    """The count as the streamed page shows it: iterating runs the job and yields how many
    answers are counted so far (0 first, then at most every PROGRESS_SECONDS); then ``report``
    holds what may be shown, or stays None if the count failed."""

    def __init__(self, session, survey, job: counting.Job, total: int, page_locale: str) -> None:
        self.session, self.survey, self.job = session, survey, job
        self.total, self.locale = total, page_locale
        self.cores = job.workers
        self.counted = 0
        self.seconds = "0"
        self.report: results.Report | None = None

    def percent(self, done: int) -> int:
        """How far the count is, in whole percent."""
        return min(100, 100 * done // self.total) if self.total else 100

    def __iter__(self):
        start = last = time.monotonic()
        yield 0
        try:
            for done in self.job:
                self.counted += done
                now = time.monotonic()
                if now - last >= PROGRESS_SECONDS and self.counted < self.total:
                    last = now
                    yield self.counted
            self.report = results.report(self.survey, self.job.tally, self.locale)
            self.seconds = f"{time.monotonic() - start:.1f}"
        except Exception:  # the page is half sent: say so on it (the log has no key or answer)
            current_app.logger.exception("counting survey %s stopped", self.survey.id)
        finally:
            # The request's session (its commit is long done) read the answers after the
            # request ended: end that reading transaction now, not when the session is freed.
            self.session.close()


def _streamed(session, survey, job: counting.Job, total: int) -> Response:
    """The results page sent while it is counted (templates/surveys/results_counting.html)."""
    page = Counting(session, survey, job, total, locale())
    response = Response(
        stream_template("surveys/results_counting.html", survey=survey, counting=page)
    )
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold it back
    return response


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
