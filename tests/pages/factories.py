"""Builders for information pages: ``PageFactory(session)``, in the test's own session."""

from __future__ import annotations

import itertools

from campaign.pages import services
from campaign.pages.models import Page

_counter = itertools.count(1)


class PageFactory:
    """Builds information pages in the test's session and commits them."""

    def __init__(self, session) -> None:
        self.session = session

    def load_shipped(self) -> None:
        """The four shipped pages, published, as ``flask init`` leaves them."""
        services.load_shipped(self.session)
        self.session.commit()

    def page(self, *, slug: str | None = None, publish: bool = True, **content) -> Page:
        """A page with one revision; published unless told otherwise."""
        n = next(_counter)
        slug = slug or f"guide-{n}"
        defaults = {
            "title_ja": f"案内{n}",
            "title_en": f"Guide {n}",
            "description_ja": "説明です。",
            "description_en": "A description.",
            "body_ja": "本文です。",
            "body_en": "The text.",
        }
        defaults.update(content)
        created = services.create_page(self.session, slug, defaults, author_id=None)
        if publish:
            services.publish_latest(self.session, created)
        self.session.commit()
        return created
