"""The national picture (dashboard), the exports and the list of categories.

Routes of the ``cases`` blueprint (``common.bp``), registered when views.py imports this module.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import clock, db, params, registry
from campaign.access import current_user, hq_required
from campaign.audit import services as audit
from campaign.cases import export, national, services, stats
from campaign.cases.common import FILTER_ARGS, audit_read, bp, read_filters, reference
from campaign.cases.forms import CategoryForm
from campaign.charts import Chart, bar_chart, number_format
from campaign.dates import current_locale, local_today
from campaign.exports import csv_response, xlsx_response
from campaign.forms import form_status

# --- the national picture ---------------------------------------------------------------

registry.add_template_global("tile_marks", stats.tile_marks)  # templates/cases/_tiles.html
registry.add_template_global("tile_rows", stats.tile_rows)


@bp.get("/dashboard")
def dashboard():
    """Headquarters: counts of every case by category, prefecture, issuer kind and month, with
    any filter. Officers: other branches' figures by completed quarter beside their own branch's
    (``national``)."""
    user = current_user()
    if not user.is_hq:
        return _officer_dashboard(user)
    form, filters, ref = read_filters(user)
    session, locale = db.session(), current_locale()
    context = stats.picture(session, filters, locale, ref.places, ref.categories)
    audit_read(user, "cases.dashboard_viewed", filters=filters)
    charts = {name: _chart(context[f"by_{name}"]) for name in ("category", "issuer", "month")}
    return render_template(
        "cases/dashboard.html",
        form=form,
        charts=charts,
        prefecture_rows=[(r.key, r.label, r.count) for r in context["by_prefecture"]],
        filter_args=params.known_args(request.args, FILTER_ARGS),
        **context,
    ), (400 if form.month_from.errors or form.month_to.errors else 200)


def _chart(rows: list[stats.Row]) -> Chart:
    return bar_chart(
        [(row.label, row.count) for row in rows],
        keys=[row.key for row in rows],
        headings=[_("Item"), _("National")],
    )


def _officer_dashboard(user):
    session, locale = db.session(), current_locale()
    k = current_app.config.get("CASES_DASHBOARD_MIN", stats.MIN_CASES)
    now = clock.now()
    given = request.args.get("quarter", "")
    quarter = national.Quarter.parse(given) if given else None
    running = national.Quarter.of(now)

    def figures(chosen):
        def compute():
            ref = reference(session, locale)
            return national.picture(
                session,
                user.branch_id,
                chosen,
                locale=locale,
                prefectures=ref.places,
                categories=ref.categories,
                now=now,
                k=k,
            )

        key = ("branch", user.branch_id, chosen, running, locale, k)
        return stats.cached(session, key, compute)

    status = 200
    try:
        if given and quarter is None:
            raise LookupError(given)
        context = figures(quarter)
    except LookupError:
        flash(
            _("There are no figures for that quarter: choose one of the quarters listed."), "error"
        )
        status, context = 400, figures(None)
    audit_read(
        user,
        "cases.dashboard_viewed",
        # The first view after a quarter ended freezes its figures: that commit waits for the
        # disk; the others write the entry only.
        flush_later=not session.info.pop(national.FROZE, False),
        quarter=context["quarter"].key if context["quarter"] else None,
    )
    tables = context["tables"] or {}
    charts = {
        name: _officer_chart(tables[name]) for name in ("category", "issuer") if name in tables
    }
    charts["quarter"] = _officer_chart(context["by_quarter"])
    tiles = legend = None
    if "prefecture" in tables:
        rows = [stats.Row(key, label, n) for key, label, n, _own in tables["prefecture"].rows]
        tiles, legend = stats.tiles(rows), stats.legend(rows)
    return render_template(
        "cases/dashboard_officer.html",
        charts=charts,
        tiles=tiles,
        legend=legend,
        **context,
    ), status


def _officer_chart(table: national.Table) -> Chart:
    """The other branches' figure (or 「非表示」) and the branch's own beside it."""
    withheld, number = national.withheld_text(), number_format()
    return bar_chart(
        [(label, shown) for _key, label, shown, _own in table.rows],
        keys=[key for key, *_rest in table.rows],
        texts=[withheld if shown is None else number(shown) for _k, _l, shown, _o in table.rows],
        cells=[[own] for *_rest, own in table.rows],
        headings=[_("Item"), _("Other branches"), _("Your branch")],
    )


@bp.get("/export.<fmt>")
def export_cases(fmt: str):
    """The non-personal fields of the cases one may see, as CSV or XLSX (audited)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    user = current_user()
    _form, filters, _ref = read_filters(user)
    session = db.session()
    data = export.rows(session, user, filters, current_locale())
    filename = f"cases-{local_today():%Y%m%d}.{fmt}"
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
