"""Who may reach the case pages (see tests/main/test_access_matrix.py).

The officer is given a case of another branch: its detail, edit form and attachment answer 404.
"""

from campaign.cases import services
from campaign.cases.models import Attachment
from tests.cases.factories import CaseFactory

EXPECTED = {
    "cases.index": (302, 200, 200),
    "cases.create": (302, 200, 200),
    "cases.detail": (302, 404, 200),
    "cases.edit": (302, 404, 200),
    "cases.submit": (405, 405, 405),
    "cases.comment": (405, 405, 405),
    "cases.add_action": (405, 405, 405),
    "cases.download": (302, 404, 200),
    "cases.dashboard": (302, 200, 200),
    "cases.export_cases": (302, 200, 200),
    "cases.categories": (302, 403, 200),
}
EXPECTED_POST = {
    "cases.create": (401, 400, 400),
    "cases.edit": (401, 404, 400),
    "cases.submit": (401, 404, 302),
    "cases.comment": (401, 404, 400),
    "cases.add_action": (401, 404, 400),
    "cases.categories": (401, 403, 400),
}


def arrange(make, world) -> dict:
    """A draft case of the foreign branch, with one attachment."""
    session = make.session
    CaseFactory(session).seed()
    case = CaseFactory(session).case(world["foreign"], state="draft")
    with make.app.app_context():
        sealed = services.storage.seal(b"%PDF-1.4 test")
    attachment = Attachment(
        case_id=case.id, filename="notice.pdf", media_type="application/pdf", size=13, sealed=sealed
    )
    session.add(attachment)
    session.commit()
    return {"case_id": case.id, "attachment_id": attachment.id, "fmt": "csv"}
