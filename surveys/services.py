"""The survey rules: building, opening (passphrase or custodians), closing (by headquarters with
a reason, or by the system when the date has passed).

Answering is in surveys/answering.py, storage in surveys/storage.py, the one gate to results in
surveys/gate.py. Views stay thin; everything here takes the SQLAlchemy session, flushes only, and
raises ``SurveyError`` (shown to the person) for anything the person can correct.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.auth.models import User
from surveys import sealing, storage
from surveys.models import (
    SCALE_ENDS_EN,
    SCALE_ENDS_JA,
    WORKFLOW,
    Kind,
    Question,
    State,
    Survey,
)

TEXT_MAX = 300  # characters of a free-text answer
NUMBER_MAX = 10**9
MAX_OPTIONS = 50
MAX_QUESTIONS = 60
MIN_PASSPHRASE = 12
SCALE = (1, 2, 3, 4, 5)
SCALE_END_FIELDS = ("scale_low_ja", "scale_high_ja", "scale_low_en", "scale_high_en")
SCALE_LOW, SCALE_HIGH = zip(SCALE_ENDS_JA, SCALE_ENDS_EN, strict=True)


class SurveyError(Exception):
    """The survey could not be changed or answered as asked; the message says why."""


class NotAccepting(SurveyError):
    """The survey is not taking answers (draft, closed, or outside its dates)."""


# --- building ------------------------------------------------------------------------------


def visible_surveys(db: Session, user: User) -> list[Survey]:
    """Headquarters sees every survey; an officer those of their own branch, and the
    federation-wide ones once open (read-only, to pass the link on: see ``shared_only``)."""
    stmt = select(Survey).order_by(Survey.id.desc())
    if not user.is_hq:
        federation = Survey.branch_id.is_(None) & (Survey.state != State.DRAFT)
        stmt = stmt.where((Survey.branch_id == user.branch_id) | federation)
    return list(db.scalars(stmt))


def shared_only(user: User, survey: Survey) -> bool:
    """Whether this person sees the survey only to pass its link on: an officer and a
    federation-wide survey. They see its title, dates and link, and while it is open whether k
    answers have arrived; never its count, results, questions to edit, or codes."""
    return not user.is_hq and survey.branch_id is None


def readable(db: Session, user: User, survey_id: int) -> Survey | None:
    """A survey this person may look at: their own (as ``campaign.access.get_in_scope``), or
    for an officer a federation-wide one that is open or closed. None otherwise."""
    survey = db.get(Survey, survey_id)
    if survey is None:
        return None
    if user.can_see_branch(survey.branch_id):
        return survey
    if shared_only(user, survey) and survey.state != State.DRAFT:
        return survey
    return None


def create_survey(db: Session, user: User, **fields) -> Survey:
    """A new draft; an officer's survey always belongs to their own branch."""
    branch_id = fields.pop("branch_id", None) if user.is_hq else user.branch_id
    needs_code = bool(fields.pop("needs_code", False))
    survey = Survey(
        branch_id=branch_id, created_by=user.id, state=State.DRAFT, needs_code=needs_code
    )
    _apply(survey, fields)
    db.add(survey)
    db.flush()
    audit.record(
        db, "survey.created", object_kind="survey", object_id=survey.id, branch_id=branch_id
    )
    return survey


