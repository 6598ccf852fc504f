"""Audit entries as sentences in the reader's language; the codes stay for filters and exports.

The log stores codes (``case.state_changed``, ``survey 2``) so that it can be filtered and
exported the same way in every language; a person reading it sees 「事例#2の状態を変更しました。」.
An action without a sentence here is shown by its code, so a new feature's entries are never
hidden.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

KINDS = {
    "case": _l("case"),
    "case_attachment": _l("attachment"),
    "case_category": _l("case category"),
    "survey": _l("survey"),
    "page": _l("page"),
    "user": _l("account"),
    "account": _l("account"),
    "branch": _l("branch"),
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
}


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
