"""Petitions (署名): what the feature adds to shared places (menu, home card,
the public front page's "open petitions"). Public pages are in public.py, staff pages in
staff.py and the signature list (print page, PDF, XLSX) in documents.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign import db, registry
from campaign.petitions.blueprint import bp  # noqa: F401  (the feature's blueprint, found here)

registry.add_menu(_l("Petitions"), "petitions.index", order=45, audience="staff")
registry.add_home_card(
    _l("Petitions"),
    "petitions.index",
    order=45,
    description=_l("Signatures online and on paper, the signature list, and the hand-over."),
    roles=registry.STAFF,
)


def _open_petitions() -> dict | None:
    """The front page's block: the petitions taking signatures, or nothing when none is."""
    from campaign.petitions import services

    petitions = services.open_petitions(db.session())
    return {"petitions": petitions} if petitions else None


def _up_to_date(session) -> str | None:
    from campaign.petitions import services

    return services.up_to_date_all(session)


# Every petition rehashed to the current normal form at the upgrade (review R8-6): a public
# request that still finds one on an older form refuses (services.Outdated).
registry.add_seeder("petition-hashes", _up_to_date, order=70)  # ``flask init``


def _start_link_sender(app):
    """Each gunicorn worker's confirmation-link sender (links.py); what stops it."""
    from campaign.petitions import links

    sender = links.start_sender(app)
    return sender.stop.set if sender is not None else None


registry.add_worker_start("petition-link-sender", _start_link_sender)

registry.add_front_block(
    "open-petitions", "petitions/_front.html", order=20, context=_open_petitions
)

from campaign.petitions import documents, public, staff  # noqa: E402, F401  (routes on bp)
