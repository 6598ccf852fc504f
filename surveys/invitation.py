"""Surveys, staff side: the printable invitation sheet of a survey without codes.

One A4 page to put up on a notice board or hand round: the survey's title, when it takes
answers, the address and the same address as a QR code (exporting.qr_svg, the slips' maker),
and what a member should know before answering. Headquarters and the survey's officers print it,
and so do officers for a federation-wide survey (to pass the link on to their members). A
survey with codes has its slips instead: a bare link would let nobody in.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from campaign import db
from campaign.org.models import Branch
from surveys import exporting
from surveys.common import back, bp, load_readable
from surveys.models import State


@bp.get("/surveys/<int:survey_id>/invitation")
def invitation(survey_id: int):
    """The invitation sheet to print (A4), for an open survey without invitation codes."""
    survey = load_readable(survey_id)
    if survey.needs_code:
        return back(
            survey,
            _l(
                "This survey is answered with invitation codes: print the slips instead, "
                "since the link alone lets nobody in."
            ),
        )
    if survey.state != State.OPEN:
        return back(survey, _l("The invitation can be printed while the survey takes answers."))
    address = exporting.answer_address(survey)
    branch = db.session().get(Branch, survey.branch_id) if survey.branch_id else None
    return render_template(
        "surveys/invitation.html",
        survey=survey,
        address=address,
        qr=exporting.qr_svg(address, scale=4, fluid=True),
        branch=branch,
    )
