"""Audit entries as sentences in the reader's language; the codes stay for filters and exports.

The log stores codes (``case.state_changed``, ``survey 2``) so that it can be filtered and
exported the same way in every language; a person reading it sees 「事例#2の状態を変更しました。」.
An action without a sentence here is shown by its code, so a new feature's entries are never
hidden.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

KINDS = {
    "case": _l("case"),
    "case_attachment": _l("attachment"),
    "case_category": _l("case category"),
    "survey": _l("survey"),
    "page": _l("page"),
    "user": _l("account"),
    "account": _l("account"),
    "branch": _l("branch"),
    "formal_request": _l("formal request"),
    "formal_settings": _l("formal request settings"),
    "petition": _l("petition"),
    "paper_batch": _l("batch of paper signatures"),
    "audit_entry": _l("audit entry"),
}

SENTENCES = {
    "login": _l("Logged in."),
    "logout": _l("Logged out."),
    "login.failed": _l("A login failed."),
    "recovery_code.used": _l("Logged in with a recovery code."),
    "recovery_codes.renewed": _l("Renewed the recovery codes."),
    "account.invited": _l("Invited %(object)s."),
    "account.setup": _l("Finished setting up the account."),
    "account.created_by_command": _l("Created %(object)s from the command line."),
    "account.role_changed": _l("Changed the role of %(object)s."),
    "account.activated": _l("Reactivated %(object)s."),
    "account.deactivated": _l("Deactivated %(object)s."),
    "account.reset": _l("Reset the login of %(object)s."),
    "account.created_by_demo": _l("Created %(object)s as demo data."),
    "account.renewed_by_demo": _l("Gave %(object)s new demo credentials."),
    "password.changed": _l("Changed their password."),
    "access.denied": _l("Was refused %(object)s."),
    "branch.created": _l("Added %(object)s."),
    "branch.viewed": _l("Viewed %(object)s."),
    "case.created": _l("Logged %(object)s."),
    "case.updated": _l("Edited %(object)s."),
    "case.viewed": _l("Viewed %(object)s."),
    "case.reported": _l("Reported %(object)s to headquarters."),
    "case.commented": _l("Commented on %(object)s."),
    "case.state_changed": _l("Changed the state of %(object)s."),
    "case.action_recorded": _l("Recorded a step on %(object)s."),
    "case_attachment.uploaded": _l("Attached a file (%(object)s)."),
    "case_attachment.downloaded": _l("Downloaded an attachment (%(object)s)."),
    "case_category.created": _l("Added a case category."),
    "cases.listed": _l("Viewed the list of cases."),
    "cases.dashboard_viewed": _l("Viewed the national picture."),
    "cases.exported": _l("Exported cases."),
    "cases.purged": _l("Deleted cases past their retention period."),
    "audit.notes_purged": _l("Deleted the reasons typed for older audit entries."),
    "audit.viewed": _l("Read the audit log."),
    "audit.notes_forgotten": _l("Deleted the reasons typed for entries about purged %(object)s."),
    "audit.note_forgotten": _l(
        "Deleted the reason typed for %(object)s, with the record it was about."
    ),
    "page.loaded": _l("Loaded the shipped content of %(object)s."),
    "page.created": _l("Added %(object)s."),
    "page.edited": _l("Edited %(object)s."),
    "page.updated": _l("Updated %(object)s."),
    "page.published": _l("Published %(object)s."),
    "page.unpublished": _l("Took %(object)s off the public site."),
    "page.restored": _l("Restored an earlier revision of %(object)s."),
    "page.adopted": _l("Adopted the newer shipped content of %(object)s."),
    "survey.created": _l("Created %(object)s."),
    "survey.question_edited": _l("Edited a question of %(object)s."),
    "survey.opened": _l("Opened %(object)s for answers."),
    "survey.closed": _l("Closed %(object)s."),
    "survey.unlock_refused": _l("A wrong key was given for the results of %(object)s."),
    "survey.results_opened": _l("Opened the results of %(object)s."),
    "survey.codes_made": _l("Made invitation codes for %(object)s."),
    "survey.receipts_published": _l("Published the receipts of %(object)s."),
    "formal_request.created": _l("Drafted %(object)s."),
    "formal_request.edited": _l("Edited %(object)s."),
    "formal_request.viewed": _l("Viewed %(object)s."),
    "formal_request.listed": _l("Viewed the list of formal requests."),
    "formal_request.overdue_viewed": _l("Viewed the formal requests whose answers are overdue."),
    "formal_request.open_viewed": _l("Viewed the open demands of the formal requests."),
    "formal_request.revisions_viewed": _l("Viewed the past wordings of %(object)s."),
    "formal_request.chain_viewed": _l("Viewed the rounds of %(object)s."),
    "formal_request.item_added": _l("Added an item to %(object)s."),
    "formal_request.item_edited": _l("Edited an item of %(object)s."),
    "formal_request.item_moved": _l("Reordered the items of %(object)s."),
    "formal_request.item_removed": _l("Removed an item from %(object)s."),
    "formal_request.state": _l("Moved %(object)s to its next step."),
    "formal_request.approved": _l("Approved %(object)s."),
    "formal_request.meeting_changed": _l("Recorded the meeting of %(object)s."),
    "formal_request.answers_recorded": _l("Recorded the answers to %(object)s."),
    "formal_request.answer_attached": _l("Attached the written answer to %(object)s."),
    "formal_request.answer_downloaded": _l("Downloaded the written answer to %(object)s."),
    "formal_request.outcome_recorded": _l("Recorded what came of %(object)s."),
    "formal_request.published": _l("Published the confirmed answers of %(object)s."),
    "formal_request.unpublished": _l("Withdrew the confirmed answers of %(object)s."),
    "formal_request.followed_up": _l("Started a follow-up to %(object)s."),
    "formal_request.printed": _l("Printed %(object)s."),
    "formal_request.exported": _l("Downloaded %(object)s as a file."),
    "formal_settings.changed": _l("Changed the settings of formal requests."),
    "petition.created": _l("Drafted %(object)s."),
    "petition.updated": _l("Edited %(object)s."),
    "petition.opened": _l("Opened %(object)s for signatures."),
    "petition.closed": _l("Closed %(object)s."),
    "petition.submitted": _l("Recorded the submission of %(object)s."),
    "petition.anonymised": _l("Deleted the signers' personal data of %(object)s."),
    "petition.marked_invalid": _l("Set signatures of %(object)s aside as invalid."),
    "petition.marked_valid": _l("Counted set-aside signatures of %(object)s again."),
    "petition.rehashed": _l(
        "Compared the signatures of %(object)s again by the current rules for names and addresses."
    ),
    "petition.paper_added": _l("Entered a batch of paper signatures (%(object)s)."),
    "petition.paper_corrected": _l("Corrected a batch of paper signatures (%(object)s)."),
    "petition.list_html": _l("Viewed the signature list of %(object)s."),
    "petition.list_pdf": _l("Downloaded the signature list of %(object)s as PDF."),
    "petition.list_xlsx": _l("Downloaded the signature list of %(object)s as XLSX."),
}

# Reasons the platform writes itself (the log keeps them as written, for exports); shown in
# the reader's language. What a person typed is not a reason but a note (services.record).
_MACHINE_REASONS = [
    (re.compile(r"revision (\d+)"), _l("revision %(n)s")),
    (re.compile(r"file (\d+)"), _l("file #%(n)s")),
    (re.compile(r"follow-up (\d+)"), _l("follow-up formal request #%(n)s")),
    (re.compile(r"(\d+) signatures"), _l("%(n)s signatures")),
    (re.compile(r"(\d+) signatures deleted"), _l("%(n)s signatures deleted")),
    (re.compile(r"closing date passed"), _l("the closing date had passed")),
    (re.compile(r"(\d+) notes"), _l("%(n)s notes")),
]
_STATE_MOVE = re.compile(r"[a-z_]+->[a-z_]+")
_FILE_KIND = re.compile(r"pdf|docx|xlsx|csv|zip")
_REFUSED = re.compile(r"[a-z_]+\.[a-z_]+ (403|404)")  # access.denied: "cases.detail 404"
_FILTERS = re.compile(r"[a-z_]+(?: [a-z_]+)*(?: page=\d+)?|page=\d+")  # audit.viewed


def object_name(kind: str | None, object_id: str | None) -> str:
    """A record as a reader names it: 事例#2, アンケート#1, ページ「rights」."""
    if not kind:
        return gettext("a record")
    label = str(KINDS.get(kind, kind))
    if not object_id:
        return label
    return gettext("%(kind)s #%(id)s", kind=label, id=object_id)


def sentence(action: str, kind: str | None = None, object_id: str | None = None) -> str | None:
    """The entry as a sentence, or ``None`` when the action has none yet (show its code)."""
    template = SENTENCES.get(action)
    if template is None:
        return None
    return str(template) % {"object": object_name(kind, object_id)}


def reason_text(reason: str | None) -> str | Markup:
    """An entry's reason for reading: the platform's own notes translated, codes as code."""
    if not reason:
        return ""
    for pattern, template in _MACHINE_REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return str(template) % {"n": match.group(1) if match.groups() else ""}
    if any(p.fullmatch(reason) for p in (_STATE_MOVE, _FILE_KIND, _REFUSED, _FILTERS)):
        return Markup('<code class="small">%s</code>') % escape(reason)
    return reason


def action_label(action: str) -> str:
    """An action as the filter lists it: its sentence about a record, the code when none."""
    template = SENTENCES.get(action)
    if template is None:
        return action
    kind = action.split(".")[0]
    return str(template) % {"object": object_name(kind if kind in KINDS else None, None)}
