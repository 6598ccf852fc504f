"""Login, logout and account setup from an invitation link."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from segno import make_qr

from campaign import db, logsafe, registry
from campaign.access import current_user, is_cookieless_endpoint, public
from campaign.auth import credentials, denials, passwords, services, throttle
from campaign.auth.forms import ChangePasswordForm, LoginForm, RecoveryCodesForm, SetupForm
from campaign.extensions import limiter
from campaign.redirects import safe_next

bp = Blueprint("auth", __name__)
bp.after_app_request(denials.record_refusal)  # runs before the request's commit


def load_user() -> None:
    """Resume the staff session named by the cookie, if any (run before every request).

    Static files and ``@cookieless`` pages neither read nor clear the session cookie.
    """
    if request.endpoint == "static" or is_cookieless_endpoint(request.endpoint):
        return
    token = session.get("sid")
    if token is None:
        return
    config = current_app.config
    timeouts = services.Timeouts(config["IDLE_TIMEOUT"], config["ABSOLUTE_TIMEOUT"])
    read_only = db.read_only_request()  # a public page: nothing may be written (campaign/db.py)
    g.user = services.resume_session(db.session(), token, timeouts, read_only=read_only)
    if g.user is None and not read_only:  # the cookie stays for the staff page that removes it
        session.clear()
        g.session_expired = True


registry.set_user_loader(load_user)
registry.add_template_global(
    "password_hint",
    _l(
        "12 to 128 characters, not one of the common passwords, without your name or email "
        "address. A sentence you will remember works well."
    ),
)
registry.add_home_card(
    _l("Your account"),
    "auth.account",
    order=95,
    description=_l("Your role, your password and your recovery codes."),
)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Password and second factor; one message for every kind of failure."""
    if g.user is not None:
        return redirect(url_for("main.home"))
    form = LoginForm()
    # Counted before anything is checked: guesses sent at the same moment cannot all pass.
    attempt = throttle.password_guess(form.email.data or "") if request.method == "POST" else None
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session(), form.email.data, form.password.data, form.code.data
            )
        except services.LoginFailed:
            pass
        else:
            attempt.succeeded()
            target = safe_next(request.args.get("next"), url_for("main.home"))
            session.clear()  # a new session, and a new CSRF token, at every login
            session["sid"] = services.open_session(db.session(), user)
            return redirect(target)
    status = 200
    if request.method == "POST":
        status = 401
        flash(_("The login details were not accepted. Check them and try again."), "error")
    expired = g.get("session_expired") or request.args.get("expired")
    return render_template("auth/login.html", form=form, expired=expired), status


@bp.post("/logout")
def logout():
    """End the session on the server, then forget the cookie."""
    services.close_session(db.session(), session.get("sid", ""))
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


logsafe.secret_segment_after("/setup/")  # the token is the account's key for 72 hours


@bp.route("/setup/<token>", methods=["GET", "POST"])
@public
@db.writes_on_get  # the authenticator secret shown is stored on the first view
@limiter.limit("30 per 15 minutes", methods=["POST"])
def setup(token: str):
    """Take up an invitation: choose a password, enrol the authenticator, get recovery codes."""
    try:
        user = services.invited_user(db.session(), token)
    except services.InvitationInvalid:
        return render_template("auth/setup_invalid.html"), 404
    secret = services.pending_secret(user)
    form = SetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            with db.attempt():
                codes = services.complete_setup(
                    db.session(), user, form.password.data, form.code.data
                )
        except passwords.PasswordRejected as rejected:
            form.password.errors.extend(str(m) for m in rejected.messages)
        except services.SetupRejected:
            form.code.errors.append(_("The code did not match. Check the app's clock and retry."))
        else:
            return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
    if request.method == "POST":
        status = 400
    uri = credentials.provisioning_uri(secret, user.email)
    qr_svg = make_qr(uri, error="m").svg_inline(scale=4, title=_("QR code for the authenticator"))
    return render_template(
        "auth/setup.html", form=form, user=user, secret=secret, uri=uri, qr_svg=qr_svg
    ), status


WRONG_PASSWORD = _l("The current password is not right.")
WRONG_CODE = _l(
    "The authenticator code is not right, or was already used. Enter the code the app shows now."
)


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Your own account: role, branch, recovery codes left; issue new recovery codes (with
    the current password: an unattended session must not be enough to take them)."""
    user = current_user()
    form = RecoveryCodesForm()
    status = 200
    if form.validate_on_submit():
        attempt = throttle.password_guess(user.email)  # before the check, as at login
        try:
            codes = services.renew_recovery_codes(
                db.session(), user, form.current_password.data, form.code.data
            )
        except services.WrongPassword:
            form.current_password.errors.append(str(WRONG_PASSWORD))
        except services.WrongCode:
            form.code.errors.append(str(WRONG_CODE))
        else:
            attempt.succeeded()
            return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
    if request.method == "POST":
        status = 400
    left = services.recovery_codes_left(db.session(), user)
    return render_template("auth/account.html", user=user, form=form, codes_left=left), status


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Choose a new password: the current one, the new one twice. Every other session of the
    person ends, and this one gets a new id."""
    user = current_user()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        attempt = throttle.password_guess(user.email)  # before the check, as at login
        try:
            with db.attempt():
                token = services.change_password(
                    db.session(), user, form.current_password.data, form.password.data
                )
        except services.WrongPassword:
            form.current_password.errors.append(str(WRONG_PASSWORD))
        except passwords.PasswordRejected as rejected:
            attempt.succeeded()  # the current password was right
            form.password.errors.extend(str(m) for m in rejected.messages)
        else:
            attempt.succeeded()
            session.clear()  # a new session id, and a new CSRF token
            session["sid"] = token
            flash(_("Your password was changed. You were logged out everywhere else."), "info")
            return redirect(url_for("auth.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
