"""Branches: headquarters creates them; an officer sees only their own."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from campaign import db, registry
from campaign.access import current_user, get_in_scope, hq_required
from campaign.audit import services as audit
from campaign.dates import current_locale
from campaign.forms import form_status
from campaign.org import services
from campaign.org.forms import BranchForm
from campaign.org.models import Branch

bp = Blueprint("org", __name__, url_prefix="/branches")
registry.add_menu(_l("Branches"), "org.index", order=20)
registry.add_seeder("prefectures", services.init_prefectures, order=10)  # ``flask init``
registry.add_home_card(
    _l("Branches"),
    "org.index",
    order=20,
    description=_l("Branches and the officers responsible for them."),
)


@bp.get("/")
def index():
    """The branches this person may see."""
    branches = services.visible_branches(db.session(), current_user())
    return render_template("org/index.html", branches=branches)


@bp.route("/new", methods=["GET", "POST"])
@hq_required
def create():
    """Headquarters adds a branch."""
    form = BranchForm()
    locale = current_locale()
    form.prefecture_code.choices = [
        SelectChoice(p.code, p.name(locale)) for p in services.prefectures(db.session())
    ]
    if form.validate_on_submit():
        try:
            branch = services.create_branch(
                db.session(),
                code=form.code.data,
                name=form.name.data,
                prefecture_code=form.prefecture_code.data,
                contact=form.contact.data or "",
            )
        except services.BranchError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The branch %(name)s was created.", name=branch.name), "info")
            return redirect(url_for("org.detail", branch_id=branch.id))
    status = form_status(form)
    return render_template("org/create.html", form=form), status


@bp.get("/<int:branch_id>")
def detail(branch_id: int):
    """A branch and its officers; another branch's page does not exist for an officer."""
    user = current_user()
    branch = get_in_scope(db.session(), Branch, branch_id, user, branch="id")
    audit.record(
        db.session(),
        "branch.viewed",
        object_kind="branch",
        object_id=branch.id,
        branch_id=branch.id,
    )
    officers = services.officers_of(db.session(), branch)
    return render_template("org/detail.html", branch=branch, officers=officers)
