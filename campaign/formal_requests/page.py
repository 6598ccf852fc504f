"""The request page, drawn again by any route whose form failed: the item form and the
workflow forms it offers, and the page itself."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from campaign import db
from campaign.access import current_user
from campaign.dates import local_today
from campaign.formal_requests import evidence, services, vocab
from campaign.formal_requests.common import audit_read, locale
from campaign.formal_requests.forms import ConfirmForm, ItemForm, MeetingForm, OutcomeForm, SendForm
from campaign.formal_requests.models import FormalRequest


def item_form_for(formal: FormalRequest, *, editing=None) -> ItemForm:
    form = ItemForm()
    choices = [SelectChoice("", _("A new numbered item"))]
    for number, item in enumerate(formal.items, start=1):
        if editing is None or editing.id != item.id:
            choices.append(
                SelectChoice(str(item.id), _("A sub-item of item %(number)d", number=number))
            )
    form.parent_id.choices = choices
    return form


def workflow_forms(formal: FormalRequest) -> dict:
    """The forms the request page offers in the request's state (empty, not submitted)."""
    today = local_today()
    return {
        "confirm_form": ConfirmForm(formdata=None),
        "send_form": SendForm(formdata=None, sent_on=formal.sent_on or today),
        "meeting_form": MeetingForm(
            formdata=None,
            met_on=formal.met_on or today,
            place=formal.meeting_place,
            ours=formal.attendees_ours,
            theirs=formal.attendees_theirs,
        ),
        "outcome_form": OutcomeForm(formdata=None, happened_on=today),
    }


def detail_page(formal: FormalRequest, *, item_form=None, status: int = 200, **forms):
    """The request page (with whichever form failed shown again)."""
    from campaign.formal_requests import document

    user = current_user()
    session = db.session()
    audit_read(formal)
    settings = services.hq_settings(session)
    follow_ups = list(
        session.scalars(
            services.visible_requests(user)
            .where(FormalRequest.follows_id == formal.id)
            .order_by(FormalRequest.id)
        )
    )
    proof = document.build(formal, evidence_minimum=settings.evidence_minimum, viewer=user)
    live = None
    if user.is_hq and proof.appendix is not None and proof.appendix.counted_on is not None:
        counted = evidence.appendix(formal, settings.evidence_minimum, document.DOCUMENT_LOCALE)
        live = document.appendix_lines(counted)
    page_forms = workflow_forms(formal)
    wrote = formal.is_draft and services.wrote_wording(user, formal)
    page_forms.update(forms)
    return render_template(
        "formal_requests/detail.html",
        formal=formal,
        doc=proof,
        item_form=item_form or item_form_for(formal),
        evidence_of=lambda item: evidence.item_evidence(item, user, locale()),
        can_edit=services.can_edit(user, formal),
        can_approve=services.can_approve(user, formal, wrote=wrote),
        wrote_wording=wrote,
        can_manage=services.can_manage(user, formal),
        follow_ups=follow_ups,
        live_appendix=live,
        has_open_items=any(not i.fully_confirmed for i in formal.items),
        locale=locale(),
        transitions=vocab.TRANSITIONS[formal.state],
        **page_forms,
    ), status
