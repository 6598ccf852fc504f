"""Forms of the case pages; choices are filled in by the views."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from campaign.cases import vocab


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: easier on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CaseForm(FlaskForm):
    """A case report; the two buttons save a draft or report it to headquarters."""

    branch_id = SelectField(_l("Branch"), coerce=int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    workplace = StringField(_l("Workplace (department or office)"), validators=[Length(max=200)])
    occurred_on = DateField(_l("Date (or first day)"), validators=[DataRequired()])
    occurred_until = DateField(_l("Last day, if it went on"), validators=[Optional()])
    category_ids = CheckboxesField(
        _l("What happened (one or more)"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one category."))],
    )
    issuer_kind = SelectField(
        _l("Issued by"),
        choices=[SelectChoice(k, v) for k, v in vocab.ISSUER_KINDS.items()],
        validators=[DataRequired()],
    )
    issuer_name = StringField(_l("Name of the issuer"), validators=[Length(max=200)])
    channel = RadioField(
        _l("How it was communicated"),
        choices=[SelectChoice(k, v) for k, v in vocab.CHANNELS.items()],
        validators=[DataRequired(message=_l("Choose how it was communicated."))],
    )
    staff_affected = IntegerField(
        _l("Number of staff affected"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    non_regular = BooleanField(_l("Non-regular staff were targeted"))
    new_hires = BooleanField(_l("New hires were targeted before they started"))
    dependents = BooleanField(_l("Dependents were targeted"))
    description = TextAreaField(_l("What happened"), validators=[Length(max=20_000)])
    files = MultipleFileField(_l("Attachments"))
    save_draft = SubmitField(_l("Save as draft"))
    submit_report = SubmitField(_l("Report to headquarters"))


class CommentForm(FlaskForm):
    """A comment, and (for headquarters) a new state."""

    to_state = SelectField(_l("New state"), validators=[Optional()])
    body = TextAreaField(_l("Comment"), validators=[Length(max=5000)])


class ActionForm(FlaskForm):
    """A dated step on the timeline."""

    kind = SelectField(
        _l("Step"),
        choices=[SelectChoice(k, v) for k, v in vocab.ACTION_KINDS.items()],
        validators=[DataRequired()],
    )
    happened_on = DateField(_l("Date"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])


class CategoryForm(FlaskForm):
    """Headquarters adds a category, named in both languages."""

    name_ja = StringField(_l("Name in Japanese"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(form, field) -> None:
    """A month as a month input sends it (2019-11); 2019-13 is refused with a message."""
    if field.data and not MONTH.match(field.data.strip()):
        raise ValidationError(
            _l("Enter %(label)s as a year and a month, e.g. 2019-11.", label=field.label.text)
        )


class PreparedChoices(list):
    """A select's choices with their ``<option>`` elements rendered once: a list page draws the
    same 70 options on every view, and WTForms' widget renders each anew (a fifth of the case
    list's time). Made once per language and reference data (``common.reference``)."""

    def __init__(self, choices: list[SelectChoice]) -> None:
        super().__init__(choices)
        self.options = [
            f'<option value="{escape(c.value)}">{escape(c.label or c.value)}</option>'
            for c in choices
        ]
        self.place = {c.value: n for n, c in enumerate(choices)}

    def html(self, selected: object) -> str:
        """The options, with the one whose value is ``selected`` marked as WTForms marks it."""
        n = self.place.get(selected) if isinstance(selected, str) else None
        if n is None:
            return "".join(self.options)
        option = self.options[n].replace("<option ", "<option selected ", 1)
        return "".join(self.options[:n]) + option + "".join(self.options[n + 1 :])


class PreparedSelect(Select):
    """WTForms' select, drawing ``PreparedChoices`` from their rendered options (the same
    markup, attribute for attribute); other choices as WTForms does."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        if not isinstance(choices, PreparedChoices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = getattr(field.flags, flag)
        params = html_params(name=field.name, **kwargs)  # escaped by html_params
        # The options were escaped when they were rendered (PreparedChoices).
        return Markup(f"<select {params}>{choices.html(field.data)}</select>")  # noqa: S704


SELECT = PreparedSelect()


class FilterForm(FlaskForm):
    """The filters of the list, the dashboard and the exports (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()], widget=SELECT)
    category = SelectField(_l("Category"), validators=[Optional()], widget=SELECT)
    prefecture = SelectField(_l("Prefecture"), validators=[Optional()], widget=SELECT)
    issuer = SelectField(_l("Issued by"), validators=[Optional()], widget=SELECT)
    month_from = StringField(
        _l("From month"), validators=[Optional(), _month], render_kw={"type": "month"}
    )
    month_to = StringField(
        _l("To month"), validators=[Optional(), _month], render_kw={"type": "month"}
    )