def update_survey(db: Session, survey: Survey, **fields) -> None:
    """Change a draft's texts, dates and k (open surveys only their closing date)."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("An open or closed survey cannot be changed."))
    survey.needs_code = bool(fields.pop("needs_code", survey.needs_code))
    _apply(survey, fields)
    db.flush()


def _apply(survey: Survey, fields: Mapping) -> None:
    k = int(fields.get("min_group") or 5)
    if k < 3:
        raise SurveyError(_l("The smallest group shown must be at least 3."))
    opens, closes = fields.get("opens_at"), fields.get("closes_at")
    if opens and closes and closes <= opens:
        raise SurveyError(_l("The closing date must be after the opening date."))
    survey.title_ja = fields["title_ja"].strip()
    survey.title_en = (fields.get("title_en") or "").strip()
    survey.intro_ja = (fields.get("intro_ja") or "").strip()
    survey.intro_en = (fields.get("intro_en") or "").strip()
    survey.opens_at, survey.closes_at, survey.min_group = opens, closes, k


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _question_values(survey: Survey, fields: Mapping, question: Question | None = None) -> dict:
    """A question's columns from the builder's form, checked (the same for adding and editing)."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("The questions of an open survey cannot be changed."))
    kind = Kind(fields["kind"])
    options_ja, options_en = _lines(fields.get("options_ja")), _lines(fields.get("options_en"))
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        if not 2 <= len(options_ja) <= MAX_OPTIONS:
            raise SurveyError(_l("Give between 2 and 50 choices, one per line."))
        if options_en and len(options_en) != len(options_ja):
            raise SurveyError(_l("Give as many English choices as Japanese ones, or none."))
    else:
        options_ja, options_en = [], []
    ends = {name: (fields.get(name) or "").strip() for name in SCALE_END_FIELDS}
    if kind == Kind.SCALE5:
        # An end left empty takes the usual label (and its English one, unless English was given).
        for end, usual_ja, usual_en in (("low", *SCALE_LOW), ("high", *SCALE_HIGH)):
            if not ends[f"scale_{end}_ja"]:
                ends[f"scale_{end}_ja"] = usual_ja
                ends[f"scale_{end}_en"] = ends[f"scale_{end}_en"] or usual_en
    else:
        ends = dict.fromkeys(SCALE_END_FIELDS, "")
    grouping = bool(fields.get("is_grouping"))
    if grouping and kind != Kind.SINGLE:
        raise SurveyError(_l("Only a single-choice question can group the results."))
    if grouping and survey.grouping not in (None, question):
        raise SurveyError(_l("This survey already has a grouping question."))
    return {
        "kind": kind,
        "text_ja": fields["text_ja"].strip(),
        "text_en": (fields.get("text_en") or "").strip(),
        "options_ja": "\n".join(options_ja),
        "options_en": "\n".join(options_en),
        "required": bool(fields.get("required")) or grouping,
        "is_grouping": grouping,
        **ends,
    }


def add_question(db: Session, survey: Survey, **fields) -> Question:
    """Append a question to a draft."""
    values = _question_values(survey, fields)
    if len(survey.questions) >= MAX_QUESTIONS:
        raise SurveyError(_l("A survey can have at most 60 questions."))
    question = Question(
        **values, position=max((q.position for q in survey.questions), default=0) + 1
    )
    survey.questions.append(question)
    db.flush()
    return question


def question_of(survey: Survey, question_id: int) -> Question:
    """One of the survey's questions (SurveyError when it has no such question)."""
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        raise SurveyError(_l("No such question."))
    return question


def update_question(db: Session, survey: Survey, question_id: int, **fields) -> Question:
    """Change a question of a draft (its text, kind, choices, scale labels, whether required);
    audited, as every edit is. Once the survey is open its questions are frozen."""
    question = question_of(survey, question_id)
    for name, value in _question_values(survey, fields, question).items():
        setattr(question, name, value)
    db.flush()
    audit.record(
        db,
        "survey.question_edited",
        object_kind="survey",
        object_id=survey.id,
        branch_id=survey.branch_id,
    )
    return question


