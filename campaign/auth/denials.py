"""Refused requests of logged-in staff go to the audit log (review R2-14).

An officer who tries another branch's records (``/cases/<id>`` answers 404) or a page their
role may not use (403) leaves an ``access.denied`` entry: the kind and id the path named and
the endpoint, never anything of the record itself. At most one entry per person and endpoint
in a minute (counted in the limiter's store, shared by every worker), so that a script trying
ids one after another cannot flood the log; the first of each minute is enough to notice.
"""

from __future__ import annotations

from flask import Response, g, request

from campaign import db
from campaign.access import is_public_endpoint
from campaign.audit import services as audit
from campaign.auth import throttle

REFUSED = (403, 404)
ENTRIES_PER_ENDPOINT = "1 per minute"
# The path argument a record kind is named after, where the feature's name for it differs.
_KINDS = {"request": "formal_request", "attachment": "case_attachment", "batch": "paper_batch"}


def _named_record(view_args: dict | None) -> tuple[str | None, str | None]:
    """The first record the path names (``case_id=7`` → ``("case", "7")``), or nothing."""
    for name, value in (view_args or {}).items():
        for suffix in ("_id", "_slug"):
            if name.endswith(suffix):
                kind = name.removesuffix(suffix)
                return _KINDS.get(kind, kind), str(value)[:64]
    return None, None


def record_refusal(response: Response) -> Response:
    """``after_request`` hook (before the request's commit): audit a 403 or 404 answered to a
    logged-in staff member on a staff page whose route matched."""
    user = g.get("user")
    if (
        response.status_code not in REFUSED
        or user is None
        or request.endpoint is None
        or is_public_endpoint(request.endpoint)
    ):
        return response
    if not throttle.first_in_window(
        ENTRIES_PER_ENDPOINT, "access-denied", user.id, request.endpoint
    ):
        return response
    kind, ident = _named_record(request.view_args)
    audit.record(
        db.session(),
        "access.denied",
        object_kind=kind,
        object_id=ident,
        reason=f"{request.endpoint} {response.status_code}",
    )
    return response
