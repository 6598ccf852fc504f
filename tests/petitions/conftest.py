"""Petition fixtures: a factory for drafts and open petitions, and helpers to sign them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaign.petitions import services
from campaign.petitions.models import Petition
from tests.main.conftest import world  # noqa: F401  (the route matrix's records)

SECRET = "a test secret key that is long enough to pass the check"


class PetitionFactory:
    """Builds petitions in the test's session (committed, so requests see them)."""

    def __init__(self, session, make) -> None:
        self.session, self.make = session, make

    def draft(self, **fields) -> Petition:
        """A draft to the minister, closing in 30 days, with a goal of 100."""
        values = {
            "title_ja": "マイナンバーカードの取得を強制しないことを求める請願",
            "title_en": "Petition: do not force staff to get the My Number card",
            "text_ja": "カードの取得は本人の申請によるものです。",
            "text_en": "The card is issued only on the person's own application.",
            "addressee_ja": "総務大臣",
            "addressee_en": "Minister for Internal Affairs",
            "goal": 100,
            "closes_on": services.today() + timedelta(days=30),
        }
        values.update(fields)
        petition = Petition(**values)
        self.session.add(petition)
        self.session.commit()
        return petition

    def opened(self, **fields) -> Petition:
        """An open petition."""
        petition = self.draft(**fields)
        services.open_petition(self.session, petition)
        self.session.commit()
        return petition

    def sign(self, petition: Petition, name: str, address: str, secret: str = SECRET, **kw):
        """Sign directly through the service (no request)."""
        result = services.sign(self.session, petition, secret, name=name, address=address, **kw)
        self.session.commit()
        return result


@pytest.fixture
def petitions(session, make) -> PetitionFactory:
    """``petitions.opened()``, ``petitions.sign(p, name, address)``."""
    return PetitionFactory(session, make)
