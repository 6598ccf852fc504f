"""Public information pages (Q&A, rights, pressure at work, figures) and headquarters' editor."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign import db, registry
from campaign.access import current_user, hq_required, is_public_endpoint, public
from campaign.dates import current_locale
from campaign.exports import csv_response
from campaign.org import services as org
from campaign.pages import figures, markup, services
from campaign.pages.forms import ActionForm, NewPageForm, PageForm
from campaign.params import parse_int

bp = Blueprint("pages", __name__, url_prefix="/info")

SLUGS = {"qa": "qa", "rights": "rights", "pressed": "pressed", "figures": "figures"}


for _label, _endpoint, _order, _audience in (
    (_l("Q&A"), "pages.qa", 30, "public"),
    (_l("Your rights"), "pages.rights", 40, "public"),
    (_l("When pressed at work"), "pages.pressed", 50, "public"),
    (_l("Figures"), "pages.figures", 60, "public"),
    (_l("Edit pages"), "pages.admin", 70, "hq"),
):
    # Five entries share this blueprint: each is current on its own page only.
    registry.add_menu(_label, _endpoint, order=_order, audience=_audience, section=None)


def page_name(page) -> str:
    """A page as headquarters knows it: its title in the reader's language (not its address)."""
    latest = services.latest(db.session(), page)
    return latest.title(current_locale()) if latest is not None else page.slug


def revision_note(note: str) -> str:
    """A revision's note in the reader's language when the platform wrote it; a person's own
    note as they wrote it."""
    restored = re.fullmatch(r"Restored r(\d+)", note or "")
    if restored:
        return _("Restored from revision %(number)d", number=int(restored.group(1)))
    known = {
        services.SHIPPED_NOTE: _l("Shipped content"),
        services.ADOPTED_NOTE: _l("Adopted the shipped content"),
        "Created": _l("Created"),
    }
    return str(known.get(note, note))


registry.add_template_global("page_name", page_name)
registry.add_template_global("revision_note", revision_note)


registry.add_home_card(
    _l("Information pages"),
    "pages.index",
    order=30,
    description=_l("Q&A, rights and figures for members, as the public sees them."),
)

# Where a case report form may live once that feature exists; the first one found is linked.
CASE_REPORT_ENDPOINTS = ("cases.report", "cases.new", "cases.create")
PUBLIC_MAX_AGE = 300


registry.add_seeder("pages", services.load_message, order=50)  # ``flask init``


def _cacheable(body):
    """A public response the browser and proxies may keep for a while and revalidate.

    The ETag is a hash of the body, so it changes with the content, the language and the
    branches' contact details alike. A logged-in staff member's page carries their menu and a
    CSRF token: it is never stored (no-store, as for every private page).
    """
    response = make_response(body)
    if g.get("user") is not None:
        return response  # campaign/security.py marks it no-store
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.vary.update(("Accept-Language", "Cookie"))
    response.add_etag()
    return response.make_conditional(request)


def _show(slug: str, template: str = "pages/page.html", **extra):
    found = services.published(db.session(), slug)
    if found is None:
        abort(404)
    page, rev = found
    locale = current_locale()
    html = render_template(
        template,
        page=page,
        rev=rev,
        rendered=markup.render(rev.body(locale)),
        locale=locale,
        **extra,
    )
    return _cacheable(html)


@bp.get("/qa")
@public
def qa():
    """よくある質問: the questions workers ask, answered."""
    return _show(SLUGS["qa"])


@bp.get("/rights")
@public
def rights():
    """あなたの権利: the key points with their sources."""
    return _show(SLUGS["rights"])


@bp.get("/rights/flyer")
@public
def flyer():
    """The rights summary laid out as a one-page A4 flyer."""
    return _show(SLUGS["rights"], "pages/flyer.html")


@bp.get("/pressed")
@public
def pressed():
    """職場で求められたら: each kind of pressure, a reply, and whom to tell."""
    branches = org.branch_list(db.session(), with_contact=True)
    # Link a case report form only where this visitor can use it: a public one for everyone,
    # the staff form for a logged-in staff member (never a login wall for the public).
    report = next(
        (
            e
            for e in CASE_REPORT_ENDPOINTS
            if e in current_app.view_functions
            and (is_public_endpoint(e) or g.get("user") is not None)
        ),
        None,
    )
    return _show(SLUGS["pressed"], "pages/pressed.html", branches=list(branches), report=report)


