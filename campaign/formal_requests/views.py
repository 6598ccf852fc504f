"""Formal-request pages: the list, drafting (header, addressees, items), the request page.

Officers see and draft their own branch's requests only (any other answers 404); headquarters
sees all. Every view of a request, or of a list of them, is audited. The workflow pages are in
``flow_views``, the print page, PDF and Word file in ``outputs``, the overviews and settings in
``overview``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from campaign import db, registry
from campaign.access import current_user
from campaign.dates import local_today
from campaign.formal_requests import evidence, services, vocab
from campaign.formal_requests.common import audit_list, audit_read, bp, load, locale, status_of
from campaign.formal_requests.forms import ConfirmForm, HeaderForm, ItemForm, MoveForm
from campaign.formal_requests.models import FormalRequest, Item
from campaign.formal_requests.page import detail_page, item_form_for
from campaign.org.models import Branch

registry.add_menu(_l("Formal requests"), "formal.index", order=30)
registry.add_home_card(
    _l("Formal requests"),
    "formal.index",
    order=30,
    description=_l(
        "Draft requests to the ministry and authorities, print them, record the answers."
    ),
)

HQ_CHOICE = 0  # the "on behalf of" value that means headquarters itself


@bp.app_context_processor
def _helpers() -> dict:
    return {"formal_states": vocab.STATES, "formal_standings": vocab.STANDINGS}


@bp.app_template_filter("formal_sub_label")
def formal_sub_label(number: int) -> str:
    """（１）, （２）, … as the document labels sub-items."""
    from campaign.formal_requests.document import sub_label

    return sub_label(number)


# --- list -------------------------------------------------------------------------------


@bp.get("/formal/")
def index():
    """The requests this person may see, newest first, filterable by state."""
    user = current_user()
    state = request.args.get("state", "")
    stmt = services.visible_requests(user).order_by(FormalRequest.id.desc())
    if state in vocab.STATES:
        stmt = stmt.where(FormalRequest.state == state)
    requests = list(db.session().scalars(stmt.limit(500)))
    audit_list(user, "formal_request.listed", state=state if state in vocab.STATES else None)
    return render_template("formal_requests/index.html", requests=requests, state=state)


# --- drafting ---------------------------------------------------------------------------


def _header_form(user, formal: FormalRequest | None = None) -> HeaderForm:
    form = HeaderForm(obj=formal) if formal is not None else HeaderForm()
    if user.is_hq and formal is None:
        branches = db.session().scalars(
            select(Branch).order_by(Branch.prefecture_code, Branch.code)
        )
        form.branch_id.choices = [SelectChoice(HQ_CHOICE, _("Headquarters"))] + [
            SelectChoice(
                b.id,
                _(
                    "%(branch)s (%(prefecture)s)",
                    branch=b.name,
                    prefecture=b.prefecture.name(locale()),
                ),
            )
            for b in branches
        ]
    else:
        del form.branch_id
    if request.method == "GET" and formal is None:
        form.dated_on.data = local_today()
    # Always one empty row to add an addressee without JavaScript.
    if request.method == "GET" or form.more.data:
        filled = [
            e
            for e in form.addressees.entries
            if (e.form.title.data or e.form.name.data or e.form.organisation.data)
        ]
        if len(filled) == len(form.addressees.entries) and len(filled) < vocab.MAX_ADDRESSEES:
            form.addressees.append_entry()
    return form


def _header_input(form: HeaderForm) -> services.HeaderInput:
    return services.HeaderInput(
        subject=form.subject.data or "",
        preamble=form.preamble.data or "",
        document_number=form.document_number.data or "",
        dated_on=form.dated_on.data,
        era_dates=bool(form.era_dates.data),
        appendix=bool(form.appendix.data),
        addressees=[
            services.AddresseeInput(
                e.form.organisation.data or "",
                e.form.title.data or "",
                e.form.name.data or "",
                e.form.honorific.data or "殿",
            )
            for e in form.addressees.entries
        ],
    )


@bp.route("/formal/new", methods=["GET", "POST"])
def create():
    """Start a draft: headquarters for itself or a branch, an officer for their branch."""
    user = current_user()
    form = _header_form(user)
    if form.validate_on_submit() and not form.more.data:
        branch_id = None
        if "branch_id" in form and form.branch_id.data != HQ_CHOICE:
            branch_id = form.branch_id.data
        try:
            formal = services.create_request(
                db.session(), user, _header_input(form), branch_id=branch_id
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The draft was saved. Add its items below."), "info")
            return redirect(url_for("formal.detail", request_id=formal.id, _anchor="items"))
    status = status_of(form) if request.method == "POST" and not form.more.data else 200
    return render_template("formal_requests/header.html", form=form, formal=None), status


@bp.route("/formal/<int:request_id>/edit", methods=["GET", "POST"])
def edit(request_id: int):
    """Change a draft's subject, addressees, date, number, preamble and options."""
    user = current_user()
    formal = load(request_id)
    if not services.can_edit(user, formal):
        abort(403)
    form = _header_form(user, formal)
    if form.validate_on_submit() and not form.more.data:
        try:
            services.update_header(db.session(), formal, user, _header_input(form))
        except services.FormalError as error:
            db.session().rollback()
            formal = load(request_id)
            form.form_errors.append(str(error))
        else:
            flash(_("The draft was saved as revision %(number)d.", number=formal.revision), "info")
            return redirect(url_for("formal.detail", request_id=formal.id))
    status = status_of(form) if request.method == "POST" and not form.more.data else 200
    audit_read(formal)  # the form shows the request's wording: a read like the page
    return render_template("formal_requests/header.html", form=form, formal=formal), status


