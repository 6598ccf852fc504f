"""The one gate to a survey's results: ``open_results`` (SECURITY.md promises 4, 5 and 7).

Every reading of results passes here, the page, the CSV and XLSX exports and the offline
``surveys tally`` alike: the survey must be closed (two countings compared while answers arrive
would show, by difference, the answers in between); the key is rebuilt from the passphrase, the
key file or k custodians' shares, for this call only; the answers are opened and counted; the
suppression rules of surveys/results.py are applied; and the opening is written to the audit log
once, with who took part when custodians opened it (never the shares). A refused key is audited
too.

The receipts list is here as well: published by headquarters once the survey is closed.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from campaign.audit import services as audit
from surveys import counting, custody, handover, results, sealing, services, storage
from surveys.models import State, Survey

NOT_CLOSED = _l(
    "Results, exports and the key file are available once the survey is closed, so that no two "
    "countings can be compared while answers arrive."
)
PURPOSES = ("results_opened", "results_exported", "results_tallied_offline", "key_exported")


class NotClosed(services.SurveyError):
    """The survey is not closed yet: nothing of its results can be read."""


def _audit(db: Session, survey: Survey, action: str, reason: str | None = None, **kw) -> None:
    audit.record(
        db,
        action,
        object_kind="survey",
        object_id=survey.id,
        branch_id=survey.branch_id,
        reason=reason,
        **kw,
    )


def unlock(
    db: Session,
    survey: Survey,
    *,
    purpose: str,
    passphrase: str = "",
    key_file: bytes = b"",
    shares: list[str] | tuple[str, ...] = (),
    actor_id: int | None = None,
):
    """The private key of a closed survey, for this call only; audited whether or not it works."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    if survey.state != State.CLOSED:
        raise NotClosed(NOT_CLOSED)
    who = None
    try:
        if key_file:
            private = sealing.read_key_file(key_file, survey.id, survey.public_key)
        elif survey.custody == "custodians":
            given = [s for s in shares if custody.normalise(s)]
            if len(given) < int(survey.custody_threshold or 2):
                raise custody.CustodyError("too few shares")
            private, indexes = custody.combine(given, survey.public_key)
            holders = handover.custodians(db, survey.id)
            who = "custodians: " + ", ".join(str(holders.get(i, "?")) for i in indexes)
        else:
            if not passphrase:
                raise sealing.SealingError("no passphrase")
            private = sealing.unwrap(services.wrapped_key(survey), passphrase)
    except (sealing.SealingError, custody.CustodyError) as error:
        _audit(db, survey, "survey.unlock_refused", purpose, actor_id=actor_id)
        message = (
            _l("These shares do not open this survey: enter the shares of enough custodians.")
            if survey.custody == "custodians" and not key_file
            else _l("The passphrase or key file does not open this survey.")
        )
        raise services.SurveyError(message) from error
    _audit(db, survey, f"survey.{purpose}", who, actor_id=actor_id)
    return private


def open_results(
    db: Session,
    survey: Survey,
    *,
    purpose: str = "results_opened",
    locale: str = "ja",
    workers: int = 1,
    progress=None,
    **key,
) -> results.Report:
    """Closed? Unlock, count, suppress, audit once: the report that may be shown.

    ``workers`` processes count (surveys/counting.py; ``surveys tally`` and the web page of a
    large survey use every core, a small survey's page one); ``progress(n)`` is told of every n
    answers counted. ``key``: the passphrase, key_file, shares and actor_id of ``unlock``."""
    job = open_count(db, survey, purpose=purpose, workers=workers, **key)
    for done in job:
        if progress:
            progress(done)
    return results.report(survey, job.tally, locale)


def open_count(
    db: Session,
    survey: Survey,
    *,
    purpose: str = "results_opened",
    passphrase: str = "",
    key_file: bytes = b"",
    shares: list[str] | tuple[str, ...] = (),
    actor_id: int | None = None,
    workers: int = 1,
) -> counting.Job:
    """Unlock (audited as ``unlock`` does) and return the count, not yet run: iterating it
    counts and tells the progress; ``results.report(survey, job.tally, locale)`` then gives
    what may be shown. The key lives in the job (and its worker processes) only."""
    private = unlock(
        db,
        survey,
        purpose=purpose,
        passphrase=passphrase,
        key_file=key_file,
        shares=shares,
        actor_id=actor_id,
    )
    return counting.Job(
        list(survey.questions), storage.iter_sealed(db, survey.id), private, workers=workers
    )


# --- receipts ------------------------------------------------------------------------------


def publish_receipts(db: Session, survey: Survey) -> None:
    """Headquarters makes the receipts list public (closed surveys only; audited)."""
    if survey.state != State.CLOSED:
        raise NotClosed(NOT_CLOSED)
    survey.receipts_published = True
    db.flush()
    _audit(db, survey, "survey.receipts_published")


def receipt_list(db: Session, survey: Survey) -> list[str]:
    """Every stored answer's receipt, in a fresh random order each time."""
    receipts = [sealing.receipt(s) for s in storage.iter_sealed(db, survey.id)]
    secrets.SystemRandom().shuffle(receipts)
    return receipts


def normalise_receipt(text: str) -> str:
    """A receipt as typed (spaces, capitals, full-width) in its printed form."""
    import unicodedata

    raw = "".join(c for c in unicodedata.normalize("NFKC", text or "").lower() if c.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def receipt_counted(db: Session, survey: Survey, typed: str) -> bool:
    """Whether the typed receipt is one of the survey's stored answers."""
    wanted = normalise_receipt(typed)
    if not wanted:
        return False
    found = False
    for sealed in storage.iter_sealed(db, survey.id):  # every one compared: no early exit
        found |= secrets.compare_digest(sealing.receipt(sealed), wanted)
    return found
