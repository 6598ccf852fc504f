"""Forms for inviting and changing staff accounts."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from campaign.auth.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.HQ: _l("Headquarters"),
    Role.OFFICER: _l("Branch officer"),
}


def _coerce_branch(value):
    return int(value) if value not in (None, "", "None") else None


class _RoleFields(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        coerce=Role,
        validators=[DataRequired()],
    )
    branch_id = SelectField(
        _l("Branch (officers only)"), coerce=_coerce_branch, validators=[Optional()]
    )

    def set_branches(self, branches) -> None:
        """Offer the existing branches, and "none" for headquarters roles."""
        self.branch_id.choices = [SelectChoice("", _l("None (headquarters)"))] + [
            SelectChoice(
                b.id,
                gettext(
                    "%(branch)s (%(prefecture)s)", branch=b.name, prefecture=b.prefecture.name_ja
                ),
            )
            for b in branches
        ]


class InviteForm(_RoleFields):
    """Who is being invited, and in which role."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


class EditForm(_RoleFields):
    """A change of role, branch or status, with the reason for the audit log."""

    active = BooleanField(_l("Account active"))
    reason = StringField(_l("Reason for the change"), validators=[DataRequired(), Length(max=500)])


class ResetForm(FlaskForm):
    """Clearing a person's password and authenticator (lost phone and codes).

    It shares the account's page with ``EditForm``: its own prefix keeps the two "reason"
    fields (and their hints and tokens) apart, so each label and hint names its own field
    (review R4-9)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="reset", **kwargs)

    reason = StringField(_l("Reason for the reset"), validators=[DataRequired(), Length(max=500)])
