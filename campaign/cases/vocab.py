"""The fixed vocabularies of a case: states, issuers, channels, timeline steps, and the
categories seeded from DOMAIN.md (headquarters may add more categories later)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.workflow import StateMachine

DRAFT, REPORTED, HQ_REVIEWING, IN_ACTION = "draft", "reported", "hq_reviewing", "in_action"
RESOLVED, WITHDRAWN, MONITORING = "resolved", "withdrawn", "monitoring"

STATES = {
    DRAFT: _l("Draft"),
    REPORTED: _l("Reported"),
    HQ_REVIEWING: _l("Under review by headquarters"),
    IN_ACTION: _l("In action"),
    RESOLVED: _l("Resolved"),
    WITHDRAWN: _l("Withdrawn"),
    MONITORING: _l("Monitoring"),
}
# Which state may follow which. Only the branch's submission leaves a draft; headquarters
# moves everything after that.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (REPORTED,),
    REPORTED: (HQ_REVIEWING, IN_ACTION, WITHDRAWN),
    HQ_REVIEWING: (IN_ACTION, RESOLVED, WITHDRAWN, MONITORING),
    IN_ACTION: (RESOLVED, WITHDRAWN, MONITORING),
    MONITORING: (IN_ACTION, RESOLVED, WITHDRAWN),
    RESOLVED: (MONITORING, IN_ACTION),
    WITHDRAWN: (IN_ACTION,),
}
WORKFLOW = StateMachine(TRANSITIONS, STATES)
# A case in one of these states is closed; the retention period runs from then.
CLOSED = frozenset({RESOLVED, WITHDRAWN})

ISSUER_KINDS = {
    "national": _l("National government (ministry)"),
    "prefecture": _l("Prefecture"),
    "municipality": _l("Municipality"),
    "mutual_aid": _l("Mutual-aid association"),
    "public_body": _l("Special-purpose body or independent agency"),
    "other": _l("Other"),
}

CHANNELS = {
    "written": _l("Written notice"),
    "email": _l("Email"),
    "meeting": _l("Meeting"),
    "spoken": _l("Spoken"),
}

ACTION_KINDS = {
    "request": _l("Request to the authority"),
    "negotiation": _l("Negotiation"),
    "answer": _l("The authority's answer"),
    "withdrawal": _l("The measure was withdrawn"),
    "other": _l("Other step"),
}

# (code, Japanese, English), in DOMAIN.md's order.
SEED_CATEGORIES = (
    ("bulk_forms", "申請書の一括配布", "Pre-printed forms distributed at work"),
    ("forms_collected", "職場での申請書回収", "Forms collected at work"),
    ("status_survey", "取得状況調査", "Status surveys"),
    ("reasons_asked", "不取得理由の記入要求", "Asked to give reasons for having no card"),
    ("dependents", "被扶養者への勧奨", "Dependents targeted"),
    ("non_regular_new", "非常勤・新規採用者への勧奨", "Non-regular or new staff targeted"),
    ("staff_id", "職員証との一体化", "Merged with the staff ID card"),
    ("attendance", "出退勤管理での利用", "Used for attendance"),
    ("mutual_aid_data", "共済組合の個人情報流用", "Mutual-aid data used without consent"),
    ("disadvantage", "不利益取扱い・示唆", "Disadvantage, or hints of it"),
    ("health_insurance", "健康保険証利用の誘導", "Pushed to use it as health-insurance card"),
    ("other", "その他", "Other"),
)
