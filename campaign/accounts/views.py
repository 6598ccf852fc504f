"""Staff accounts, for administrators and headquarters."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign import db, registry, urls
from campaign.access import current_user, hq_required
from campaign.accounts import services
from campaign.accounts.forms import ROLE_LABELS, EditForm, InviteForm, ResetForm
from campaign.auth.models import User
from campaign.forms import form_status
from campaign.org.services import branch_list

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
registry.add_menu(_l("Staff accounts"), "accounts.index", order=80, audience="hq")
registry.add_home_card(
    _l("Staff accounts"),
    "accounts.index",
    order=80,
    roles=registry.HQ,
    description=_l(
        "Invite officers and headquarters staff, change roles, reset a lost second factor."
    ),
)
registry.add_template_global("role_label", ROLE_LABELS.get)
registry.add_template_global("can_manage", services.can_manage)


def _branches():
    return branch_list(db.session())


def _link(token: str) -> str:
    return urls.external_url("auth.setup", token=token, trusted=True)


@bp.get("/")
@hq_required
def index():
    """Every staff account, with its role, branch and state."""
    users = services.listing(db.session())
    return render_template(
        "accounts/index.html", users=users, role_labels=ROLE_LABELS, me=current_user()
    )


@bp.route("/new", methods=["GET", "POST"])
@hq_required
def invite():
    """Create an account and show its setup link once."""
    form = InviteForm()
    form.set_branches(_branches())
    if form.validate_on_submit():
        try:
            user, token = services.invite(
                db.session(),
                current_user(),
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                branch_id=form.branch_id.data,
                lifetime=current_app.config["INVITATION_LIFETIME"],
            )
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            return render_template("accounts/invitation.html", user=user, link=_link(token))
    status = form_status(form)
    return render_template("accounts/invite.html", form=form), status


def _managed_user(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None or not services.can_manage(current_user(), user):
        abort(404)
    return user


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@hq_required
def edit(user_id: int):
    """Change a person's role, branch or status."""
    user = _managed_user(user_id)
    form = EditForm(obj=user)
    form.set_branches(_branches())
    if form.validate_on_submit():
        try:
            services.update(
                db.session(),
                current_user(),
                user,
                role=form.role.data,
                branch_id=form.branch_id.data,
                active=form.active.data,
                reason=form.reason.data,
            )
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The account of %(name)s was updated.", name=user.display_name), "info")
            return redirect(url_for("accounts.index"))
    status = form_status(form)
    return render_template(
        "accounts/edit.html", form=form, user=user, reset_form=ResetForm()
    ), status


@bp.post("/<int:user_id>/reset")
@hq_required
def reset(user_id: int):
    """Clear the password and authenticator and issue a new setup link."""
    user = _managed_user(user_id)
    form = ResetForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the reset."), "error")
        return redirect(url_for("accounts.edit", user_id=user.id))
    try:
        token = services.reset_credentials(
            db.session(),
            current_user(),
            user,
            form.reason.data,
            current_app.config["INVITATION_LIFETIME"],
        )
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.edit", user_id=user.id))
    return render_template("accounts/invitation.html", user=user, link=_link(token))
