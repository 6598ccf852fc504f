"""The national picture (dashboard), the exports and the list of categories.

Routes of the ``cases`` blueprint (``common.bp``), registered when views.py imports this module.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import clock, db, params
from campaign.access import current_user, hq_required
from campaign.audit import services as audit
from campaign.cases import export, queries, services, stats
from campaign.cases.common import FILTER_ARGS, audit_read, bp, read_filters
from campaign.cases.forms import CategoryForm
from campaign.charts import Chart, bar_chart
from campaign.dates import current_locale
from campaign.exports import csv_response, xlsx_response
from campaign.forms import form_status
from campaign.org.services import prefectures

# --- the national picture ---------------------------------------------------------------


@bp.get("/dashboard")
def dashboard():
    """Counts by category, prefecture, issuer kind and month; officers also see their branch."""
    user = current_user()
    form, filters = read_filters(user)
    session, locale = db.session(), current_locale()
    own = None if user.is_hq else user.branch_id
    context = stats.picture(session, filters, locale, prefectures(session), own)
    audit_read(user, "cases.dashboard_viewed")
    minimum = current_app.config.get("CASES_DASHBOARD_MIN", stats.MIN_CASES)
    # An officer who narrows the national figures down to a handful of cases could read another
    # branch's case off them (its categories, its issuer): below the minimum nothing national
    # is shown. Headquarters sees every case anyway.
    withheld = own is not None and filters != queries.Filters() and context["total"] < minimum
    own_counts = context["own"] or {}
    charts = {
        name: _chart(context[f"by_{name}"], own_counts.get(name))
        for name in ("category", "issuer", "month")
    }
    return render_template(
        "cases/dashboard.html",
        form=form,
        charts=charts,
        withheld=withheld,
        minimum=minimum,
        filter_args=params.known_args(request.args, FILTER_ARGS),
        **context,
    ), (400 if form.month_from.errors or form.month_to.errors else 200)


def _chart(rows: list[stats.Row], own: dict | None) -> Chart:
    """One count per row (and, for an officer, their branch's beside it in the table)."""
    headings = [_("Item"), _("National")] + ([_("Your branch")] if own is not None else [])
    return bar_chart(
        [(row.label, row.count) for row in rows],
        keys=[row.key for row in rows],
        cells=[[own.get(row.key, 0)] for row in rows] if own is not None else None,
        headings=headings,
    )


@bp.get("/export.<fmt>")
def export_cases(fmt: str):
    """The non-personal fields of the cases one may see, as CSV or XLSX (audited)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    user = current_user()
    _form, filters = read_filters(user)
    session = db.session()
    data = export.rows(session, user, filters, current_locale())
    filename = f"cases-{clock.now().strftime('%Y%m%d')}.{fmt}"
    if fmt == "csv":
        response = csv_response(filename, export.header(), data)
    else:
        response = xlsx_response(filename, _("Cases"), export.header(), data)
    audit.record(
        session,
        "cases.exported",
        object_kind="case",
        branch_id=None if user.is_hq else user.branch_id,
        reason=fmt,
    )
    return response


# --- categories -------------------------------------------------------------------------


@bp.route("/categories", methods=["GET", "POST"])
@hq_required
def categories():
    """Headquarters sees and extends the list of categories."""
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.add_category(
                db.session(), name_ja=form.name_ja.data, name_en=form.name_en.data
            )
        except services.CaseError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The category was added."), "info")
            return redirect(url_for("cases.categories"))
    status = form_status(form)
    return (
        render_template(
            "cases/categories.html", form=form, categories=services.categories(db.session())
        ),
        status,
    )
