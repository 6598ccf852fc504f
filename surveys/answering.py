"""The answer flow: a member sends an answer, with no account and no cookie.

``receive`` runs the checks in order (size, origin, form token, survey taking answers, throttle,
invitation code) and stores the sealed answer: sealed in the browser when JavaScript ran (field
``sealed``), else sealed here at once from the plain fields and never kept in clear. It returns an
``Outcome`` that the view turns into a page. The checks come from campaign/publicforms.py.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from campaign import publicforms
from campaign.db import begun, deadlocked, engine, joined
from surveys import codes, sealing, services, storage
from surveys.models import Kind, State, Survey

TEXT_MAX = services.TEXT_MAX
NUMBER_MAX = services.NUMBER_MAX
SCALE = services.SCALE
MAX_ANSWER_BODY = 64 * 1024
PURPOSE = "survey-answer"


class AnswerError(services.SurveyError):
    """One answer of the form is missing or wrong; ``question_id`` says which."""

    def __init__(self, message, question_id: int | None = None) -> None:
        super().__init__(message)
        self.question_id = question_id


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
    needs_code: bool
    code_salt: bytes | None
    questions: tuple[FrozenQuestion, ...]

    @property
    def sealed_size(self) -> int:
        """The length of every sealed answer."""
        return self.block_size + sealing.SEAL_OVERHEAD


# Questions never change once a survey is open (and has its key), so they are kept per process,
# keyed by the survey and its public key. Bounded: the oldest entries go first.
_FROZEN: dict[tuple[int, bytes], tuple[FrozenQuestion, ...]] = {}
_FROZEN_MAX = 256


# Built once: constructing the select on every answer cost more than running it.
_ANSWERING = select(
    Survey.state,
    Survey.opens_at,
    Survey.closes_at,
    Survey.public_key,
    Survey.block_size,
    Survey.needs_code,
    Survey.code_salt,
).where(Survey.id == bindparam("survey_id"))


def answering(db: Session | Connection, survey_id: int) -> Answering | None:
    """The open (or closed) survey's answering view; None for a draft or no such survey."""
    row = begun(db).execute(_ANSWERING, {"survey_id": survey_id}).one_or_none()
    if row is None or row.public_key is None or row.state == State.DRAFT:
        return None
    key = (survey_id, row.public_key)
    questions = _FROZEN.get(key)
    if questions is None:
        with joined(db) as session:
            survey = session.get(Survey, survey_id)
            questions = tuple(
                FrozenQuestion(q.id, q.kind, q.option_count, q.required) for q in survey.questions
            )
        while len(_FROZEN) >= _FROZEN_MAX:
            _FROZEN.pop(next(iter(_FROZEN)))
        _FROZEN[key] = questions
    return Answering(
        survey_id,
        row.state,
        row.opens_at,
        row.closes_at,
        row.public_key,
        row.block_size,
        bool(row.needs_code),
        row.code_salt,
        questions,
    )


