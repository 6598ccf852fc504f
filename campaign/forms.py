"""Small helpers every feature's forms share.

How a feature uses it: a view that re-shows a form after a failed POST answers 400, so that
browsers, tests and monitoring see the refusal, while the person sees the form again with the
messages next to the fields::

    from campaign.forms import form_status

    return render_template("cases/form.html", form=form), form_status(form)
"""

from __future__ import annotations

from typing import Protocol


class _Form(Protocol):
    errors: dict
    form_errors: list


def form_status(form: _Form) -> int:
    """400 when the form carries any error (a field's, or one for the whole form), else 200."""
    return 400 if form.errors or getattr(form, "form_errors", None) else 200
