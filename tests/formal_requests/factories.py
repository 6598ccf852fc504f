"""Builders for formal requests: ``FormalFactory(session)``, through the services (so the
data is what the pages make)."""

from __future__ import annotations

from datetime import date

from campaign.formal_requests import services, workflow
from campaign.formal_requests.models import FormalRequest


class FormalFactory:
    """Builds formal requests in the test's session and commits them."""

    def __init__(self, session) -> None:
        self.session = session

    def request(
        self,
        drafter,
        *,
        items=("申請を強制しないこと。", "不利益な取扱いをしないこと。"),
        subject="マイナンバーカードの取得に関する要請",
        branch_id=None,
        case_ids=(),
        dated_on=date(2019, 7, 23),
    ) -> FormalRequest:
        """A draft with one addressee and the given items (the first citing ``case_ids``)."""
        header = services.HeaderInput(
            subject=subject,
            preamble="日頃のご尽力に敬意を表します。\n下記の事項について要請します。",
            document_number="全連発第1号",
            dated_on=dated_on,
            addressees=[services.AddresseeInput("総務省", "総務大臣", "○○　○○", "殿")],
        )
        request = services.create_request(self.session, drafter, header, branch_id=branch_id)
        for n, body in enumerate(items):
            services.add_item(
                self.session, request, drafter, body=body, case_ids=list(case_ids) if n == 0 else []
            )
        self.session.commit()
        return request

    def answered(self, request, approver, standings, *, sent_on=date(2019, 7, 23)):
        """Approve, send and answer a draft: ``standings`` per item, in order."""
        workflow.approve(self.session, request, approver)
        workflow.send(self.session, request, approver, sent_on=sent_on, how="交渉の場で手交")
        entries = [
            workflow.AnswerInput(item.id, standing, f"回答{n}", f"Answer {n}")
            for n, (item, standing) in enumerate(zip(request.items, standings, strict=True), 1)
        ]
        workflow.record_answers(self.session, request, approver, entries, answered_on=sent_on)
        self.session.commit()
        return request
