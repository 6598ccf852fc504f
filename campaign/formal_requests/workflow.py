"""After drafting: approval (four eyes), sending, the meeting, the answers item by item, the
written answer received, outcomes, publication, and follow-up requests chained item by item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.dates import local_today
from campaign.formal_requests import answer_files, evidence, vocab
from campaign.formal_requests.models import AnswerFile, FormalRequest, Item, Outcome
from campaign.formal_requests.services import (
    FormalError,
    add_item,
    can_approve,
    can_manage,
    hq_settings,
    save_revision,
    visible_requests,
    wrote_wording,
)


def _audit(db: Session, request: FormalRequest, action: str, reason: str | None = None) -> None:
    audit.record(
        db,
        action,
        object_kind="formal_request",
        object_id=request.id,
        branch_id=request.branch_id,
        reason=reason,
    )


def _move(db: Session, request: FormalRequest, to_state: str) -> None:
    if to_state not in vocab.TRANSITIONS[request.state]:
        raise FormalError(
            _l(
                "A request that is %(state)s cannot become %(target)s.",
                state=vocab.STATES[request.state],
                target=vocab.STATES[to_state],
            )
        )
    from_state, request.state = request.state, to_state
    request.updated_at = clock.now()
    db.flush()
    _audit(db, request, "formal_request.state", reason=f"{from_state}->{to_state}")


def approve(
    db: Session, request: FormalRequest, user: User, *, revision: int | None = None
) -> None:
    """A second person approves the draft; no one who wrote any of its wording can. They
    approve the ``revision`` they read (the page sends it; ``None`` is the current one, for the
    platform's own callers): if the wording changed since, as when a colleague's edit landed
    between their reading and their click, nothing is approved and they are told to read it
    again (review R3-23)."""
    db.execute(select(FormalRequest.id).where(FormalRequest.id == request.id).with_for_update())
    db.refresh(request)
    if revision is not None and revision != request.revision:
        raise FormalError(
            _l(
                "The wording of this request changed after you opened the page, so it was not "
                "approved. Read it again, then approve it."
            )
        )
    if request.state == vocab.DRAFT and user.id == request.drafted_by_id:
        raise FormalError(
            _l("The person who drafted a request cannot approve it. Ask a colleague.")
        )
    wrote = request.state == vocab.DRAFT and wrote_wording(user, request)
    if wrote:
        raise FormalError(
            _l(
                "You have edited the wording of this request, so you cannot approve it. "
                "Ask a colleague who has not edited it."
            )
        )
    if not can_approve(user, request, wrote=wrote):
        raise FormalError(_l("You cannot approve this request."))
    if not request.items:
        raise FormalError(_l("A request needs at least one item before it is approved."))
    request.approved_by_id = user.id
    request.approved_at = clock.now()
    if request.dated_on is None:
        request.dated_on = local_today()
    minimum = hq_settings(db).evidence_minimum
    evidence.keep(db, request, minimum, local_today())
    _move(db, request, vocab.APPROVED)
    _audit(db, request, "formal_request.approved", reason=f"revision {request.revision}")


def reopen(db: Session, request: FormalRequest, user: User) -> None:
    """Back to draft to change the wording; the approval lapses and is needed again."""
    if not can_manage(user, request):
        raise FormalError(_l("You cannot change this request."))
    _move(db, request, vocab.DRAFT)
    request.approved_by_id = None
    request.approved_at = None
    db.flush()


def send(db: Session, request: FormalRequest, user: User, *, sent_on: date, how: str) -> None:
    """The approved request was handed over (date and how: by hand, post, fax, e-mail)."""
    if not can_manage(user, request):
        raise FormalError(_l("You cannot change this request."))
    if request.approved_by_id is None:
        raise FormalError(_l("A request counts as sent only once a second person approved it."))
    if not how.strip():
        raise FormalError(_l("Say how the request was submitted."))
    request.sent_on, request.sent_how = sent_on, " ".join(how.split())
    _move(db, request, vocab.SENT)


def record_meeting(
    db: Session,
    request: FormalRequest,
    user: User,
    *,
    met_on: date,
    place: str,
    ours: str,
    theirs: str,
) -> None:
    """The meeting (交渉) took place: date, place, and who attended, as offices."""
    if not can_manage(user, request):
        raise FormalError(_l("You cannot change this request."))
    if request.sent_on and met_on < request.sent_on:
        raise FormalError(_l("The meeting cannot be before the request was sent."))
    request.met_on = met_on
    request.meeting_place = " ".join(place.split())
    request.attendees_ours = " ".join(ours.split())
    request.attendees_theirs = " ".join(theirs.split())
    if request.state == vocab.SENT:
        _move(db, request, vocab.MET)
    else:
        db.flush()
        _audit(db, request, "formal_request.meeting_changed")


@dataclass
class AnswerInput:
    """The answer to one item as typed."""

    item_id: int
    standing: str | None
    answer: str = ""
    answer_en: str = ""


def record_answers(
    db: Session,
    request: FormalRequest,
    user: User,
    answers: list[AnswerInput],
    *,
    answered_on: date | None,
) -> None:
    """Record the answers item by item; once every item has a standing, it is answered."""
    if not can_manage(user, request):
        raise FormalError(_l("You cannot change this request."))
    if request.state not in vocab.ANSWERABLE:
        raise FormalError(_l("Answers are recorded once the request has been sent."))
    items = {item.id: item for item in request.items}
    for entry in answers:
        item = items.get(entry.item_id)
        if item is None:
            raise FormalError(_l("Answer the items of this request only."))
        if entry.standing not in (None, "", *vocab.STANDINGS):
            raise FormalError(_l("Choose what the answer to each item amounts to."))
        if len(entry.answer) > vocab.ANSWER_MAX or len(entry.answer_en) > vocab.ANSWER_MAX:
            raise FormalError(
                _l("An answer may have at most %(max)d characters.", max=vocab.ANSWER_MAX)
            )
        if entry.answer.strip() and not entry.standing:
            raise FormalError(
                _l(
                    "Choose what the answer to item %(number)d amounts to.",
                    number=item.position + 1,
                )
            )
        item.standing = entry.standing or None
        item.answer = entry.answer.strip()
        item.answer_en = entry.answer_en.strip()
        item.answered_at = clock.now() if item.standing else None
    db.flush()
    _audit(db, request, "formal_request.answers_recorded")
    if all(item.standing for item in request.items):
        if answered_on is None:
            raise FormalError(_l("Enter the date of the answer."))
        if request.sent_on and answered_on < request.sent_on:
            raise FormalError(_l("The answer cannot be before the request was sent."))
        request.answered_on = answered_on
        if request.state != vocab.ANSWERED:
            _move(db, request, vocab.ANSWERED)


def close(db: Session, request: FormalRequest, user: User) -> None:
    """Nothing more to do on this request (a follow-up may carry its open items on)."""
    if not can_manage(user, request):
        raise FormalError(_l("You cannot change this request."))
    _move(db, request, vocab.CLOSED)
    request.closed_on = local_today()
    db.flush()


def attach_answer(
    db: Session, request: FormalRequest, user: User, filename: str, data: bytes, max_bytes: int
) -> AnswerFile:
    """Keep the authority's written answer (type checked, metadata stripped, sealed)."""
    if not can_manage(user, request) or request.state not in vocab.ANSWERABLE | {vocab.CLOSED}:
        raise FormalError(_l("A written answer is attached once the request has been sent."))
    stored = answer_files.store(filename, data, max_bytes)
    file = AnswerFile(
        request_id=request.id, uploaded_by_id=user.id, uploaded_at=clock.now(), **stored
    )
    db.add(file)
    db.flush()
    _audit(db, request, "formal_request.answer_attached", reason=f"file {file.id}")
    return file


def open_answer(db: Session, request: FormalRequest, file_id: int) -> tuple[AnswerFile, bytes]:
    """Decrypt a written answer for download (audited)."""
    file = db.get(AnswerFile, file_id)
    if file is None or file.request_id != request.id:
        raise LookupError(file_id)
    data = answer_files.open_sealed(file.sealed)
    _audit(db, request, "formal_request.answer_downloaded", reason=f"file {file.id}")
    return file, data


def add_outcome(
    db: Session,
    request: FormalRequest,
    user: User,
    *,
    happened_on: date,
    description: str,
    description_en: str = "",
) -> Outcome:
    """What came of the answers, with its date."""
    if not can_manage(user, request) or request.state not in (
        vocab.ANSWERED,
        vocab.CLOSED,
        vocab.MET,
    ):
        raise FormalError(_l("Outcomes are recorded once the request has been answered."))
    if not description.strip():
        raise FormalError(_l("Describe the outcome."))
    if len(description) > vocab.ANSWER_MAX or len(description_en) > vocab.ANSWER_MAX:
        raise FormalError(
            _l("An outcome may have at most %(max)d characters.", max=vocab.ANSWER_MAX)
        )
    outcome = Outcome(
        request_id=request.id,
        happened_on=happened_on,
        description=description.strip(),
        description_en=description_en.strip(),
        recorded_by_id=user.id,
        recorded_at=clock.now(),
    )
    db.add(outcome)
    db.flush()
    _audit(db, request, "formal_request.outcome_recorded")
    return outcome


def set_published(db: Session, request: FormalRequest, user: User, published: bool) -> None:
    """Headquarters shows (or withdraws) the confirmed answers on the public pages."""
    if not user.is_hq or request.branch_id is not None:
        raise FormalError(_l("Only headquarters publishes its own requests' answers."))
    if published and request.state not in (vocab.ANSWERED, vocab.CLOSED):
        raise FormalError(_l("Only answered requests can be published."))
    request.published_at = clock.now() if published else None
    db.flush()
    _audit(db, request, "formal_request.published" if published else "formal_request.unpublished")


# --- follow-ups and chains --------------------------------------------------------------


def follow_up(db: Session, request: FormalRequest, user: User) -> FormalRequest:
    """A new draft (再要請) to the same addressees, its items prefilled from the items not
    fully confirmed, each linked to the item it follows up and citing the same cases."""
    from campaign.formal_requests.services import AddresseeInput, HeaderInput, create_request

    if not can_manage(user, request):
        raise FormalError(_l("You cannot follow up this request."))
    if request.state not in (vocab.ANSWERED, vocab.CLOSED):
        raise FormalError(_l("A follow-up is made from an answered request."))
    # One follow-up per request (a double click made two, and the chain of rounds could show
    # only one of them): under the request's row lock, so two at the same moment make one.
    db.execute(select(FormalRequest.id).where(FormalRequest.id == request.id).with_for_update())
    existing = db.scalar(select(FormalRequest.id).where(FormalRequest.follows_id == request.id))
    if existing is not None:
        raise FormalError(
            _l(
                "This request already has a follow-up (request #%(number)d): continue with it.",
                number=existing,
            )
        )
    open_items = [item for item in request.items if not item.fully_confirmed]
    if not open_items:
        raise FormalError(_l("Every item was confirmed: there is nothing to follow up."))
    subject = (
        request.subject if request.subject.startswith("再要請") else f"再要請：{request.subject}"
    )
    header = HeaderInput(
        subject=subject[: vocab.SUBJECT_MAX],
        preamble=request.preamble,
        era_dates=request.era_dates,
        appendix=request.appendix,
        addressees=[
            AddresseeInput(a.organisation, a.title, a.name, a.honorific) for a in request.addressees
        ],
    )
    follow = create_request(db, user, header, branch_id=request.branch_id)
    follow.follows_id = request.id
    for item in open_items:
        new = add_item(
            db,
            follow,
            user,
            body=item.body,
            case_ids=[],
            follows_item_id=item.id,
            record=False,
        )
        new.cases = list(item.cases)
        for child in item.children:
            add_item(db, follow, user, body=child.body, parent_id=new.id, record=False)
    db.flush()
    db.expire(follow, ["items"])
    save_revision(db, follow, user)
    _audit(db, request, "formal_request.followed_up", reason=f"follow-up {follow.id}")
    return follow


def chain_requests(db: Session, request: FormalRequest, user: User) -> list[FormalRequest]:
    """Every round of the chain the request belongs to, oldest first (only those visible)."""
    root = request
    seen = {root.id}
    while root.follows is not None and root.follows.id not in seen:
        root = root.follows
        seen.add(root.id)
    seen = {root.id}  # the walk down meets the rounds of the walk up again
    rounds, frontier = [root], [root.id]
    while frontier:
        children = list(
            db.scalars(
                visible_requests(user)
                .where(FormalRequest.follows_id.in_(frontier))
                .order_by(FormalRequest.id)
            )
        )
        children = [c for c in children if c.id not in seen]
        seen.update(c.id for c in children)
        rounds += children
        frontier = [c.id for c in children]
    return [r for r in rounds if user.can_see_branch(r.branch_id)]


@dataclass
class Thread:
    """One demand across rounds: the item of each round and its answer, oldest first."""

    steps: list[Item]

    @property
    def latest(self) -> Item:
        """The newest round's item."""
        return self.steps[-1]

    @property
    def is_open(self) -> bool:
        """Not settled yet: the newest round is unanswered or not fully confirmed."""
        return not self.latest.fully_confirmed


def threads(rounds: list[FormalRequest]) -> list[Thread]:
    """Follow every item of the first round (and items added later) through the rounds."""
    by_follows: dict[int, list[Item]] = {}
    items: list[Item] = []
    for request in rounds:
        for item in request.items:
            items.append(item)
            if item.follows_item_id is not None:
                by_follows.setdefault(item.follows_item_id, []).append(item)
    known = {item.id for item in items}
    result = []
    for item in items:
        if item.follows_item_id is not None and item.follows_item_id in known:
            continue  # part of an earlier item's thread
        steps, current = [item], item
        while by_follows.get(current.id):
            current = by_follows[current.id][0]
            steps.append(current)
        result.append(Thread(steps))
    return result


def overdue(db: Session, user: User, days: int, today: date) -> list[tuple[FormalRequest, int]]:
    """Requests sent (or met) at least ``days`` days ago and not yet answered, oldest first."""
    stmt = (
        visible_requests(user)
        .where(FormalRequest.state.in_((vocab.SENT, vocab.MET)))
        .where(FormalRequest.sent_on.is_not(None))
        .order_by(FormalRequest.sent_on, FormalRequest.id)
    )
    result = []
    for request in db.scalars(stmt):
        waited = (today - request.sent_on).days
        if waited >= days:
            result.append((request, waited))
    return result


@dataclass
class OpenDemand:
    """A demand still open: the thread, when it was first sent, for how many days."""

    thread: Thread
    first: FormalRequest
    latest: FormalRequest
    days_open: int | None


def open_demands(db: Session, user: User, today: date) -> list[OpenDemand]:
    """The national picture of demands: every thread not settled yet, longest open first."""
    stmt = (
        visible_requests(user)
        .where(FormalRequest.state != vocab.DRAFT)
        .where(FormalRequest.follows_id.is_(None))
        .order_by(FormalRequest.id)
    )
    result = []
    for root in db.scalars(stmt):
        rounds = chain_requests(db, root, user)
        by_id = {r.id: r for r in rounds}
        for thread in threads(rounds):
            if not thread.is_open:
                continue
            latest = by_id[thread.latest.request_id]
            if latest.state == vocab.DRAFT and len(thread.steps) > 1:
                latest = by_id[thread.steps[-2].request_id]
            first = by_id[thread.steps[0].request_id]
            days = (today - first.sent_on).days if first.sent_on else None
            result.append(OpenDemand(thread, first, latest, days))
    result.sort(key=lambda d: -(d.days_open or 0))
    return result


def published(db: Session) -> list[FormalRequest]:
    """Headquarters' published requests, newest answer first (the public page)."""
    return list(
        db.scalars(
            select(FormalRequest)
            .where(FormalRequest.published_at.is_not(None))
            .where(FormalRequest.branch_id.is_(None))
            .order_by(FormalRequest.answered_on.desc(), FormalRequest.id.desc())
        )
    )
