"""The rules of case reports: who may log, edit, move and read a case, and what is recorded.

Services take the session, flush only, and raise ``CaseError`` (a message for the person) or
``attachments.UploadRejected``. Every read of a case's detail or of an attachment is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.cases import attachments as uploads
from campaign.cases import storage, vocab
from campaign.cases.models import (
    Attachment,
    Case,
    CaseAction,
    CaseCategory,
    CaseComment,
    CaseStatsVersion,
)
from campaign.org.models import Branch


class CaseError(Exception):
    """A case could not be changed as asked; the message is shown to the person."""


def bump_stats(db: Session) -> None:
    """Raise the counter under which the dashboard caches its figures (see stats.py)."""
    raised = db.execute(
        update(CaseStatsVersion)
        .where(CaseStatsVersion.id == 1)
        .values(version=CaseStatsVersion.version + 1)
    )
    if raised.rowcount == 0:
        db.add(CaseStatsVersion(id=1, version=1))
    db.flush()


def stats_version(db: Session) -> int:
    """The counter's current value (0 before any change)."""
    return db.scalar(select(CaseStatsVersion.version).where(CaseStatsVersion.id == 1)) or 0


# --- categories -------------------------------------------------------------------------


def seed_categories(db: Session) -> int:
    """Insert DOMAIN.md's categories that are missing (idempotent); return how many were added."""
    existing = set(db.scalars(select(CaseCategory.code)))
    added = 0
    for position, (code, name_ja, name_en) in enumerate(vocab.SEED_CATEGORIES, start=1):
        if code not in existing:
            db.add(CaseCategory(code=code, name_ja=name_ja, name_en=name_en, position=position))
            added += 1
    db.flush()
    return added


def categories(db: Session) -> list[CaseCategory]:
    """All categories in display order."""
    return list(db.scalars(select(CaseCategory).order_by(CaseCategory.position, CaseCategory.id)))


def add_category(db: Session, *, name_ja: str, name_en: str) -> CaseCategory:
    """Headquarters adds a category; names are unique in each language."""
    name_ja, name_en = name_ja.strip(), name_en.strip()
    clash = select(CaseCategory.id).where(
        (CaseCategory.name_ja == name_ja) | (CaseCategory.name_en == name_en)
    )
    if db.scalar(clash) is not None:
        raise CaseError(_l("A category with this name already exists."))
    last = db.scalar(select(func.max(CaseCategory.position))) or 0
    category = CaseCategory(code="", name_ja=name_ja, name_en=name_en, position=last + 1)
    db.add(category)
    db.flush()
    category.code = f"hq-{category.id}"
    db.flush()
    bump_stats(db)
    audit.record(db, "case_category.created", object_kind="case_category", object_id=category.id)
    return category


# --- logging and editing ----------------------------------------------------------------


@dataclass
class CaseInput:
    """What the case form carries."""

    title: str
    workplace: str
    occurred_on: date
    occurred_until: date | None
    category_ids: list[int]
    issuer_kind: str
    issuer_name: str
    channel: str
    staff_affected: int | None
    non_regular: bool
    new_hires: bool
    dependents: bool
    description: str
    files: list[tuple[str, bytes]] = field(default_factory=list)


def can_edit(user: User, case: Case) -> bool:
    """The branch edits its case until headquarters takes it up; headquarters edits any case
    whose content has not been purged."""
    if case.purged_at is not None or not user.can_see_branch(case.branch_id):
        return False
    return user.is_hq or case.state in (vocab.DRAFT, vocab.REPORTED)


def _check(data: CaseInput, db: Session) -> list[CaseCategory]:
    if data.issuer_kind not in vocab.ISSUER_KINDS or data.channel not in vocab.CHANNELS:
        raise CaseError(_l("Choose from the lists."))
    if data.occurred_until is not None and data.occurred_until < data.occurred_on:
        raise CaseError(_l("The end of the period cannot be before its start."))
    chosen = list(
        db.scalars(select(CaseCategory).where(CaseCategory.id.in_(data.category_ids or [0])))
    )
    if not chosen or len(chosen) != len(set(data.category_ids)):
        raise CaseError(_l("Choose at least one category from the list."))
    return chosen


def _clean_files(files: list[tuple[str, bytes]], max_bytes: int) -> list[uploads.CleanFile]:
    """Check every file before anything is saved, so a refused file leaves no half a case."""
    return [uploads.clean(name, data, max_bytes) for name, data in files]


def _apply(case: Case, data: CaseInput, chosen: list[CaseCategory]) -> None:
    case.title = data.title.strip()
    case.workplace = data.workplace.strip()
    case.occurred_on = data.occurred_on
    case.occurred_until = data.occurred_until
    case.occurred_month = data.occurred_on.strftime("%Y-%m")
    case.categories = chosen
    case.issuer_kind = data.issuer_kind
    case.issuer_name = data.issuer_name.strip()
    case.channel = data.channel
    case.staff_affected = data.staff_affected
    case.non_regular, case.new_hires, case.dependents = (
        data.non_regular,
        data.new_hires,
        data.dependents,
    )
    case.description = data.description
    case.updated_at = clock.now()


def _store(db: Session, case: Case, user: User, cleaned: list[uploads.CleanFile]) -> None:
    for item in cleaned:
        attachment = Attachment(
            case=case,
            filename=item.filename,
            media_type=item.media_type,
            size=len(item.data),
            sealed=storage.seal(item.data),
            uploaded_by_id=user.id,
        )
        db.add(attachment)
        db.flush()
        audit.record(
            db,
            "case_attachment.uploaded",
            object_kind="case_attachment",
            object_id=attachment.id,
            branch_id=case.branch_id,
        )


