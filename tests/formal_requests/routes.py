"""Who may reach the formal-request pages (see tests/main/test_access_matrix.py).

The records belong to the officer's *foreign* branch: every page of that request answers 404
to the officer. The request has been sent, so headquarters may no longer change its wording
(403) but records its answers.
"""

from datetime import date

from campaign.auth.models import Role
from campaign.formal_requests import workflow
from tests.formal_requests.factories import FormalFactory

_OWN = (302, 404, 200)  # a page of the foreign branch's request
_WORDING = (302, 404, 403)  # a drafting page, once the request is no longer a draft

EXPECTED = {
    "formal.index": (302, 200, 200),
    "formal.create": (302, 200, 200),
    "formal.detail": _OWN,
    "formal.edit": _WORDING,
    "formal.edit_item": _WORDING,
    "formal.add_item": (405, 405, 405),
    "formal.move_item": (405, 405, 405),
    "formal.remove_item": (405, 405, 405),
    "formal.approve": (405, 405, 405),
    "formal.reopen": (405, 405, 405),
    "formal.send": (405, 405, 405),
    "formal.meeting": (405, 405, 405),
    "formal.answers": _OWN,
    "formal.download": _OWN,
    "formal.close": (405, 405, 405),
    "formal.add_outcome": (405, 405, 405),
    "formal.publish": (405, 405, 405),
    "formal.follow_up": (405, 405, 405),
    "formal.chain": _OWN,
    "formal.revisions": _OWN,
    "formal.revision": _OWN,
    "formal.print_page": _OWN,
    "formal.pdf": _OWN,
    "formal.docx": _OWN,
    "formal.overdue": (302, 200, 200),
    "formal.open_demands": (302, 200, 200),
    "formal.settings": (302, 200, 200),
    "formal.confirmed": (200, 200, 200),
}
EXPECTED_POST = {
    "formal.create": (401, 400, 400),
    "formal.edit": (401, 404, 403),
    "formal.add_item": (401, 404, 403),
    "formal.edit_item": (401, 404, 403),
    "formal.move_item": (401, 404, 403),
    "formal.remove_item": (401, 404, 403),
    # Refused moves come back to the request page with the reason.
    "formal.approve": (401, 404, 302),
    "formal.reopen": (401, 404, 302),
    "formal.send": (401, 404, 400),
    "formal.meeting": (401, 404, 400),
    "formal.answers": (401, 404, 302),
    "formal.close": (401, 404, 302),
    "formal.add_outcome": (401, 404, 400),
    "formal.publish": (401, 404, 302),
    "formal.follow_up": (401, 404, 302),
    "formal.settings": (401, 302, 302),
}


def arrange(make, world) -> dict:
    """A sent request of the foreign branch with one item and a written answer."""
    from tests.cases.factories import pdf_bytes

    session = make.session
    drafter = world["target"]
    colleague = make.user(role=Role.OFFICER, branch=world["foreign"])
    request = FormalFactory(session).request(drafter, items=("申請を強制しないこと。",))
    workflow.approve(session, request, colleague)
    workflow.send(session, request, colleague, sent_on=date(2019, 7, 23), how="手交")
    with make.app.app_context():
        file = workflow.attach_answer(
            session, request, colleague, "回答.pdf", pdf_bytes(), 10 * 1024 * 1024
        )
    session.commit()
    return {
        "request_id": request.id,
        "item_id": request.items[0].id,
        "file_id": file.id,
        "number": 1,
    }
