"""Overviews: overdue requests, the national picture of open demands (each view audited, as
the list's is), the sender settings, and the public page of what the ministry confirmed
(generated from the recorded answers)."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign import db, registry
from campaign.access import current_user, public
from campaign.dates import local_today
from campaign.formal_requests import services, vocab, workflow
from campaign.formal_requests.common import audit_list, bp, status_of
from campaign.formal_requests.forms import SettingsForm

registry.add_menu(
    _l("What the ministry confirmed"), "formal.confirmed", order=62, audience="public", section=None
)


@bp.get("/formal/overdue")
def overdue():
    """Sent and still unanswered after headquarters' number of days."""
    user = current_user()
    days = services.hq_settings(db.session()).overdue_days
    waiting = workflow.overdue(db.session(), user, days, local_today())
    audit_list(user, "formal_request.overdue_viewed", days=str(days))
    return render_template("formal_requests/overdue.html", waiting=waiting, days=days)


@bp.get("/formal/open")
def open_demands():
    """Every demand not settled yet, across follow-ups, longest open first."""
    user = current_user()
    demands = workflow.open_demands(db.session(), user, local_today())
    audit_list(user, "formal_request.open_viewed")
    return render_template("formal_requests/open.html", demands=demands)


@bp.route("/formal/settings", methods=["GET", "POST"])
def settings():
    """The sender printed on documents: headquarters' (and thresholds) or one's branch's."""
    user = current_user()
    branch_id = None if user.is_hq else user.branch_id
    row = services.settings_for(db.session(), branch_id)
    form = SettingsForm(obj=row)
    if not user.is_hq:
        del form.overdue_days
        del form.evidence_minimum
    if form.validate_on_submit():
        try:
            services.save_settings(
                db.session(),
                user,
                branch_id,
                organisation=form.organisation.data or "",
                representative=form.representative.data or "",
                overdue_days=form.overdue_days.data if "overdue_days" in form else None,
                evidence_minimum=form.evidence_minimum.data if "evidence_minimum" in form else None,
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The settings were saved. New drafts use them."), "info")
            return redirect(url_for("formal.settings"))
    status = status_of(form) if request.method == "POST" else 200
    return render_template("formal_requests/settings.html", form=form), status


@bp.get("/info/confirmed")
@public
def confirmed():
    """What the ministry confirmed: from the recorded answers, in the page's language."""
    requests = workflow.published(db.session())  # query arguments (?fbclid=…) change nothing
    response = make_response(
        render_template(
            "formal_requests/confirmed.html", requests=requests, publishable=vocab.PUBLISHABLE
        )
    )
    if g.get("user") is not None:
        return response  # a staff member's page carries their menu: never stored
    # The information pages' caching rule: public for five minutes, revalidated by ETag.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.update(("Accept-Language", "Cookie"))
    response.add_etag()
    return response.make_conditional(request)
