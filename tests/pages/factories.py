"""Builders for information pages in the test's own session."""

from __future__ import annotations

import itertools

from campaign.pages import services
from campaign.pages.models import Page

_counter = itertools.count(1)


def load_shipped(session) -> None:
    """The four shipped pages, published, as ``flask init`` leaves them."""
    services.load_shipped(session)
    session.commit()


def page(session, *, slug: str | None = None, publish: bool = True, **content) -> Page:
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
    created = services.create_page(session, slug, defaults, author_id=None)
    if publish:
        services.publish_latest(session, created)
    session.commit()
    return created
