"""Forms of the petition pages.

The signing form is a plain WTForms ``Form``, not a ``FlaskForm``: Flask-WTF keeps its CSRF
secret in the session cookie, and the public pages set no cookie (the toolkit's form token and
Origin check stand in; see public.py).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from campaign.petitions import japanese

NAME_PROBLEMS = {
    "missing": _l("Enter your name."),
    "too_long": _l("Your name is too long: 60 characters at most."),
    "not_a_name": _l(
        "Enter your name in letters only (kanji, kana or Latin), without numbers or signs."
    ),
}
ADDRESS_PROBLEMS = {
    "missing": _l("Enter your address."),
    "too_long": _l("Your address is too long: 200 characters at most."),
    "no_prefecture": _l("Write your address from the prefecture on (for example 東京都千代田区…)."),
    "too_short": _l("Write your full address after the prefecture (city, town and block number)."),
    "not_an_address": _l("Your address contains characters that cannot be printed on the list."),
}


def _visible(value):
    return japanese.visible(value) if isinstance(value, str) else value


class SignForm(Form):
    """Name and address, as a 請願署名 needs; an email only for a link (and news)."""

    # Every free-text field loses the characters that show nothing before it is checked
    # (japanese.visible; review R3-12): the form shows back what will be kept.
    name = StringField(
        _l("Name"),
        validators=[Length(max=200)],
        filters=[_visible],
        render_kw={"autocomplete": "name"},
    )
    address = StringField(
        _l("Address"),
        validators=[Length(max=400)],
        filters=[_visible],
        render_kw={"autocomplete": "street-address"},
    )
    email = EmailField(
        _l("Email (optional)"),
        validators=[Optional(), Length(max=254)],
        filters=[_visible],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    wants_news = BooleanField(_l("Also send me news of this petition (when it is handed over)"))

    def validate_name(self, field) -> None:
        """The name as Japanese signers write it (see japanese.py)."""
        problem = japanese.check_name(field.data or "")
        if problem:
            raise ValidationError(NAME_PROBLEMS[problem.code])

    def validate_address(self, field) -> None:
        """The address from the prefecture on."""
        problem = japanese.check_address(field.data or "")
        if problem:
            raise ValidationError(ADDRESS_PROBLEMS[problem.code])

    def validate_email(self, field) -> None:
        """A plausible address (not checked against the mail system: no request leaves)."""
        try:
            field.data = validate_email(field.data, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_l("Enter a valid email address, or leave it empty.")) from None

    def validate_wants_news(self, field) -> None:
        """News needs an address to go to."""
        if field.data and not (self.email.data or "").strip():
            raise ValidationError(_l("Give your email address to receive news."))


class PetitionForm(FlaskForm):
    """A petition's texts, addressee, goal, closing date and what signers give."""

    title_ja = StringField(_l("Title (Japanese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    text_ja = TextAreaField(_l("Text (Japanese)"), validators=[DataRequired(), Length(max=20000)])
    text_en = TextAreaField(_l("Text (English)"), validators=[Optional(), Length(max=20000)])
    addressee_ja = StringField(
        _l("Addressee (Japanese), e.g. 総務大臣"), validators=[DataRequired(), Length(max=200)]
    )
    addressee_en = StringField(_l("Addressee (English)"), validators=[Optional(), Length(max=200)])
    goal = IntegerField(
        _l("Goal (signatures)"), validators=[InputRequired(), NumberRange(min=1, max=100_000_000)]
    )
    closes_on = DateField(_l("Closing date (the last day to sign)"), validators=[DataRequired()])
    ask_email = BooleanField(
        _l("Offer signers an optional email field (link to confirm, withdraw, news)")
    )
    hourly_limit = IntegerField(
        _l("Most signatures accepted per hour"),
        default=3000,
        validators=[InputRequired(), NumberRange(min=1, max=1_000_000)],
    )
    keep_days = IntegerField(
        _l("Days the signers' data is kept after the submission"),
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    unsubmitted_days = IntegerField(
        _l("Days it is kept after the close if the petition is never submitted"),
        default=90,
        validators=[InputRequired(), NumberRange(min=1, max=730)],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something (open, close, anonymise): the CSRF token only."""

    confirm = HiddenField(default="y")


class SubmitForm(FlaskForm):
    """The hand-over: when and to whom."""

    submitted_on = DateField(_l("Date of submission"), validators=[DataRequired()])
    submitted_to = StringField(_l("Handed over to"), validators=[DataRequired(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class BatchForm(FlaskForm):
    """A batch of paper forms a branch collected."""

    branch_id = IntegerField(_l("Branch"), validators=[InputRequired()])
    received_on = DateField(_l("Date received"), validators=[DataRequired()])
    signatures = IntegerField(
        _l("Number of signatures"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    sheets = IntegerField(
        _l("Number of sheets"), validators=[InputRequired(), NumberRange(min=1, max=1_000_000)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class CorrectForm(FlaskForm):
    """Headquarters corrects a batch and says why."""

    received_on = DateField(_l("Date received"), validators=[DataRequired()])
    signatures = IntegerField(
        _l("Number of signatures"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    sheets = IntegerField(
        _l("Number of sheets"), validators=[InputRequired(), NumberRange(min=1, max=1_000_000)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    reason = StringField(
        _l("Reason for the correction"), validators=[DataRequired(), Length(max=300)]
    )


class MarkForm(FlaskForm):
    """Set aside (or count again) one group of signatures in the review."""

    kind = HiddenField(validators=[DataRequired()])
    tag = HiddenField(validators=[DataRequired(), Length(max=64)])
    invalid = HiddenField(validators=[DataRequired()])
