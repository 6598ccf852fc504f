"""Drafting formal requests: the header, addressees, items and sub-items, their order, and a
revision for every save. Services take the session, flush, and raise ``FormalError``; the
request commits once (or rolls back when a service refused).

Who may do what sits here, next to the data: ``can_edit`` (a draft, seen by the person),
``can_approve`` (four eyes: anyone but the drafter who may see it, headquarters or the same
branch). The workflow after approval lives in ``workflow.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from campaign import clock
from campaign import db as campaign_db
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.cases.models import Case
from campaign.formal_requests import evidence, vocab
from campaign.formal_requests.errors import FormalError
from campaign.formal_requests.models import (
    Addressee,
    FormalRequest,
    FormalSettings,
    Item,
    Revision,
)


@dataclass
class AddresseeInput:
    """One addressee as typed."""

    organisation: str = ""
    title: str = ""
    name: str = ""
    honorific: str = "殿"

    @property
    def blank(self) -> bool:
        """A row left empty in the form."""
        return not (self.organisation.strip() or self.title.strip() or self.name.strip())


@dataclass
class HeaderInput:
    """Everything of a request except its items."""

    subject: str
    preamble: str = ""
    document_number: str = ""
    dated_on: date | None = None
    era_dates: bool = True
    appendix: bool = False
    addressees: list[AddresseeInput] = field(default_factory=list)


# --- settings ---------------------------------------------------------------------------


def settings_scope(branch_id: int | None) -> str:
    """The settings row of headquarters or of one branch."""
    return "hq" if branch_id is None else f"branch:{branch_id}"


DEFAULT_FIELDS = (
    "scope",
    "branch_id",
    "organisation",
    "representative",
    "overdue_days",
    "evidence_minimum",
)


def settings_for(db: Session, branch_id: int | None) -> FormalSettings:
    """The sender settings of headquarters or a branch (an unsaved default if none yet)."""
    row = db.scalar(select(FormalSettings).where(FormalSettings.scope == settings_scope(branch_id)))
    if row is None:
        row = FormalSettings(
            scope=settings_scope(branch_id),
            branch_id=branch_id,
            organisation="",
            representative="",
            overdue_days=30,
            evidence_minimum=3,
        )
    return row


def hq_settings(db: Session) -> FormalSettings:
    """Headquarters' settings: they also hold the overdue days and the evidence minimum."""
    return settings_for(db, None)


def save_settings(
    db: Session,
    user: User,
    branch_id: int | None,
    *,
    organisation: str,
    representative: str,
    overdue_days: int | None = None,
    evidence_minimum: int | None = None,
) -> FormalSettings:
    """Store the sender (and, for headquarters, the thresholds)."""
    if branch_id is None and not user.is_hq:
        raise FormalError(_l("Only headquarters may change headquarters' settings."))
    scope = settings_scope(branch_id)
    default = settings_for(db, branch_id)
    if default.id is None:  # the first save: two at once must not both insert it
        values = {c: getattr(default, c) for c in DEFAULT_FIELDS} | {"updated_at": clock.now()}
        campaign_db.insert_missing(db, FormalSettings, values, key=("scope",))
    row = db.scalar(select(FormalSettings).where(FormalSettings.scope == scope).with_for_update())
    row.organisation = organisation.strip()
    row.representative = representative.strip()
    if branch_id is None:
        if overdue_days is not None:
            row.overdue_days = overdue_days
        if evidence_minimum is not None:
            if evidence_minimum < evidence.MIN_MINIMUM:
                raise FormalError(
                    _l(
                        "The appendix's smallest count must be at least %(minimum)d.",
                        minimum=evidence.MIN_MINIMUM,
                    )
                )
            row.evidence_minimum = evidence_minimum
    row.updated_at = clock.now()
    db.add(row)
    db.flush()
    audit.record(
        db,
        "formal_settings.changed",
        object_kind="formal_settings",
        object_id=row.id,
        branch_id=branch_id,
    )
    return row


# --- permissions ------------------------------------------------------------------------