@bp.get("/figures", endpoint="figures")
@public
def figures_page():
    """データ: card issuance on 15 May 2017, sortable, as a chart and a table."""
    table = figures.load()
    locale = current_locale()
    names = _prefecture_names(locale)
    sort = request.args.get("sort", "code")
    sort = sort if sort in figures.SORT_KEYS else "code"
    descending = request.args.get("dir") == "desc"
    rows = figures.sort_rows(table.prefectures, sort, descending, names)
    kind_names = {k: str(v) for k, v in figures.KIND_LABELS.items()}
    return _show(
        SLUGS["figures"],
        "pages/figures.html",
        table=table,
        rows=rows,
        names=names,
        kind_names=kind_names,
        sort=sort,
        descending=descending,
        chart=figures.chart(rows, names, table.national),
        kinds_chart=figures.chart(table.kinds, kind_names, table.national),
        source=figures.source(),
    )


def _prefecture_names(locale: str) -> dict[str, str]:
    return {p.code: p.name(locale) for p in org.prefectures(db.session())}


@bp.get("/search")
@public
def search():
    """Search the published pages (Japanese words inside sentences too)."""
    query = request.args.get("q", "").strip()[: services.MAX_QUERY]
    hits = services.search(db.session(), query, current_locale()) if query else []
    return _cacheable(
        render_template("pages/search.html", query=query, hits=hits, shipped_slugs=SLUGS)
    )


@bp.get("/p/<page_slug>")
@public
def show(page_slug: str):
    """Any other published page headquarters keeps, by its address."""
    if page_slug in SLUGS.values():
        return redirect(url_for(f"pages.{page_slug}"))
    return _show(page_slug)


# --- headquarters ----------------------------------------------------------------------------


@bp.get("/admin/")
@hq_required
def admin():
    """Every page with its state, for headquarters."""
    session = db.session()
    offers = {offer.page.slug for offer in services.shipped_offers(session)}
    return render_template("pages/admin.html", pages=services.all_pages(session), offers=offers)


def _page_or_404(slug: str):
    page = services.page_by_slug(db.session(), slug)
    if page is None:
        abort(404)
    return page


@bp.get("/")
@public
def index():
    """Every published page, with its description."""
    found = [services.published(db.session(), p.slug) for p in services.all_pages(db.session())]
    entries = [f for f in found if f is not None]
    return _cacheable(render_template("pages/index.html", entries=entries))


def _preview(form: PageForm) -> dict:
    """The page as the form would publish it, without saving anything (works without JS)."""
    return {
        lang: {
            "title": getattr(form, f"title_{lang}").data or "",
            "description": getattr(form, f"description_{lang}").data or "",
            "body": markup.render(getattr(form, f"body_{lang}").data or "", f"{lang}-s").html,
        }
        for lang in ("ja", "en")
    }


