"""Who may reach the petition routes (see tests/main/test_access_matrix.py).

The arranged petition is open, with one paper batch of the officer's *foreign* branch: the
batch answers 404 to the officer; headquarters-only pages answer 403 to officers. The public
pages (the list, a petition's page, the emailed link's page) are the same for everyone, and
their posts without the public form's token are refused as bad input.
"""

from datetime import timedelta

from campaign.petitions import services
from campaign.petitions.models import PaperBatch, Petition

EXPECTED = {
    "petitions.index": (302, 200, 200),
    "petitions.create": (302, 403, 200),
    "petitions.edit": (302, 403, 302),  # an open petition cannot be edited: back to its page
    "petitions.detail": (302, 200, 200),
    "petitions.change_state": (405, 405, 405),
    "petitions.submit": (302, 403, 302),  # still open: back to its page
    "petitions.anonymise": (405, 405, 405),
    "petitions.add_paper": (405, 405, 405),
    "petitions.paper": (302, 404, 200),
    "petitions.review": (302, 403, 200),
    "petitions.mark": (405, 405, 405),
    "petitions.signature_list": (302, 403, 302),  # still open: back to its page, nothing shown
    "petitions.public_index": (200, 200, 200),
    "petitions.page": (200, 200, 200),
    "petitions.signature": (404, 404, 404),  # no token: no such signature
}
EXPECTED_POST = {
    "petitions.create": (401, 403, 400),
    "petitions.edit": (401, 403, 302),
    "petitions.change_state": (401, 403, 302),  # "open" an open petition: back, with a message
    "petitions.submit": (401, 403, 302),
    "petitions.anonymise": (401, 403, 302),  # an open petition is not anonymised: back
    "petitions.add_paper": (401, 400, 400),
    "petitions.paper": (401, 404, 400),
    "petitions.mark": (401, 403, 400),
    "petitions.page": (400, 400, 400),  # no public form token
    "petitions.signature": (400, 400, 400),
}


def arrange(make, world) -> dict:
    """An open petition with one paper batch of the foreign branch."""
    session = make.session
    petition = Petition(
        title_ja="請願",
        addressee_ja="総務大臣",
        goal=100,
        closes_on=services.today() + timedelta(days=30),
    )
    session.add(petition)
    session.flush()
    services.open_petition(session, petition)
    batch = PaperBatch(
        petition_id=petition.id,
        branch_id=world["foreign"].id,
        received_on=services.today(),
        signatures=10,
        sheets=2,
    )
    session.add(batch)
    session.commit()
    return {
        "petition_id": petition.id,
        "batch_id": batch.id,
        "state_action": "open",
        "list_format": "html",
    }
