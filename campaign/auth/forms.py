"""Forms for logging in and for taking up an invitation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from campaign.auth.credentials import PASSWORD_MAX, PASSWORD_MIN


class LoginForm(FlaskForm):
    """Email, password and the second factor, all on one page."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    code = StringField(
        _l("Authenticator code or recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text"},
    )


def _new_password() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )


def _new_password_again() -> PasswordField:
    return PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


def _authenticator_code() -> StringField:
    """The authenticator's current code (a recovery code does not do here)."""
    return StringField(
        _l("Code shown by the authenticator app"),
        validators=[DataRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class SetupForm(FlaskForm):
    """Choosing a password and confirming the authenticator app with its first code."""

    password = _new_password()
    confirm = _new_password_again()
    code = _authenticator_code()


class _CurrentPassword(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class RecoveryCodesForm(_CurrentPassword):
    """New recovery codes, confirmed with the current password and the authenticator."""

    code = _authenticator_code()


class ChangePasswordForm(_CurrentPassword):
    """The current password, and the new one twice."""

    password = _new_password()
    confirm = _new_password_again()
