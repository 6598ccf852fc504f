"""Petitions (署名): the blueprint. Public pages are in public.py, staff pages in staff.py and
the signature list (print page, PDF, XLSX) in documents.py."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from campaign import navigation

bp = Blueprint("petitions", __name__)
navigation.add(_l("Petitions"), "petitions.index", order=45, audience="staff", section="petitions.")

from campaign.petitions import documents, public, staff  # noqa: E402, F401  (routes on bp)

# TEMP-LOCAL (not committed): until campaign/dates.py lands
bp.record_once(
    lambda s: s.app.jinja_env.filters.setdefault("date", lambda d: d.isoformat() if d else "")
)
