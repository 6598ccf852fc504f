"""The survey rules: building, opening and closing, answering, storing, reading back.

Views stay thin; everything here takes the SQLAlchemy session, flushes only, and raises
``SurveyError`` (shown to the person) for anything the person can correct.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.auth.models import User
from surveys import sealing
from surveys.models import POOL_FLUSH, Answer, Kind, PooledAnswer, Question, State, Survey

TEXT_MAX = 300  # characters of a free-text answer
NUMBER_MAX = 10**9
MAX_OPTIONS = 50
MAX_QUESTIONS = 60
MIN_PASSPHRASE = 12
SCALE = (1, 2, 3, 4, 5)


class SurveyError(Exception):
    """The survey could not be changed or answered as asked; the message says why."""


class NotAccepting(SurveyError):
    """The survey is not taking answers (draft, closed, or outside its dates)."""


# --- building ------------------------------------------------------------------------------


def visible_surveys(db: Session, user: User) -> list[Survey]:
    """Headquarters sees every survey; an officer those of their own branch."""
    stmt = select(Survey).order_by(Survey.id.desc())
    if not user.is_hq:
        stmt = stmt.where(Survey.branch_id == user.branch_id)
    return list(db.scalars(stmt))


def create_survey(db: Session, user: User, **fields) -> Survey:
    """A new draft; an officer's survey always belongs to their own branch."""
    branch_id = fields.pop("branch_id", None) if user.is_hq else user.branch_id
    survey = Survey(branch_id=branch_id, created_by=user.id, state=State.DRAFT)
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


def add_question(db: Session, survey: Survey, **fields) -> Question:
    """Append a question to a draft."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("The questions of an open survey cannot be changed."))
    if len(survey.questions) >= MAX_QUESTIONS:
        raise SurveyError(_l("A survey can have at most 60 questions."))
    kind = Kind(fields["kind"])
    options_ja, options_en = _lines(fields.get("options_ja")), _lines(fields.get("options_en"))
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        if not 2 <= len(options_ja) <= MAX_OPTIONS:
            raise SurveyError(_l("Give between 2 and 50 choices, one per line."))
        if options_en and len(options_en) != len(options_ja):
            raise SurveyError(_l("Give as many English choices as Japanese ones, or none."))
    else:
        options_ja, options_en = [], []
    grouping = bool(fields.get("is_grouping"))
    if grouping and kind != Kind.SINGLE:
        raise SurveyError(_l("Only a single-choice question can group the results."))
    if grouping and survey.grouping is not None:
        raise SurveyError(_l("This survey already has a grouping question."))
    question = Question(
        kind=kind,
        text_ja=fields["text_ja"].strip(),
        text_en=(fields.get("text_en") or "").strip(),
        options_ja="\n".join(options_ja),
        options_en="\n".join(options_en),
        required=bool(fields.get("required")) or grouping,
        is_grouping=grouping,
        position=max((q.position for q in survey.questions), default=0) + 1,
    )
    survey.questions.append(question)
    db.flush()
    return question


def remove_question(db: Session, survey: Survey, question_id: int) -> None:
    """Take a question out of a draft."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("The questions of an open survey cannot be changed."))
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        raise SurveyError(_l("No such question."))
    survey.questions.remove(question)
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


def open_survey(db: Session, survey: Survey, passphrase: str, limits: tuple[int, int]) -> None:
    """Freeze the questions, make the key pair and wrap it with the passphrase."""
    if survey.state != State.DRAFT:
        raise SurveyError(_l("Only a draft can be opened."))
    if not survey.questions:
        raise SurveyError(_l("Add at least one question before opening the survey."))
    if len(passphrase) < MIN_PASSPHRASE:
        raise SurveyError(_l("The passphrase must have at least 12 characters."))
    key = sealing.new_key_pair(passphrase, limits)
    survey.public_key, survey.wrapped_key, survey.key_salt = key.public_key, key.wrapped, key.salt
    survey.key_opslimit, survey.key_memlimit = key.opslimit, key.memlimit
    survey.block_size = block_size(survey.questions)
    survey.state = State.OPEN
    db.flush()
    audit.record(
        db, "survey.opened", object_kind="survey", object_id=survey.id, branch_id=survey.branch_id
    )


