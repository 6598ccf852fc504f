"""Small helpers every feature's forms share.

How a feature uses it: a view that re-shows a form after a failed POST answers 400, so that
browsers, tests and monitoring see the refusal, while the person sees the form again with the
messages next to the fields::

    from campaign.forms import form_status

    return render_template("cases/form.html", form=form), form_status(form)

Every form's CSRF token (``{{ form.csrf_token }}``) is rendered without an ``id``: see
``install``.
"""

from __future__ import annotations

from typing import Protocol

from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.meta import DefaultMeta


class _Form(Protocol):
    errors: dict
    form_errors: list


def form_status(form: _Form) -> int:
    """400 when the form carries any error (a field's, or one for the whole form), else 200."""
    return 400 if form.errors or getattr(form, "form_errors", None) else 200


def _render_field(meta, field, render_kw: dict):
    if isinstance(field, CSRFTokenField):
        # WTForms gives a field its name as id: every form's token was id="csrf_token", so a
        # page with several forms (a case, a formal request, the menu's logout) repeated the id,
        # which HTML forbids (WCAG 4.1.1). Nothing labels, describes or links to a hidden
        # token, so it needs no id at all (False: WTForms writes no attribute).
        render_kw = {"id": False, **render_kw}
    return DefaultMeta.render_field(meta, field, render_kw)


def install() -> None:
    """Render every Flask-WTF form's CSRF token (forms defined later too) without an id."""
    FlaskForm.Meta.render_field = _render_field