def create_case(
    db: Session,
    user: User,
    data: CaseInput,
    *,
    branch_id: int | None = None,
    submit: bool = False,
    max_bytes: int,
) -> Case:
    """Log a case for the officer's own branch (headquarters names the branch)."""
    if not user.is_hq:
        branch_id = user.branch_id
    branch = db.get(Branch, branch_id) if branch_id is not None else None
    if branch is None or not user.can_see_branch(branch.id):
        raise CaseError(_l("Choose a branch from the list."))
    chosen = _check(data, db)
    cleaned = _clean_files(data.files, max_bytes)
    case = Case(
        branch_id=branch.id,
        prefecture_code=branch.prefecture_code,
        state=vocab.DRAFT,
        created_by_id=user.id,
    )
    _apply(case, data, chosen)
    db.add(case)
    db.flush()
    audit.record(db, "case.created", object_kind="case", object_id=case.id, branch_id=branch.id)
    _store(db, case, user, cleaned)
    bump_stats(db)
    if submit:
        submit_case(db, case, user)
    return case


def update_case(
    db: Session, case: Case, user: User, data: CaseInput, *, submit: bool = False, max_bytes: int
) -> Case:
    """Change a case's content and add any new attachments."""
    if not can_edit(user, case):
        raise CaseError(_l("This case can no longer be edited here."))
    chosen = _check(data, db)
    cleaned = _clean_files(data.files, max_bytes)
    _apply(case, data, chosen)
    db.flush()
    audit.record(
        db, "case.updated", object_kind="case", object_id=case.id, branch_id=case.branch_id
    )
    _store(db, case, user, cleaned)
    bump_stats(db)
    if submit and case.state == vocab.DRAFT:
        submit_case(db, case, user)
    return case


# --- workflow ---------------------------------------------------------------------------


def allowed_states(user: User, case: Case) -> tuple[str, ...]:
    """The states this person may move the case to now.

    A draft is its branch's own until the branch reports it: only an officer of that branch
    (or the headquarters member who logged it for the branch) may report it, and nobody may
    move it anywhere else. After that, headquarters moves it along the workflow's table.
    """
    if case.state == vocab.DRAFT:
        own = (
            user.branch_id is not None and user.branch_id == case.branch_id
        ) or case.created_by_id == user.id
        return vocab.WORKFLOW.targets(vocab.DRAFT) if own else ()
    return vocab.WORKFLOW.targets(case.state) if user.is_hq else ()


def _move(db: Session, case: Case, user: User, to_state: str, body: str = "") -> None:
    if to_state not in allowed_states(user, case):
        raise CaseError(_l("This change of state is not allowed."))
    if body.strip() and case.purged_at is not None:
        # The purge never looks at a case twice: new text on a purged case would stay forever.
        raise CaseError(_l("This case's content has been deleted after its retention period."))
    now = clock.now()
    db.add(
        CaseComment(
            case=case, author_id=user.id, body=body, from_state=case.state, to_state=to_state
        )
    )
    case.state = to_state
    case.updated_at = now
    if to_state == vocab.REPORTED and case.reported_at is None:
        case.reported_at = now
    case.closed_at = now if to_state in vocab.CLOSED else None
    db.flush()
    bump_stats(db)
    audit.record(
        db,
        "case.state_changed",
        object_kind="case",
        object_id=case.id,
        branch_id=case.branch_id,
        reason=to_state,
    )


def submit_case(db: Session, case: Case, user: User) -> None:
    """The branch reports its draft to headquarters."""
    _move(db, case, user, vocab.REPORTED)


def comment(db: Session, case: Case, user: User, *, body: str, to_state: str | None) -> None:
    """Headquarters comments, changing the state if it says so; the branch may comment too."""
    body = body.strip()
    if to_state:
        _move(db, case, user, to_state, body)
        return
    if not body:
        raise CaseError(_l("Write a comment or choose a new state."))
    if case.purged_at is not None:
        raise CaseError(_l("This case's content has been deleted after its retention period."))
    db.add(CaseComment(case=case, author_id=user.id, body=body))
    case.updated_at = clock.now()
    db.flush()
    audit.record(
        db, "case.commented", object_kind="case", object_id=case.id, branch_id=case.branch_id
    )


def add_action(
    db: Session, case: Case, user: User, *, kind: str, happened_on: date, note: str
) -> CaseAction:
    """Put a dated step on the case's timeline, recording who wrote it."""
    if kind not in vocab.ACTION_KINDS:
        raise CaseError(_l("Choose from the lists."))
    if case.purged_at is not None or case.state == vocab.DRAFT:
        raise CaseError(_l("Steps can be recorded once the case has been reported."))
    action = CaseAction(
        case=case, kind=kind, happened_on=happened_on, note=note.strip(), recorded_by_id=user.id
    )
    db.add(action)
    case.updated_at = clock.now()
    db.flush()
    audit.record(
        db,
        "case.action_recorded",
        object_kind="case",
        object_id=case.id,
        branch_id=case.branch_id,
    )
    return action


def record_view(db: Session, case: Case, *, reason: str | None = None) -> None:
    """Note in the audit log that the logged-in person read the case's detail (``reason``
    says "edit" when it was read in the edit form)."""
    audit.record(
        db,
        "case.viewed",
        object_kind="case",
        object_id=case.id,
        branch_id=case.branch_id,
        reason=reason,
    )


def open_attachment(db: Session, case: Case, attachment_id: int) -> tuple[Attachment, bytes]:
    """Decrypt an attachment of a case the person may see (the caller checked), audited."""
    attachment = db.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise LookupError(attachment_id)
    plaintext = storage.unseal(attachment.sealed)
    audit.record(
        db,
        "case_attachment.downloaded",
        object_kind="case_attachment",
        object_id=attachment.id,
        branch_id=case.branch_id,
    )
    return attachment, plaintext