@bp.post("/formal/<int:request_id>/items")
def add_item(request_id: int):
    """Add an item or sub-item to a draft."""
    user = current_user()
    formal = load(request_id)
    if not services.can_edit(user, formal):
        abort(403)
    form = item_form_for(formal)
    if form.validate_on_submit():
        try:
            parent = int(form.parent_id.data) if form.parent_id.data else None
            services.add_item(
                db.session(),
                formal,
                user,
                body=form.body.data or "",
                parent_id=parent,
                case_ids=evidence.parse_case_ids(form.cases.data or ""),
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The item was added (revision %(number)d).", number=formal.revision), "info")
            return redirect(url_for("formal.detail", request_id=formal.id, _anchor="items"))
    formal = load(request_id)
    return detail_page(formal, item_form=form, status=400)


@bp.route("/formal/<int:request_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit_item(request_id: int, item_id: int):
    """Reword an item of a draft, or change the cases it cites."""
    user = current_user()
    formal = load(request_id)
    if not services.can_edit(user, formal):
        abort(403)
    item = db.session().get(Item, item_id)
    if item is None or item.request_id != formal.id:
        abort(404)
    form = ItemForm(obj=item if request.method == "GET" else None)
    del form.parent_id
    if request.method == "GET":
        form.cases.data = ", ".join(str(c) for c in evidence.visible_cited_ids(item, user))
    if form.validate_on_submit():
        try:
            services.edit_item(
                db.session(),
                formal,
                user,
                item_id,
                body=form.body.data or "",
                case_ids=evidence.parse_case_ids(form.cases.data or ""),
            )
        except services.FormalError as error:
            db.session().rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The item was saved (revision %(number)d).", number=formal.revision), "info")
            return redirect(url_for("formal.detail", request_id=formal.id, _anchor="items"))
    status = status_of(form) if request.method == "POST" else 200
    audit_read(formal)  # the item's wording and the cases it cites: a read
    return render_template(
        "formal_requests/item.html", form=form, formal=load(request_id), item=item
    ), status


@bp.post("/formal/<int:request_id>/items/<int:item_id>/move")
def move_item(request_id: int, item_id: int):
    """Move an item up or down."""
    user = current_user()
    formal = load(request_id)
    if not services.can_edit(user, formal):
        abort(403)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    try:
        services.move_item(
            db.session(), formal, user, item_id, -1 if form.direction.data == "up" else 1
        )
    except LookupError:
        abort(404)
    return redirect(url_for("formal.detail", request_id=formal.id, _anchor=f"item-{item_id}"))


@bp.post("/formal/<int:request_id>/items/<int:item_id>/delete")
def remove_item(request_id: int, item_id: int):
    """Remove an item (and its sub-items) from a draft."""
    user = current_user()
    formal = load(request_id)
    if not services.can_edit(user, formal):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_item(db.session(), formal, user, item_id)
    except LookupError:
        abort(404)
    flash(_("The item was removed; the earlier revisions keep its wording."), "info")
    return redirect(url_for("formal.detail", request_id=formal.id, _anchor="items"))


# --- the request page -------------------------------------------------------------------


@bp.get("/formal/<int:request_id>")
def detail(request_id: int):
    """A request: its document, items, evidence, answers, outcomes and follow-ups."""
    return detail_page(load(request_id))


def _citing_requests(case, user) -> list[registry.Link]:
    """On a case's page: the requests citing it that the person may open."""
    if user is None:
        return []
    return [
        registry.Link(
            _("Formal request: %(subject)s", subject=r.subject),
            url_for("formal.detail", request_id=r.id),
            vocab.STATES[r.state],
        )
        for r in evidence.requests_citing(db.session(), case.id, user)
    ]


registry.add_link_provider(registry.CASE_DETAIL_LINKS, _citing_requests)


# The workflow, the outputs and the overviews live in their own modules, on this blueprint.
from campaign.formal_requests import flow_views, outputs, overview  # noqa: E402, F401