def visible_requests(user: User):
    """A SELECT of the requests this person may see (officers: their branch's only)."""
    stmt = select(FormalRequest)
    if not user.is_hq:
        stmt = stmt.where(FormalRequest.branch_id == user.branch_id)
    return stmt


def can_edit(user: User, request: FormalRequest) -> bool:
    """The wording changes only while a draft, and only by those who may see the request."""
    return request.is_draft and user.can_see_branch(request.branch_id)


def wrote_wording(user: User, request: FormalRequest) -> bool:
    """Whether this person drafted the request or saved any revision of its wording."""
    if user.id == request.drafted_by_id:
        return True
    session = object_session(request)
    return (
        session is not None
        and session.scalar(
            select(Revision.id)
            .where(Revision.request_id == request.id, Revision.saved_by_id == user.id)
            .limit(1)
        )
        is not None
    )


def can_approve(user: User, request: FormalRequest, *, wrote: bool | None = None) -> bool:
    """Four eyes: a second person approves, never one who wrote any of the wording (the
    drafter, or a colleague who edited it: approving one's own words is no second look).
    ``wrote`` is ``wrote_wording(user, request)`` when the caller has it already."""
    if request.state != vocab.DRAFT:
        return False
    if wrote if wrote is not None else wrote_wording(user, request):
        return False
    if request.branch_id is None:
        return user.is_hq
    return user.can_see_branch(request.branch_id)


def can_manage(user: User, request: FormalRequest) -> bool:
    """Moving a request on (sending, meetings, answers, outcomes)."""
    return user.can_see_branch(request.branch_id)


def _require_draft(db: Session, user: User, request: FormalRequest) -> None:
    # The request's row lock first (PostgreSQL; on SQLite the write lock is held already):
    # two saves of one draft at the same moment happen one after the other, each seeing the
    # other's items, positions and revision number (review R2-17: six parallel saves had all
    # been numbered revision 2).
    db.execute(select(FormalRequest.id).where(FormalRequest.id == request.id).with_for_update())
    db.refresh(request)
    if not request.is_draft:
        raise FormalError(
            _l("Only a draft can be changed. Return it to draft first (its approval then lapses).")
        )
    if not user.can_see_branch(request.branch_id):
        raise FormalError(_l("This request is not yours to change."))


# --- drafting ---------------------------------------------------------------------------


def _clean_line(text: str) -> str:
    """One line, outer spaces trimmed; a full-width space inside (山田　太郎) is kept."""
    return re.sub(r"[ \t\r\n]+", " ", text or "").strip(" \t\r\n\u3000")


def _check_header(data: HeaderInput) -> list[AddresseeInput]:
    if not _clean_line(data.subject):
        raise FormalError(_l("Enter the subject."))
    addressees = [a for a in data.addressees if not a.blank]
    if not addressees:
        raise FormalError(_l("Enter at least one addressee."))
    if len(addressees) > vocab.MAX_ADDRESSEES:
        raise FormalError(
            _l("A request has at most %(count)d addressees.", count=vocab.MAX_ADDRESSEES)
        )
    for a in addressees:
        if a.honorific not in vocab.HONORIFICS:
            raise FormalError(_l("Choose 殿 or 様 for each addressee."))
    return addressees


def _apply_header(db: Session, request: FormalRequest, data: HeaderInput) -> None:
    addressees = _check_header(data)
    request.subject = _clean_line(data.subject)
    request.preamble = (data.preamble or "").strip()
    request.document_number = _clean_line(data.document_number)
    request.dated_on = data.dated_on
    request.era_dates = bool(data.era_dates)
    request.appendix = bool(data.appendix)
    for old in list(request.addressees):
        request.addressees.remove(old)
    db.flush()
    for position, a in enumerate(addressees):
        request.addressees.append(
            Addressee(
                position=position,
                organisation=_clean_line(a.organisation),
                title=_clean_line(a.title),
                name=_clean_line(a.name),
                honorific=a.honorific,
            )
        )


def _sender(db: Session, request: FormalRequest) -> None:
    """While a draft, the sender follows the settings (headquarters' or the branch's)."""
    settings = settings_for(db, request.branch_id)
    organisation = settings.organisation
    if not organisation and request.branch is not None:
        organisation = request.branch.name
    request.sender_organisation = organisation
    request.sender_representative = settings.representative


