"""The form for creating a branch."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp


class BranchForm(FlaskForm):
    """A branch's code, name, prefecture and contact details."""

    code = StringField(
        _l("Branch code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only.")),
        ],
    )
    name = StringField(_l("Branch name"), validators=[DataRequired(), Length(max=120)])
    prefecture_code = SelectField(_l("Prefecture"), validators=[DataRequired()])
    contact = TextAreaField(_l("How members can reach the branch"), validators=[Length(max=500)])
