"""Staff forms for building, opening and counting surveys.

The respondent's form is not a FlaskForm: Flask-WTF keeps its CSRF secret in the session cookie,
and the answer page sets no cookie at all (see views.answer).
"""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from campaign.dates import timezone, to_local
from surveys import storage
from surveys.models import SCALE_END_MAX, SCALE_ENDS_EN, SCALE_ENDS_JA, Kind

KIND_LABELS = {
    Kind.SINGLE: _l("Single choice"),
    Kind.MULTIPLE: _l("Multiple choice"),
    Kind.SCALE5: _l("5-point scale"),
    Kind.NUMBER: _l("Number"),
    Kind.TEXT: _l("Short free text"),
}


def to_utc(value):
    """A date and time typed in Japan time (``NAISHIN_TIMEZONE``, as the pages show times), as
    an aware UTC datetime (or None)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone()).astimezone(UTC)


def to_japan(value):
    """An aware datetime as the naive Japan time a form field shows."""
    return to_local(value).replace(tzinfo=None) if value else None


class SurveyForm(FlaskForm):
    """A survey's texts, dates and smallest group."""

    title_ja = StringField(_l("Title (Japanese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    intro_ja = TextAreaField(
        _l("Introduction (Japanese)"), validators=[Optional(), Length(max=5000)]
    )
    intro_en = TextAreaField(
        _l("Introduction (English)"), validators=[Optional(), Length(max=5000)]
    )
    branch_id = SelectField(_l("Branch"), coerce=str, validate_choice=True)
    opens_at = DateTimeLocalField(
        _l("Opens (Japan time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        _l("Closes (Japan time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    min_group = IntegerField(
        _l("Smallest group shown in the results"),
        default=5,
        validators=[DataRequired(), NumberRange(min=3, max=1000)],
    )
    needs_code = BooleanField(_l("Answering needs a single-use invitation code (printed slips)"))


class QuestionForm(FlaskForm):
    """One question."""

    kind = SelectField(
        _l("Kind of question"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
    )
    text_ja = StringField(_l("Question (Japanese)"), validators=[DataRequired(), Length(max=500)])
    text_en = StringField(_l("Question (English)"), validators=[Optional(), Length(max=500)])
    options_ja = TextAreaField(
        _l("Choices (Japanese), one per line"), validators=[Optional(), Length(max=5000)]
    )
    options_en = TextAreaField(
        _l("Choices (English), one per line"), validators=[Optional(), Length(max=5000)]
    )
    scale_low_ja = StringField(
        _l("Label of point 1 (Japanese)"),
        default=SCALE_ENDS_JA[0],
        validators=[Optional(), Length(max=SCALE_END_MAX)],
    )
    scale_high_ja = StringField(
        _l("Label of point 5 (Japanese)"),
        default=SCALE_ENDS_JA[1],
        validators=[Optional(), Length(max=SCALE_END_MAX)],
    )
    scale_low_en = StringField(
        _l("Label of point 1 (English)"),
        default=SCALE_ENDS_EN[0],
        validators=[Optional(), Length(max=SCALE_END_MAX)],
    )
    scale_high_en = StringField(
        _l("Label of point 5 (English)"),
        default=SCALE_ENDS_EN[1],
        validators=[Optional(), Length(max=SCALE_END_MAX)],
    )
    required = BooleanField(_l("An answer is required"))
    is_grouping = BooleanField(_l("Use this question to group the results"))

    @classmethod
    def of(cls, question) -> QuestionForm:
        """The form filled with a question as it is (to edit it)."""
        names = ("text_ja", "text_en", "options_ja", "options_en", "required", "is_grouping")
        data = {name: getattr(question, name) for name in names}
        data["kind"] = question.kind.value
        if question.kind == Kind.SCALE5:
            data |= {
                "scale_low_ja": question.scale_low_ja,
                "scale_high_ja": question.scale_high_ja,
                "scale_low_en": question.scale_low_en,
                "scale_high_en": question.scale_high_en,
            }
        return cls(data=data)


class OpenForm(FlaskForm):
    """Who holds the key: a passphrase, or k of n custodians."""

    custody = SelectField(
        _l("Who can open the results"),
        choices=[
            SelectChoice("passphrase", _l("Whoever has the passphrase")),
            SelectChoice("custodians", _l("Several custodians together (k of n)")),
        ],
        default="passphrase",
    )
    passphrase = PasswordField(
        _l("Passphrase for the results"), validators=[Optional(), Length(min=12, max=500)]
    )
    confirm = PasswordField(
        _l("The same passphrase again"),
        validators=[Optional(), EqualTo("passphrase", message=_l("The passphrases differ."))],
    )
    custodians = SelectMultipleField(_l("Custodians (2 to 16 staff accounts)"), coerce=int)
    threshold = IntegerField(
        _l("Custodians needed to open the results"),
        default=2,
        validators=[Optional(), NumberRange(min=2, max=16)],
    )
    expected = IntegerField(
        _l("Expected number of answers"),
        validators=[Optional(), NumberRange(min=1, max=storage.EXPECTED_MAX)],
    )

    def validate_passphrase(self, field) -> None:
        """A passphrase is needed unless custodians hold the key."""
        if self.custody.data == "passphrase" and not field.data:
            raise ValidationError(_l("Enter the passphrase."))


class CloseForm(FlaskForm):
    """Closing before the announced date: headquarters only, with a reason."""

    reason = TextAreaField(
        _l("Why close before the announced date?"),
        validators=[DataRequired(), Length(min=5, max=1000)],
    )


class CodesForm(FlaskForm):
    """How many invitation codes to make."""

    count = IntegerField(
        _l("Number of codes"), default=50, validators=[DataRequired(), NumberRange(min=1, max=2000)]
    )


class UnlockForm(FlaskForm):
    """The passphrase or the key file, to open the results (or export them)."""

    passphrase = PasswordField(_l("Passphrase"), validators=[Optional(), Length(max=500)])
    key_file = FileField(_l("Or the key file"))
    format = SelectField(
        _l("Show as"),
        choices=[
            SelectChoice("html", _l("Page")),
            SelectChoice("csv", "CSV"),
            SelectChoice("xlsx", "Excel (XLSX)"),
        ],
        default="html",
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (close a survey, remove a question)."""