def remove_question(db: Session, survey: Survey, question_id: int) -> None:
    """Take a question out of a draft."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("The questions of an open survey cannot be changed."))
    survey.questions.remove(question_of(survey, question_id))
    db.flush()


def move_question(db: Session, survey: Survey, question_id: int, step: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1)."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("The questions of an open survey cannot be changed."))
    questions = list(survey.questions)
    index = next((i for i, q in enumerate(questions) if q.id == question_id), None)
    if index is None or not 0 <= index + step < len(questions):
        return
    other = questions[index + step]
    questions[index].position, other.position = other.position, questions[index].position
    db.flush()
    db.expire(survey, ["questions"])


# --- opening and closing -------------------------------------------------------------------


def block_size(questions: list[Question]) -> int:
    """The fixed padded size of an answer: enough for the longest possible answer, rounded up
    to 256 bytes. Free text counts 6 bytes a character (a JSON ``\\u`` escape at worst)."""
    bound = 16
    for q in questions:
        key = len(str(q.id)) + 4
        options = len(_lines(q.options_ja))
        value = {
            Kind.SINGLE: 4,
            Kind.MULTIPLE: 4 * options + 2,
            Kind.SCALE5: 2,
            Kind.NUMBER: 12,
            Kind.TEXT: 6 * TEXT_MAX + 2,
        }[q.kind]
        bound += key + value
    return 256 * math.ceil(bound / 256)


def _move(survey: Survey, target: str, message) -> None:
    """Change the survey's state along campaign/workflow.py's table (SurveyError if it may not)."""
    if not WORKFLOW.can(survey.state, target):
        raise SurveyError(message)
    survey.state = target


def start(
    db: Session,
    survey: Survey,
    public_key: bytes,
    initial_slots: int | None,
    expected: int | None = None,
) -> None:
    """Freeze the questions and open a draft whose key pair is made (passphrase or custodians),
    with storage for ``initial_slots`` slots, else for the ``expected`` answers
    (``storage.slots_for``)."""
    if not WORKFLOW.can(survey.state, State.OPEN):
        raise SurveyError(_l("Only a draft can be opened."))
    if not survey.questions:
        raise SurveyError(_l("Add at least one question before opening the survey."))
    survey.public_key = public_key
    survey.block_size = block_size(survey.questions)
    _move(survey, State.OPEN, _l("Only a draft can be opened."))
    db.flush()
    storage.allocate(db, survey, initial_slots or storage.slots_for(expected))
    storage.tidy_after_commit(db)
    audit.record(
        db, "survey.opened", object_kind="survey", object_id=survey.id, branch_id=survey.branch_id
    )


def open_survey(
    db: Session,
    survey: Survey,
    passphrase: str,
    limits: tuple[int, int],
    *,
    initial_slots: int | None = None,
    expected: int | None = None,
) -> None:
    """Freeze the questions, make the key pair and wrap it with the passphrase (storage for
    the ``expected`` answers: ``start``)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise SurveyError(_l("The passphrase must have at least 12 characters."))
    if survey.state != State.DRAFT:
        raise SurveyError(_l("Only a draft can be opened."))
    key = sealing.new_key_pair(passphrase, limits)
    survey.wrapped_key, survey.key_salt = key.wrapped, key.salt
    survey.key_opslimit, survey.key_memlimit = key.opslimit, key.memlimit
    survey.custody = "passphrase"
    start(db, survey, key.public_key, initial_slots, expected)


def close_survey(
    db: Session,
    survey: Survey,
    *,
    user: User | None = None,
    reason: str = "",
    system=False,
    shuffle: bool = True,
) -> None:
    """Stop answers; then move every answer to a fresh random slot, in short batches once this
    transaction commits (``shuffle=False``: the caller runs storage.shuffle itself, as
    ``surveys close-due`` does with a progress bar).

    A survey closes at the date announced when it opened (the system does it). Closing earlier is
    for headquarters only, with a reason that goes to the audit log: an officer who could close
    at will could close right after a victim's answer (stuffing, SECURITY.md promise 4).
    """
    if not WORKFLOW.can(survey.state, State.CLOSED):
        raise SurveyError(_l("Only an open survey can be closed."))
    if not system:
        if user is None or not user.is_hq:
            raise SurveyError(
                _l(
                    "The survey closes on its announced date; "
                    "only headquarters can close it earlier."
                )
            )
        if len((reason or "").strip()) < 5:
            raise SurveyError(_l("Give the reason for closing the survey early."))
    _move(survey, State.CLOSED, _l("Only an open survey can be closed."))
    db.flush()
    if shuffle:
        storage.shuffle_after_commit(db, survey)
    audit.record(
        db,
        "survey.closed",
        object_kind="survey",
        object_id=survey.id,
        branch_id=survey.branch_id,
        reason="closing date passed" if system else None,
        note=None if system else reason,
        system=system,
    )


def accepting(survey, now: datetime | None = None) -> bool:
    """Whether the survey takes answers at this moment."""
    now = now or clock.now()
    if survey.state != State.OPEN:
        return False
    if survey.opens_at and now < survey.opens_at:
        return False
    return not (survey.closes_at and now >= survey.closes_at)


def k_reached(db: Session, survey: Survey) -> bool:
    """Whether at least k answers have arrived: all that anyone sees while a survey is open
    (a running count would let an officer time a victim's answer)."""
    from surveys.results import effective_k

    return storage.filled_count(db, survey.id) >= effective_k(survey.min_group)


def count_answers(db: Session, survey_id: int) -> int:
    """How many answers a survey holds (shown only once it is closed)."""
    return storage.filled_count(db, survey_id)


def iter_sealed(db: Session, survey_id: int):
    """Every sealed answer of a survey (see storage.iter_sealed)."""
    return storage.iter_sealed(db, survey_id)


def wrapped_key(survey: Survey) -> sealing.WrappedKey:
    """The survey's wrapped private key as the sealing module wants it."""
    if survey.wrapped_key is None:
        raise SurveyError(_l("This survey has no passphrase: its key is held by custodians."))
    return sealing.WrappedKey(
        survey.public_key,
        survey.wrapped_key,
        survey.key_salt,
        survey.key_opslimit,
        survey.key_memlimit,
    )