def close_survey(db: Session, survey: Survey, *, actor_id: int | None = None) -> None:
    """Stop answers, empty the pool and rewrite all answers in a fresh random order."""
    if survey.state != State.OPEN:
        raise SurveyError(_l("Only an open survey can be closed."))
    survey.state = State.CLOSED
    flush_pool(db, survey.id)
    reshuffle(db, survey.id)
    audit.record(
        db,
        "survey.closed",
        object_kind="survey",
        object_id=survey.id,
        branch_id=survey.branch_id,
        actor_id=actor_id,
    )


def close_if_due(db: Session, survey: Survey) -> bool:
    """Close an open survey whose closing date has passed (done lazily when it is looked at)."""
    if survey.state == State.OPEN and survey.closes_at and clock.now() >= survey.closes_at:
        close_survey(db, survey)
        return True
    return False


def accepting(survey: Survey | Answering, now: datetime | None = None) -> bool:
    """Whether the survey takes answers at this moment."""
    now = now or clock.now()
    if survey.state != State.OPEN:
        return False
    if survey.opens_at and now < survey.opens_at:
        return False
    return not (survey.closes_at and now >= survey.closes_at)


def wrapped_key(survey: Survey) -> sealing.WrappedKey:
    """The survey's wrapped private key as the sealing module wants it."""
    if survey.wrapped_key is None:
        raise SurveyError(_l("This survey has no key yet: it has not been opened."))
    return sealing.WrappedKey(
        survey.public_key,
        survey.wrapped_key,
        survey.key_salt,
        survey.key_opslimit,
        survey.key_memlimit,
    )


def unlock(
    db: Session, survey: Survey, *, passphrase: str = "", key_file: bytes = b"", purpose: str
):
    """The private key, from the passphrase or the key file; audited whether or not it works.

    The key is returned to the caller for this request only and is never stored or logged.
    """
    key = wrapped_key(survey)
    try:
        if key_file:
            private = sealing.read_key_file(key_file, survey.id, key.public_key)
        else:
            private = sealing.unwrap(key, passphrase)
    except sealing.SealingError as error:
        audit.record(
            db,
            "survey.unlock_refused",
            object_kind="survey",
            object_id=survey.id,
            branch_id=survey.branch_id,
            reason=purpose,
        )
        raise SurveyError(_l("The passphrase or key file does not open this survey.")) from error
    audit.record(
        db,
        f"survey.{purpose}",
        object_kind="survey",
        object_id=survey.id,
        branch_id=survey.branch_id,
    )
    return private


# --- answering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenQuestion:
    """What answering needs of a question (frozen once the survey is open)."""

    id: int
    kind: Kind
    option_count: int
    required: bool


@dataclass(frozen=True)
class Answering:
    """What the answer route needs of an open survey, read with one light query per answer."""

    id: int
    state: State
    opens_at: datetime | None
    closes_at: datetime | None
    public_key: bytes
    block_size: int
    questions: tuple[FrozenQuestion, ...]


# Questions never change once a survey is open (and has its key), so they are kept per process,
# keyed by the survey and its public key. Bounded: the oldest entries go first.
_FROZEN: dict[tuple[int, bytes], tuple[FrozenQuestion, ...]] = {}
_FROZEN_MAX = 256


