"""The words of the request workflow: states, the moves between them, answer standings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DRAFT, APPROVED, SENT, MET, ANSWERED, CLOSED = (
    "draft",
    "approved",
    "sent",
    "met",
    "answered",
    "closed",
)
STATES = {
    DRAFT: _l("Draft"),
    APPROVED: _l("Approved"),
    SENT: _l("Sent"),
    MET: _l("Meeting held"),
    ANSWERED: _l("Answers received"),
    CLOSED: _l("Closed"),
}
#: Where a request may go from each state (answers may also arrive without a meeting).
TRANSITIONS = {
    DRAFT: {APPROVED},
    APPROVED: {DRAFT, SENT},
    SENT: {MET, ANSWERED},
    MET: {ANSWERED},
    ANSWERED: {CLOSED},
    CLOSED: set(),
}
#: States in which the answers may be recorded or corrected.
ANSWERABLE = {SENT, MET, ANSWERED}

CONFIRMED, PARTLY, REFUSED, NO_ANSWER, TAKEN_BACK = (
    "confirmed",
    "partly",
    "refused",
    "no_answer",
    "taken_back",
)
STANDINGS = {
    CONFIRMED: _l("Confirmed"),
    PARTLY: _l("Partly confirmed"),
    REFUSED: _l("Refused"),
    NO_ANSWER: _l("No answer"),
    TAKEN_BACK: _l("Taken back for consideration"),
}
#: What the public page may call "confirmed".
PUBLISHABLE = {CONFIRMED, PARTLY}

HONORIFICS = ("殿", "様")

#: Limits of the text fields (the forms say so before the database would).
SUBJECT_MAX = 200
ITEM_MAX = 4000
PREAMBLE_MAX = 8000
ANSWER_MAX = 8000
LINE_MAX = 200
MAX_ITEMS = 60
MAX_ADDRESSEES = 6
