"""Surveys, the custodian's side: their own key share, shown to them alone, once.

A card on the home page tells a custodian that a share waits for them (only while one does);
the page lists their waiting shares, and pressing the button shows one and erases it in the
same request (surveys/handover.py). The share is looked up by the logged-in account: anyone
else, headquarters included, finds nothing there (404).
"""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import lazy_gettext as _l

from campaign import db, registry
from campaign.access import current_user
from surveys import custody, handover
from surveys.common import bp
from surveys.forms import ConfirmForm

registry.add_home_card(
    _l("A key share is waiting for you"),
    "surveys.my_shares",
    order=5,
    description=_l("You are a custodian of a survey's key: see your share (shown only once)."),
    visible=handover.has_waiting,
)


registry.add_reset_guard(handover.reset_refusal)


@bp.get("/surveys/shares")
def my_shares():
    """The surveys whose key share waits for the logged-in person."""
    waiting = handover.waiting_for(db.session(), current_user().id)
    return render_template("surveys/my_shares.html", waiting=waiting, confirm=ConfirmForm())


@bp.post("/surveys/shares/<int:survey_id>")
def show_share(survey_id: int):
    """Show the logged-in custodian their share of this survey, once, and erase it."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    collected = handover.collect(db.session(), survey_id, current_user().id)
    if collected is None:
        abort(404)
    survey, words = collected
    return render_template(
        "surveys/share.html", survey=survey, words=words, qr=custody.qr_svg(words)
    )