def answering(db: Session, survey_id: int) -> Answering | None:
    """The open (or closed) survey's answering view; None for a draft or no such survey."""
    row = (
        db.connection()
        .execute(
            select(
                Survey.state,
                Survey.opens_at,
                Survey.closes_at,
                Survey.public_key,
                Survey.block_size,
            ).where(Survey.id == survey_id)
        )
        .one_or_none()
    )
    if row is None or row.public_key is None or row.state == State.DRAFT:
        return None
    key = (survey_id, row.public_key)
    questions = _FROZEN.get(key)
    if questions is None:
        survey = db.get(Survey, survey_id)
        questions = tuple(
            FrozenQuestion(q.id, q.kind, q.option_count, q.required) for q in survey.questions
        )
        while len(_FROZEN) >= _FROZEN_MAX:
            _FROZEN.pop(next(iter(_FROZEN)))
        _FROZEN[key] = questions
    return Answering(
        survey_id, row.state, row.opens_at, row.closes_at, row.public_key, row.block_size, questions
    )


def answer_from_form(survey: Survey | Answering, form: Mapping) -> dict:
    """Check a plain (no-JavaScript) answer and return it as the dict that gets sealed.

    ``form`` is the request's form (``getlist`` for multiple choices). Raises SurveyError naming
    the first problem; the plain answer is never stored or logged.
    """
    answer: dict[str, object] = {}
    for q in survey.questions:
        name = f"q{q.id}"
        value: object = None
        if q.kind == Kind.MULTIPLE:
            picked = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
            indexes = sorted({_index(v, q.option_count, q) for v in picked})
            value = indexes or None
        else:
            raw = (form.get(name) or "").strip()
            if raw:
                if q.kind == Kind.SINGLE:
                    value = _index(raw, q.option_count, q)
                elif q.kind == Kind.SCALE5:
                    value = _index(raw, 6, q)
                    if value not in SCALE:
                        raise SurveyError(_l("Choose one of the offered answers."))
                elif q.kind == Kind.NUMBER:
                    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 10:
                        raise SurveyError(_l("Give a whole number."))
                    value = int(raw)
                    if not 0 <= value <= NUMBER_MAX:
                        raise SurveyError(_l("Give a whole number."))
                else:
                    if len(raw) > TEXT_MAX:
                        raise SurveyError(_l("Free-text answers are limited to 300 characters."))
                    value = "".join(c for c in raw if c.isprintable() or c == " ")
        if value is None:
            if q.required:
                raise SurveyError(_l("Please answer every question marked as required."))
            continue
        answer[str(q.id)] = value
    return answer


def _index(raw: object, count: int, question: Question) -> int:
    text = str(raw)
    if not text.isascii() or not text.isdigit() or int(text) >= count:
        raise SurveyError(_l("Choose one of the offered answers."))
    return int(text)


def submit(db: Session, survey: Survey | Answering, sealed: bytes) -> str:
    """Store one sealed answer (via the pool) and return its receipt.

    The caller checked the form token; this checks the survey takes answers and the length.
    """
    if not accepting(survey):
        raise NotAccepting(_l("This survey is not taking answers."))
    if len(sealed) != sealing.sealed_size(survey.block_size):
        raise SurveyError(_l("The answer could not be read. Please try again."))
    connection = db.connection()
    connection.execute(
        insert(PooledAnswer).values(id=secrets.token_bytes(16), survey_id=survey.id, sealed=sealed)
    )
    pooled = connection.execute(
        select(func.count()).where(PooledAnswer.survey_id == survey.id)
    ).scalar_one()
    if pooled >= POOL_FLUSH:
        flush_pool(db, survey.id)
    return sealing.receipt(sealed)


def flush_pool(db: Session, survey_id: int) -> int:
    """Move the survey's whole pool into the answers, in a random order.

    ``DELETE … RETURNING`` takes the rows out atomically: on PostgreSQL two concurrent flushes
    cannot both move one row (the second skips rows the first deleted), on SQLite the write lock
    serialises them. The new keys are fresh, so no key links the pool row to the answer.
    """
    rows = db.execute(
        delete(PooledAnswer)
        .where(PooledAnswer.survey_id == survey_id)
        .returning(PooledAnswer.sealed)
    ).all()
    sealed = [row.sealed for row in rows]
    secrets.SystemRandom().shuffle(sealed)
    if sealed:
        db.execute(
            insert(Answer),
            [{"id": secrets.token_bytes(16), "survey_id": survey_id, "sealed": s} for s in sealed],
        )
        _tidy_after_commit(db)
    return len(sealed)


