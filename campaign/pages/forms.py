"""Headquarters' page editor, and the token-only forms behind the one-click buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp
from wtforms.widgets import HiddenInput

BODY_MAX = 60_000


class PageForm(FlaskForm):
    """A page's title, sharing description and Markdown body, in Japanese and English."""

    base_number = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    title_ja = StringField(_l("Title (Japanese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    description_ja = TextAreaField(
        _l("Description for sharing (Japanese)"), validators=[DataRequired(), Length(max=300)]
    )
    description_en = TextAreaField(
        _l("Description for sharing (English)"), validators=[DataRequired(), Length(max=300)]
    )
    body_ja = TextAreaField(
        _l("Page text (Japanese)"),
        validators=[DataRequired(), Length(max=BODY_MAX)],
        render_kw={"rows": 24},
    )
    body_en = TextAreaField(
        _l("Page text (English)"),
        validators=[DataRequired(), Length(max=BODY_MAX)],
        render_kw={"rows": 24},
    )
    note = StringField(_l("What you changed (optional)"), validators=[Length(max=200)])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save as draft"))
    save_publish = SubmitField(_l("Save and publish"))


class NewPageForm(PageForm):
    """A new page: its address, then the same fields as any page."""

    base_number = None
    slug = StringField(
        _l("Page address (URL)"),  # not "Address": that is a signer's postal address (住所)
        validators=[
            DataRequired(),
            Length(min=2, max=64),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                message=_l("Use lower-case letters, digits and single hyphens only."),
            ),
        ],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