def create_request(
    db: Session, user: User, data: HeaderInput, *, branch_id: int | None = None
) -> FormalRequest:
    """A new draft: headquarters' own, or (for an officer, always) their branch's."""
    if not user.is_hq:
        branch_id = user.branch_id
    request = FormalRequest(
        branch_id=branch_id,
        state=vocab.DRAFT,
        subject="",
        drafted_by_id=user.id,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    db.add(request)
    db.flush()
    db.refresh(request)
    _apply_header(db, request, data)
    _sender(db, request)
    db.flush()
    audit.record(
        db,
        "formal_request.created",
        object_kind="formal_request",
        object_id=request.id,
        branch_id=request.branch_id,
    )
    save_revision(db, request, user)
    return request


def update_header(db: Session, request: FormalRequest, user: User, data: HeaderInput) -> None:
    """Change the header and addressees of a draft (one revision)."""
    _require_draft(db, user, request)
    _apply_header(db, request, data)
    _sender(db, request)
    _touched(db, request, user, "formal_request.edited")


def _touched(db: Session, request: FormalRequest, user: User, action: str) -> None:
    request.updated_at = clock.now()
    db.flush()
    db.expire(request, ["items", "addressees"])
    audit.record(
        db, action, object_kind="formal_request", object_id=request.id, branch_id=request.branch_id
    )
    save_revision(db, request, user)


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise FormalError(_l("Enter the text of the item."))
    if len(body) > vocab.ITEM_MAX:
        raise FormalError(
            _l(
                "An item may have at most %(max)d characters; this one has %(count)d. "
                "Split it into sub-items.",
                max=vocab.ITEM_MAX,
                count=len(body),
            )
        )
    return body


def _siblings(db: Session, request: FormalRequest, parent_id: int | None) -> list[Item]:
    stmt = select(Item).where(Item.request_id == request.id).order_by(Item.position, Item.id)
    stmt = stmt.where(
        Item.parent_id.is_(None) if parent_id is None else Item.parent_id == parent_id
    )
    return list(db.scalars(stmt))


def _item_of(db: Session, request: FormalRequest, item_id: int | None) -> Item:
    item = db.get(Item, item_id) if item_id is not None else None
    if item is None or item.request_id != request.id:
        raise LookupError(item_id)
    return item


def add_item(
    db: Session,
    request: FormalRequest,
    user: User,
    *,
    body: str,
    parent_id: int | None = None,
    case_ids: list[int] | None = None,
    follows_item_id: int | None = None,
    record: bool = True,
) -> Item:
    """Append an item (or a sub-item of ``parent_id``) to a draft."""
    _require_draft(db, user, request)
    body = _check_body(body)
    total = db.scalar(select(func.count()).select_from(Item).where(Item.request_id == request.id))
    if (total or 0) >= vocab.MAX_ITEMS:
        raise FormalError(_l("A request has at most %(count)d items.", count=vocab.MAX_ITEMS))
    if parent_id is not None:
        try:
            parent = _item_of(db, request, parent_id)
        except LookupError as error:
            raise FormalError(_l("Choose an item of this request.")) from error
        if parent.parent_id is not None:
            raise FormalError(_l("A sub-item cannot have sub-items of its own."))
    siblings = _siblings(db, request, parent_id)
    item = Item(
        request_id=request.id,
        parent_id=parent_id,
        position=(siblings[-1].position + 1) if siblings else 0,
        body=body,
        follows_item_id=follows_item_id,
        answer="",
        answer_en="",
    )
    db.add(item)
    db.flush()
    if case_ids:
        evidence.cite(db, item, user, case_ids)
    if record:
        _touched(db, request, user, "formal_request.item_added")
    return item


def edit_item(
    db: Session,
    request: FormalRequest,
    user: User,
    item_id: int,
    *,
    body: str,
    case_ids: list[int] | None = None,
) -> Item:
    """Reword an item of a draft and replace the cases it cites."""
    _require_draft(db, user, request)
    item = _item_of(db, request, item_id)
    item.body = _check_body(body)
    evidence.cite(db, item, user, case_ids or [], replace=True)
    _touched(db, request, user, "formal_request.item_edited")
    return item


def move_item(db: Session, request: FormalRequest, user: User, item_id: int, step: int) -> None:
    """Move an item one place up (``step`` -1) or down (+1) among its siblings."""
    _require_draft(db, user, request)
    item = _item_of(db, request, item_id)
    siblings = _siblings(db, request, item.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.id == item.id)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    _touched(db, request, user, "formal_request.item_moved")


def remove_item(db: Session, request: FormalRequest, user: User, item_id: int) -> None:
    """Remove an item (with its sub-items) from a draft; the revisions keep its wording."""
    _require_draft(db, user, request)
    item = _item_of(db, request, item_id)
    parent_id = item.parent_id
    for child in _siblings(db, request, item.id):
        db.delete(child)
    db.delete(item)
    db.flush()
    for position, sibling in enumerate(_siblings(db, request, parent_id)):
        sibling.position = position
    _touched(db, request, user, "formal_request.item_removed")


# --- revisions --------------------------------------------------------------------------


def snapshot(request: FormalRequest) -> dict:
    """The wording of a request, as stored in a revision and compared between revisions."""
    return {
        "subject": request.subject,
        "document_number": request.document_number,
        "dated_on": request.dated_on.isoformat() if request.dated_on else None,
        "preamble": request.preamble,
        "addressees": [
            {"organisation": a.organisation, "line": a.line} for a in request.addressees
        ],
        "items": [
            {
                "body": item.body,
                "cases": sorted(evidence.cited_ids(item)),
                "children": [{"body": c.body} for c in item.children],
            }
            for item in request.items
        ],
    }


def save_revision(db: Session, request: FormalRequest, user: User) -> Revision:
    """Keep the wording as it is now as the next revision."""
    request.revision = (request.revision or 0) + 1
    revision = Revision(
        request_id=request.id,
        number=request.revision,
        snapshot=json.dumps(snapshot(request), ensure_ascii=False),
        saved_by_id=user.id,
        saved_at=clock.now(),
    )
    db.add(revision)
    db.flush()
    return revision


def revisions(db: Session, request: FormalRequest) -> list[Revision]:
    """Every revision of a request, newest first."""
    return list(
        db.scalars(
            select(Revision)
            .where(Revision.request_id == request.id)
            .order_by(Revision.number.desc())
        )
    )


def visible_case_ids(db: Session, user: User, snapshots: list[dict]) -> set[int]:
    """Of the cases the snapshots cite, those this person may see (for ``revision_text``)."""
    ids = {c for data in snapshots for item in data["items"] for c in item["cases"]}
    if user.is_hq or not ids:
        return ids
    return set(
        db.scalars(select(Case.id).where(Case.id.in_(ids), Case.branch_id == user.branch_id))
    )


def revision_text(data: dict, visible: set[int] | None = None) -> list[str]:
    """A revision as lines of text, for reading and for the diff against the one before.
    Cases outside ``visible`` (the reader may not see them) are named only as others."""
    lines = [
        gettext("Subject: %(value)s", value=data["subject"]),
        gettext("Document number: %(value)s", value=data.get("document_number") or ""),
    ]
    lines += [
        gettext(
            "Addressee: %(value)s",
            value="\u3000".join(filter(None, (a["organisation"], a["line"]))),
        )
        for a in data["addressees"]
    ]
    lines += ["", *data["preamble"].splitlines(), "", "記"]
    for number, item in enumerate(data["items"], start=1):
        lines.append(f"{number}．{item['body']}")
        shown = [c for c in item["cases"] if visible is None or c in visible]
        words = [f"#{c}" for c in shown]
        if len(shown) < len(item["cases"]):
            words.append(gettext("cases of other branches"))
        if words:
            cases = gettext(", ").join(words)
            lines.append("\u3000" + gettext("Cases it rests on: %(value)s", value=cases))
        for sub, child in enumerate(item["children"], start=1):
            lines.append(f"\u3000（{sub}）{child['body']}")
    return lines