@bp.route("/admin/new", methods=["GET", "POST"])
@hq_required
def new():
    """Headquarters adds a page; it starts as a draft."""
    form = NewPageForm()
    if form.preview.data:
        return render_template("pages/new.html", form=form, preview=_preview(form))
    if form.validate_on_submit():
        content = {name: getattr(form, name).data for name in services.FIELDS}
        try:
            page = services.create_page(
                db.session(), form.slug.data, content, author_id=current_user().id
            )
        except services.PageError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The page is saved as a draft. Publish it when it is ready."), "info")
            return redirect(url_for("pages.history", page_slug=page.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("pages/new.html", form=form), status


@bp.route("/admin/<page_slug>", methods=["GET", "POST"])
@hq_required
def edit(page_slug: str):
    """Edit a page's two language versions; save a draft or publish."""
    session = db.session()
    page = _page_or_404(page_slug)
    current = services.latest(session, page)
    form = PageForm(obj=current) if request.method == "GET" else PageForm()
    if request.method == "GET":
        form.base_number.data = page.latest_number
        form.note.data = ""
    if form.preview.data:
        return render_template(
            "pages/edit.html", page=page, form=form, action=ActionForm(), preview=_preview(form)
        )
    if form.validate_on_submit():
        content = {name: getattr(form, name).data for name in services.FIELDS}
        try:
            rev = services.save(
                session,
                page,
                content,
                base_number=form.base_number.data,
                author_id=current_user().id,
                note=form.note.data or "",
                publish=bool(form.save_publish.data),
            )
        except services.PageError as error:
            form.form_errors.append(str(error))
        else:
            if page.published_number == rev.number:
                flash(_("Revision %(number)d is saved and published.", number=rev.number), "info")
            else:
                flash(_("Revision %(number)d is saved as a draft.", number=rev.number), "info")
            return redirect(url_for("pages.history", page_slug=page.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("pages/edit.html", page=page, form=form, action=ActionForm()), status


@bp.post("/admin/<page_slug>/publish")
@hq_required
def publish(page_slug: str):
    """Publish the newest revision."""
    page = _page_or_404(page_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        rev = services.publish_latest(db.session(), page)
    except services.PageError as error:
        flash(str(error), "error")
    else:
        flash(_("Revision %(number)d is now public.", number=rev.number), "info")
    return redirect(url_for("pages.history", page_slug=page.slug))


@bp.post("/admin/<page_slug>/unpublish")
@hq_required
def unpublish(page_slug: str):
    """Take a page off the public site."""
    page = _page_or_404(page_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.unpublish(db.session(), page)
    flash(_("The page is no longer public."), "info")
    return redirect(url_for("pages.history", page_slug=page.slug))


@bp.get("/admin/<page_slug>/revisions")
@hq_required
def history(page_slug: str):
    """A page's revisions, newest first."""
    session = db.session()
    page = _page_or_404(page_slug)
    return render_template(
        "pages/history.html",
        page=page,
        revisions=services.revisions(session, page),
        action=ActionForm(),
    )


@bp.get("/admin/<page_slug>/revisions/<int:revision_number>")
@hq_required
def revision(page_slug: str, revision_number: int):
    """One revision: its rendered text and what changed since the one before."""
    session = db.session()
    page = _page_or_404(page_slug)
    rev = services.revision(session, page, revision_number)
    if rev is None:
        abort(404)
    previous = services.revision(session, page, revision_number - 1)
    locale = current_locale()
    return render_template(
        "pages/revision.html",
        page=page,
        rev=rev,
        changes=services.diff(previous, rev),
        rendered_ja=markup.render(rev.body_ja, "ja-s"),
        rendered_en=markup.render(rev.body_en, "en-s"),
        locale=locale,
        action=ActionForm(),
    )


@bp.post("/admin/<page_slug>/revisions/<int:revision_number>/restore")
@hq_required
def restore(page_slug: str, revision_number: int):
    """Bring back an old revision as a new one (one click)."""
    page = _page_or_404(page_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        rev = services.restore(db.session(), page, revision_number, author_id=current_user().id)
    except services.PageError:
        abort(404)
    flash(
        _("Revision %(old)d is restored as revision %(new)d.", old=revision_number, new=rev.number),
        "info",
    )
    return redirect(url_for("pages.history", page_slug=page.slug))


@bp.get("/admin/<page_slug>/shipped")
@hq_required
def shipped(page_slug: str):
    """A newer shipped version of an edited page: what the release changed, what adopting does."""
    session = db.session()
    page = _page_or_404(page_slug)
    offer = services.shipped_offer(session, page)
    if offer is None:
        abort(404)
    return render_template(
        "pages/shipped.html",
        page=page,
        offer=offer,
        release_changes=services.diff_content(
            services.content_of(offer.base) if offer.base else {}, offer.shipped
        ),
        adopt_changes=services.diff_content(services.content_of(offer.current), offer.shipped),
        rendered_ja=markup.render(offer.shipped["body_ja"], "ja-s"),
        rendered_en=markup.render(offer.shipped["body_en"], "en-s"),
        action=ActionForm(),
    )


@bp.post("/admin/<page_slug>/shipped/adopt")
@hq_required
def adopt_shipped(page_slug: str):
    """Headquarters adopts the newer shipped version as a new revision of its page."""
    page = _page_or_404(page_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    base_number = parse_int(request.form.get("base_number"))
    if base_number is None:
        abort(400)
    try:
        rev = services.adopt_shipped(
            db.session(), page, base_number=base_number, author_id=current_user().id
        )
    except services.PageError as error:
        flash(str(error), "error")
        return redirect(url_for("pages.history", page_slug=page.slug))
    flash(_("The shipped version is adopted as revision %(number)d.", number=rev.number), "info")
    return redirect(url_for("pages.history", page_slug=page.slug))


@bp.get("/figures/card-issuance-2017-05-15.csv")
@public
def figures_csv():
    """The shipped counts as a file, so that anyone can check the page's arithmetic."""
    header, rows = figures.csv_rows()
    # Through the platform's writer: UTF-8 with a BOM and CRLF, so that Excel in Japan opens it.
    return _cacheable(csv_response(figures.CSV_FILE.name, header, rows))
