"""Validation messages that name the field, in the reader's language, for every form.

WTForms' own messages say 「このフィールドは必須です。」 or 「フィールドは 12 以上, 500 文字以内で
なければなりません。」: they do not say which field, and read as a translation. Each bound field
gets a translations object of its own that knows its label, so that the default message of every
validator becomes a sentence such as 「件名を入力してください。」 or
「パスワードは12文字以上128文字以内で入力してください。」. A form keeps its own messages where it
gives one (``message=...``); the defaults are replaced for every form, including forms added later,
without each form having to ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import DateTimeField, IntegerField
from wtforms.validators import DateRange, NumberRange, StopValidation

from campaign import params

CHOICE_TYPES = {
    "SelectField",
    "SelectMultipleField",
    "RadioField",
    "CheckboxesField",
    "QuerySelectField",
    "FileField",
    "MultipleFileField",
}
OPTIONAL_SUFFIX = re.compile(r"\s*(?:（任意）|\(optional\)|（省略可）)\s*$", re.IGNORECASE)

# WTForms' default message -> (our message, whether WTForms formats it with % afterwards).
REQUIRED = "This field is required."
MESSAGES: dict[str, tuple[object, bool]] = {
    "Field must be between %(min)d and %(max)d characters long.": (
        _l("%(label)s must be between %(min)d and %(max)d characters long."),
        True,
    ),
    "Number must be at least %(min)s.": (_l("%(label)s must be %(min)s or more."), True),
    "Number must be at most %(max)s.": (_l("%(label)s must be %(max)s or less."), True),
    "Number must be between %(min)s and %(max)s.": (
        _l("%(label)s must be a number from %(min)s to %(max)s."),
        True,
    ),
    "Date must be at least %(min)s.": (_l("%(label)s must be %(min)s or later."), True),
    "Date must be at most %(max)s.": (_l("%(label)s must be %(max)s or earlier."), True),
    "Date must be between %(min)s and %(max)s.": (
        _l("%(label)s must be a date from %(min)s to %(max)s."),
        True,
    ),
    "Field must be equal to %(other_name)s.": (_l("%(label)s does not match."), True),
    "Not a valid integer value.": (_l("Enter a whole number in “%(label)s”."), False),
    "Not a valid decimal value.": (_l("Enter a number in “%(label)s”."), False),
    "Not a valid float value.": (_l("Enter a number in “%(label)s”."), False),
    "Not a valid date value.": (_l("Enter a real date in “%(label)s”."), False),
    "Not a valid datetime value.": (_l("Enter a real date and time in “%(label)s”."), False),
    "Not a valid time value.": (_l("Enter a real time in “%(label)s”."), False),
    "Not a valid week value.": (_l("Enter a real week in “%(label)s”."), False),
    "Invalid email address.": (_l("Enter an email address in “%(label)s”."), False),
    "Invalid URL.": (_l("Enter a web address in “%(label)s”."), False),
    "Invalid input.": (_l("%(label)s is not in the expected form."), False),
    "Not a valid choice.": (_l("Choose %(label)s from the list."), False),
    "Invalid Choice: could not coerce.": (_l("Choose %(label)s from the list."), False),
    "Invalid choice(s): one or more data inputs could not be coerced.": (
        _l("Choose %(label)s from the list."),
        False,
    ),
    "File does not have an approved extension.": (
        _l("%(label)s: this kind of file cannot be attached."),
        False,
    ),
}
PLURAL_MESSAGES: dict[str, Callable[[int, str], str]] = {
    "Field must be at least %(min)d character long.": lambda n, label: ngettext(
        "%(label)s must be at least %(num)d character long.",
        "%(label)s must be at least %(num)d characters long.",
        n,
        label=label,
    ),
    "Field cannot be longer than %(max)d character.": lambda n, label: ngettext(
        "%(label)s can be at most %(num)d character long.",
        "%(label)s can be at most %(num)d characters long.",
        n,
        label=label,
    ),
    "Field must be exactly %(max)d character long.": lambda n, label: ngettext(
        "%(label)s must be exactly %(num)d character long.",
        "%(label)s must be exactly %(num)d characters long.",
        n,
        label=label,
    ),
    "'%(value)s' is not a valid choice for this field.": lambda n, label: gettext(
        "Choose %(label)s from the list.", label=label
    ),
}


# A label's trailing example: 「宛先（日本語。例：総務大臣）」, "Addressee, e.g. 総務大臣".
EXAMPLE_SUFFIX = re.compile(
    r"\s*(?:（[^（）]*例：[^（）]*）|\([^()]*e\.g\.[^()]*\)|,\s*e\.g\.\s.*)$", re.IGNORECASE
)


def label_of(field) -> str:
    """The field's label as a sentence names it: without a trailing "(optional)" or example
    (「宛先（日本語。例：総務大臣）を入力してください。」 read oddly;
    「宛先を入力してください。」 does not)."""
    text = str(field.label.text) if field.label is not None else field.name
    return EXAMPLE_SUFFIX.sub("", OPTIONAL_SUFFIX.sub("", text))


def _required(field) -> str:
    if field.process_errors and any(str(v).strip() for v in field.raw_data or ()):
        # Something was typed but could not be read (2019-13-45): say that, not "enter it".
        return str(field.process_errors[0])
    if field.type in CHOICE_TYPES:
        return gettext("Choose %(label)s.", label=label_of(field))
    if field.type == "BooleanField":
        return gettext("Tick %(label)s.", label=label_of(field))
    return gettext("Enter %(label)s.", label=label_of(field))


def _numbers(field, text: str) -> str:
    """Write the bounds of a number or date range as a reader does (10,000,000; 2026年12月1日)."""
    for validator in field.validators:
        if isinstance(validator, NumberRange | DateRange):
            for name in ("min", "max"):
                value = getattr(validator, name)
                if value is None:
                    continue
                shown = f"{value:,}" if isinstance(value, int | float) else _date(value)
                text = text.replace(f"%({name})s", shown.replace("%", "%%"))
    return text


def _date(value) -> str:
    from campaign import dates

    return dates.format_date(value)


class FieldTranslations:
    """The translations one field's validators see: WTForms' defaults become our sentences."""

    def __init__(self, field, fallback) -> None:
        self.field, self.fallback = field, fallback

    def gettext(self, string: str) -> str:
        """A default message, rewritten to name the field; any other string as WTForms has it."""
        if string == REQUIRED:
            return _required(self.field)
        if string not in MESSAGES:
            return self.fallback.gettext(string) if self.fallback else string
        message, formatted = MESSAGES[string]
        label = label_of(self.field)
        if not formatted:
            return str(message) % {"label": label}
        text = str(message).replace("%(label)s", label.replace("%", "%%"))
        return _numbers(self.field, text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """A default message that depends on a count, rewritten to name the field."""
        if singular not in PLURAL_MESSAGES:
            if self.fallback:
                return self.fallback.ngettext(singular, plural, n)
            return singular if n == 1 else plural
        # The count and the label go in now; WTForms' "% dict(...)" afterwards finds nothing to
        # fill, so any % in the label is doubled to survive it.
        return PLURAL_MESSAGES[singular](n, label_of(self.field)).replace("%", "%%")


def plausible_year(_form, field) -> None:
    """WTForms validator: a date or time between the years 1900 and 9000.

    Dates at the ends of the calendar cannot be moved between time zones (0001-01-01 00:00 in
    Japan is before the first UTC day), so they are refused as input rather than with a crash.
    """
    year = getattr(field.data, "year", None)  # a time of day has none
    if year is not None and not 1900 <= year <= 9000:
        raise StopValidation(
            _l("%(label)s must be a date from 1900 to 9000.", label=label_of(field))
        )


def storable_integer(_form, field) -> None:
    """WTForms validator: a whole number the database can hold (PostgreSQL's INTEGER, 32 bits:
    every count and id of the platform). A larger one was a 500 at the first query; one of
    more than 308 digits was a 500 in WTForms' own ``NumberRange`` (which compares it as a
    float), so this runs first and stops the field's other checks."""
    value = field.data
    if isinstance(value, int) and not -(2**31) <= value <= params.MAX_ID:
        raise StopValidation(_l("%(label)s is too large a number.", label=label_of(field)))


def _bind_field(meta, form, unbound_field, options):
    field = unbound_field.bind(form=form, **options)
    field._translations = FieldTranslations(field, options.get("translations"))
    # Both run before the form's own validators, which may not cope with what they refuse.
    if isinstance(field, IntegerField) and storable_integer not in field.validators:
        # Every number typed or sent in a form (counts, days, ids in hidden fields) fits the
        # database's INTEGER columns, whatever the form's own validators say.
        field.validators = [storable_integer, *field.validators]
    if isinstance(field, DateTimeField) and plausible_year not in field.validators:
        # Every date and time a person types is between 1900 and 9000: the ends of the calendar
        # cannot be moved between time zones or written in an era, and a typo such as 1026 for
        # 2026 would otherwise be stored and break every page that shows it.
        field.validators = [plausible_year, *field.validators]
    return field


def install() -> None:
    """Give every Flask-WTF form (those defined later too) the field-naming messages."""
    FlaskForm.Meta.bind_field = _bind_field