def reshuffle(db: Session, survey_id: int, batch: int = 1000) -> None:
    """Rewrite every answer of a survey under new keys in a new random order (done at close).

    Only the keys (16 bytes each) are held for the whole pass; they are shuffled, then the rows
    are moved a batch at a time in that order (each batch shuffled again), so the new physical
    order is random on PostgreSQL's heap too, and memory stays small for large surveys.
    """
    rng = secrets.SystemRandom()
    ids = list(db.scalars(select(Answer.id).where(Answer.survey_id == survey_id)))
    rng.shuffle(ids)
    for start in range(0, len(ids), batch):
        sealed = list(
            db.scalars(
                delete(Answer)
                .where(Answer.id.in_(ids[start : start + batch]))
                .returning(Answer.sealed)
            )
        )
        rng.shuffle(sealed)
        db.execute(
            insert(Answer),
            [{"id": secrets.token_bytes(16), "survey_id": survey_id, "sealed": s} for s in sealed],
        )
    _tidy_after_commit(db, rewrite=True)


def _tidy_after_commit(db: Session, *, rewrite: bool = False) -> None:
    """Once this transaction commits, remove what the storage keeps of the old order.

    SQLite: copy the WAL into the file and truncate it, so the log never holds the pool's
    arrival order beyond one batch (``secure_delete`` already zeroes deleted rows in the file).
    PostgreSQL, when ``rewrite`` (at close): ``VACUUM FULL`` writes the answer tables anew, so the
    dead tuples of the pool and of the pre-shuffle answers do not stay in the heap files. It gives
    up after two seconds if another transaction holds the table (autovacuum does it later).
    """
    bind = db.get_bind()
    dialect = bind.dialect.name
    if dialect != "sqlite" and not (dialect == "postgresql" and rewrite):
        return
    flag = "survey_tidy_rewrite" if rewrite else "survey_tidy"
    if db.info.get(flag):
        return
    db.info[flag] = True

    def _tidy(session):
        session.info.pop(flag, None)
        raw = bind.raw_connection()
        try:
            connection = raw.driver_connection
            if dialect == "sqlite":
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return
            connection.rollback()
            connection.autocommit = True
            try:
                connection.execute("SET lock_timeout = '2s'")
                connection.execute("VACUUM FULL survey_answers, survey_answer_pool")
            except Exception:  # best effort: never fail the request that already committed
                current_app_logger().warning("survey tables not rewritten; autovacuum will")
            finally:
                connection.execute("RESET lock_timeout")
                connection.autocommit = False
        finally:
            raw.close()

    event.listen(db, "after_commit", _tidy, once=True)


def current_app_logger():
    """The app's logger (never given any answer content)."""
    from flask import current_app

    return current_app.logger


def count_answers(db: Session, survey_id: int) -> int:
    """How many answers a survey holds (pool and table): visible while it is open."""
    pooled = db.scalar(select(func.count()).where(PooledAnswer.survey_id == survey_id))
    stored = db.scalar(select(func.count()).where(Answer.survey_id == survey_id))
    return int(pooled or 0) + int(stored or 0)


def iter_sealed(db: Session, survey_id: int, chunk: int = 1000) -> Iterator[bytes]:
    """Every sealed answer of a survey, streamed in the order of the random key.

    The pool is included (a survey still open has a partial batch there).
    """
    for model in (Answer, PooledAnswer):
        stmt = (
            select(model.sealed)
            .where(model.survey_id == survey_id)
            .order_by(model.id)
            .execution_options(yield_per=chunk)
        )
        yield from db.scalars(stmt)