def answer_from_form(survey, form: Mapping) -> dict:
    """Check a plain (no-JavaScript) answer and return it as the dict that gets sealed.

    ``form`` is the request's form (``getlist`` for multiple choices). Raises AnswerError naming
    the question of the first problem; the plain answer is never stored or logged.
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
                value = _value(q, raw)
        if value is None:
            if q.required:
                raise AnswerError(_l("Please answer this question: it is required."), q.id)
            continue
        answer[str(q.id)] = value
    return answer


def _value(q, raw: str) -> object:
    if q.kind == Kind.SINGLE:
        return _index(raw, q.option_count, q)
    if q.kind == Kind.SCALE5:
        value = _index(raw, 6, q)
        if value not in SCALE:
            raise AnswerError(_l("Choose one of the offered answers."), q.id)
        return value
    if q.kind == Kind.NUMBER:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > NUMBER_MAX:
            raise AnswerError(_l("Give a whole number from 0 to 1,000,000,000."), q.id)
        return int(raw)
    if len(raw) > TEXT_MAX:
        raise AnswerError(_l("Free-text answers are limited to 300 characters."), q.id)
    return "".join(c for c in raw if c.isprintable() or c == " ")


def _index(raw: object, count: int, question) -> int:
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 4 or int(text) >= count:
        raise AnswerError(_l("Choose one of the offered answers."), question.id)
    return int(text)


def submit(
    db: Session | Connection, survey, sealed: bytes, *, code: str | None = None, secret_key=""
) -> str:
    """Store one sealed answer in a random free slot and return its receipt.

    ``db`` is a session (committed by its owner, and tidied after: ``tidy_after_commit``) or
    the answer route's Core connection (``receive`` commits and tidies it).

    With invitation codes, the code is spent in the same transaction (exactly once): an answer
    without a valid unspent code is refused and nothing is written. When the storage asks for
    it (``storage.StoreAgain``: on PostgreSQL, a slot lost to another answer just as the
    storage must grow), or when PostgreSQL ends a deadlock by failing this answer's statement
    (an answer that lost a slot can meet the close-due run giving every answer one transaction
    id), the transaction is rolled back and the answer stored again, its code spent again.
    """
    if not services.accepting(survey):
        raise services.NotAccepting(_l("This survey is not taking answers."))
    if len(sealed) != survey.sealed_size:
        raise services.SurveyError(_l("The answer could not be read. Please try again."))
    for _attempt in range(STORE_ATTEMPTS):
        try:
            return _submit(db, survey, sealed, code, secret_key)
        except storage.StoreAgain:
            db.rollback()
        except OperationalError as error:
            if not deadlocked(error):
                raise
            db.rollback()
    raise services.SurveyError(_l("The answer could not be stored just now. Please send it again."))


STORE_ATTEMPTS = 20  # each lost only to a race with another answer just as the storage grows


def _submit(db: Session | Connection, survey, sealed: bytes, code: str | None, secret_key) -> str:
    if survey.needs_code:
        normal = codes.normalise(code or "")
        if normal is None:
            raise AnswerError(
                _l("This invitation code is not valid. Check it against your slip."), "code"
            )
        if not codes.spend(db, secret_key, survey, normal):
            raise AnswerError(
                _l("This invitation code has already been used or is not valid for this survey."),
                "code",
            )
    try:
        storage.store(db, survey, sealed, check_open=True)
    except storage.NotTaking:
        raise services.NotAccepting(_l("This survey is not taking answers.")) from None
    if isinstance(db, Session):
        storage.tidy_after_commit(db)
    return sealing.receipt(sealed)


@dataclass
class Outcome:
    """What happened to one post, for the view to show."""

    status: int
    survey_id: int
    receipt: str | None = None
    browser: bool = False
    error: str | None = None
    question_id: object = None
    kept: dict = field(default_factory=dict)


def receive(survey_id: int, form, *, secret_key: str, limit: str) -> Outcome:
    """The whole answer flow for one post (the caller checked the body size), in one
    transaction of its own, committed before the outcome is returned when the answer was
    stored (nothing is acknowledged before its commit), rolled back otherwise.

    It runs on a Core connection from the engine, not on the request's ORM session: nothing
    of an answer needs the ORM, and the session's begin and commit cost about 0.1 ms of each
    answer (benchmarks/survey_submit.py). The request's own commit (campaign/db.py
    ``finish``) then has nothing to do.

    It starts from the survey as this process last read it (``_kept_view``), without reading
    it again: the statement that stores the answer checks, as the database holds it now, that
    the survey takes answers under that key (``storage.store(check_open=True)``). If anything
    fails on the kept view (the survey closed or its dates changed since, or the answer is
    refused), what it wrote is rolled back and the flow runs once more on the survey read
    afresh, so every refusal is the one the survey's current state gives. The throttle counts
    the post once whichever way.
    """
    publicforms.require_same_origin()
    with engine().connect() as connection:
        outcome = _receive_on(connection, survey_id, form, secret_key, limit)
        if outcome.status != 200:
            connection.rollback()  # nothing of a refused answer stays (a code it spent)
            return outcome
        connection.commit()
        storage.tidy_committed(connection)
    return outcome


def _receive_on(db: Connection, survey_id: int, form, secret_key: str, limit: str) -> Outcome:
    verdicts: dict[str, bool] = {}
    kept = _kept_view(survey_id)
    if kept is not None:
        outcome = _receive(db, kept, form, secret_key, limit, verdicts)
        if outcome.status == 200:
            return outcome
        db.rollback()  # nothing of the attempt on the kept view stays (a code it spent)
    info = answering(db, survey_id)
    _keep_view(survey_id, info)
    if info is None:
        return Outcome(404, survey_id)
    return _receive(db, info, form, secret_key, limit, verdicts)


def _views() -> dict[int, Answering]:
    # Per app: a test process builds many apps, each on a database of its own.
    return current_app.extensions.setdefault("surveys.answering", {})


def _kept_view(survey_id: int) -> Answering | None:
    return _views().get(survey_id)


def _keep_view(survey_id: int, info: Answering | None) -> None:
    views = _views()
    with _views_lock:  # another thread may be evicting too
        views.pop(survey_id, None)
        if info is not None:
            while len(views) >= _FROZEN_MAX:
                views.pop(next(iter(views)), None)
            views[survey_id] = info


_views_lock = threading.Lock()


def _receive(
    db: Connection, info: Answering, form, secret_key: str, limit: str, verdicts
) -> Outcome:
    from flask_babel import gettext as _

    survey_id = info.id
    if not publicforms.verify_token(PURPOSE, survey_id, form.get("token")):
        error = _("The form has expired. Please reload the page and answer again.")
        return Outcome(400, survey_id, error=error, kept=_kept(form))
    if not services.accepting(info):
        return Outcome(410, survey_id)
    if "throttle" not in verdicts:
        verdicts["throttle"] = publicforms.throttle(PURPOSE, limit)
    if not verdicts["throttle"]:
        error = _("Too many answers from this network. Please try again later.")
        return Outcome(429, survey_id, error=error, kept=_kept(form))
    browser = "sealed" in form
    try:
        if browser:
            sealed = sealing.decode_sealed(form["sealed"], info.sealed_size)
        else:
            plain = answer_from_form(info, form)
            try:
                sealed = sealing.seal(plain, info.public_key, info.block_size)
            finally:
                del plain
        receipt = submit(db, info, sealed, code=form.get("code"), secret_key=secret_key)
    except ValueError:
        error = _("The answer could not be read. Please try again.")
        return Outcome(400, survey_id, error=error, kept=_kept(form))
    except services.SurveyError as problem:
        status = 410 if isinstance(problem, services.NotAccepting) else 400
        question = getattr(problem, "question_id", None)
        return Outcome(
            status, survey_id, error=str(problem), question_id=question, kept=_kept(form)
        )
    return Outcome(200, survey_id, receipt=receipt, browser=browser)


def _kept(form) -> dict:
    """The plain answers given, to fill the page again (never stored; only in this response).

    A browser-sealed post carries no plain answers, so nothing is kept from it.
    """
    kept: dict[str, list[str]] = {}
    for name in form:
        if name.startswith("q") and name[1:].isascii() and name[1:].isdigit():
            kept[name] = [v[: TEXT_MAX + 1] for v in form.getlist(name)][:60]
        elif name == "code":
            kept[name] = [form.get(name, "")[:40]]
    return kept
