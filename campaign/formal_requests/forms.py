"""Forms of the formal-request pages. Lengths are checked here, with a message naming the
field, before anything reaches a service; what was typed is shown again when refused."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
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
    StopValidation,
)

from campaign.formal_requests import evidence, vocab


def _length(label, maximum: int):
    return Length(
        max=maximum,
        message=_l("%(field)s may have at most %(max)d characters.", field=label, max=maximum),
    )


class AddresseeForm(Form):
    """One addressee row (blank rows are ignored)."""

    organisation = StringField(
        _l("Organisation"), validators=[_length(_l("Organisation"), vocab.LINE_MAX)]
    )
    title = StringField(
        _l("Title (e.g. 総務大臣)"), validators=[_length(_l("Title"), vocab.LINE_MAX)]
    )
    name = StringField(_l("Name"), validators=[_length(_l("Name"), 100)])
    honorific = SelectField(
        _l("Honorific"),
        choices=[SelectChoice(h, h) for h in vocab.HONORIFICS],
        default="殿",
        validate_choice=True,
    )


class HeaderForm(FlaskForm):
    """The request itself: subject, addressees, date, number, preamble, options."""

    branch_id = SelectField(_l("On behalf of"), coerce=int, validators=[InputRequired()])
    subject = StringField(
        _l("Subject (件名)"),
        validators=[
            DataRequired(message=_l("Enter the subject.")),
            _length(_l("Subject"), vocab.SUBJECT_MAX),
        ],
    )
    addressees = FieldList(
        FormField(AddresseeForm), min_entries=1, max_entries=vocab.MAX_ADDRESSEES
    )
    dated_on = DateField(_l("Date of the document"), validators=[Optional()])
    document_number = StringField(
        _l("Document number"), validators=[_length(_l("Document number"), vocab.LINE_MAX)]
    )
    preamble = TextAreaField(
        _l("Preamble (前文)"), validators=[_length(_l("Preamble"), vocab.PREAMBLE_MAX)]
    )
    era_dates = BooleanField(_l("Print dates in the Japanese era (令和)"), default=True)
    appendix = BooleanField(_l("Print the appendix of evidence from the cited cases (別紙)"))
    more = SubmitField(_l("Save and add another addressee"))
    submit = SubmitField(_l("Save"))


class ItemForm(FlaskForm):
    """A new item or sub-item, or the rewording of one."""

    parent_id = SelectField(_l("Where"), coerce=str, validate_choice=True)
    body = TextAreaField(
        _l("Text of the item"),
        validators=[
            DataRequired(message=_l("Enter the text of the item.")),
            _length(_l("Text of the item"), vocab.ITEM_MAX),
        ],
    )
    cases = StringField(
        _l("Cases it cites (numbers, e.g. 12, 15)"),
        validators=[_length(_l("Cases it cites"), 2000)],
    )
    submit = SubmitField(_l("Save the item"))


class MoveForm(FlaskForm):
    """Up or down one place."""

    direction = HiddenField(validators=[DataRequired()])


class SendForm(FlaskForm):
    """When and how the approved request was submitted."""

    sent_on = DateField(
        _l("Submitted on"), validators=[DataRequired(message=_l("Enter the date."))]
    )
    sent_how = StringField(
        _l("How (by hand at the meeting, post, fax, e-mail)"),
        validators=[
            DataRequired(message=_l("Say how the request was submitted.")),
            _length(_l("How"), vocab.LINE_MAX),
        ],
    )


class MeetingForm(FlaskForm):
    """The meeting (交渉): date, place, attendees as offices, never members' names."""

    met_on = DateField(_l("Meeting date"), validators=[DataRequired(message=_l("Enter the date."))])
    place = StringField(_l("Place"), validators=[_length(_l("Place"), vocab.LINE_MAX)])
    ours = StringField(
        _l("Attending for us (offices, e.g. 本部書記長、政策局)"),
        validators=[_length(_l("Attending for us"), 500)],
    )
    theirs = StringField(
        _l("Attending for them (offices, e.g. 自治行政局住民制度課)"),
        validators=[_length(_l("Attending for them"), 500)],
    )


class AnswerRowForm(Form):
    """The answer to one item."""

    item_id = HiddenField()
    standing = RadioField(
        _l("What the answer amounts to"),
        choices=[SelectChoice("", _l("Not answered yet"))]
        + [SelectChoice(k, v) for k, v in vocab.STANDINGS.items()],
        default="",
        validate_choice=True,
    )
    answer = TextAreaField(
        _l("The answer, in our words"), validators=[_length(_l("The answer"), vocab.ANSWER_MAX)]
    )
    answer_en = TextAreaField(
        _l("The answer in English (for the public page; optional)"),
        validators=[_length(_l("The answer in English"), vocab.ANSWER_MAX)],
    )


class AnswersForm(FlaskForm):
    """Every item's answer, the date of the answer and the written answer, if any."""

    answered_on = DateField(_l("Answered on"), validators=[Optional()])
    rows = FieldList(FormField(AnswerRowForm), max_entries=vocab.MAX_ITEMS)
    file = FileField(_l("The written answer (PDF, image, Word), if there is one"))


class OutcomeForm(FlaskForm):
    """What came of the answers."""

    happened_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date."))])
    description = TextAreaField(
        _l("What happened"),
        validators=[
            DataRequired(message=_l("Describe the outcome.")),
            _length(_l("What happened"), vocab.ANSWER_MAX),
        ],
    )
    description_en = TextAreaField(
        _l("In English (for the public page; optional)"),
        validators=[_length(_l("In English"), vocab.ANSWER_MAX)],
    )


class WholeNumberField(IntegerField):
    """A whole number with one message: text that is not a number is said to be so, and the
    range is not checked as well (review R2-10: 「abc」 got both messages for one field)."""

    def pre_validate(self, form) -> None:
        """Stop at the message that the text could not be read as a number."""
        if self.process_errors:
            raise StopValidation()


class SettingsForm(FlaskForm):
    """The sender printed on the documents, and headquarters' thresholds."""

    organisation = StringField(
        _l("Sending organisation"), validators=[_length(_l("Sending organisation"), 200)]
    )
    representative = StringField(
        _l("Title and name of its representative (e.g. 中央執行委員長　○○○○)"),
        validators=[_length(_l("Representative"), 200)],
    )
    overdue_days = WholeNumberField(
        _l("Days after which an unanswered request is overdue"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
        default=30,
    )
    evidence_minimum = WholeNumberField(
        _l("Smallest number of cases the appendix shows a figure for"),
        validators=[Optional(), NumberRange(min=evidence.MIN_MINIMUM, max=1000)],
        default=3,
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""
