"""Who may reach the information pages (see tests/main/test_access_matrix.py)."""

from tests.pages.factories import PageFactory

PUBLIC = (200, 200, 200)
HQ_ONLY = (302, 403, 200)

EXPECTED = {
    "pages.qa": PUBLIC,
    "pages.rights": PUBLIC,
    "pages.flyer": PUBLIC,
    "pages.pressed": PUBLIC,
    "pages.figures": PUBLIC,
    "pages.figures_csv": PUBLIC,
    "pages.search": PUBLIC,
    "pages.show": PUBLIC,
    "pages.index": PUBLIC,
    "pages.admin": HQ_ONLY,
    "pages.new": HQ_ONLY,
    "pages.edit": HQ_ONLY,
    "pages.history": HQ_ONLY,
    "pages.revision": HQ_ONLY,
    "pages.publish": (405, 405, 405),
    "pages.unpublish": (405, 405, 405),
    "pages.restore": (405, 405, 405),
    # The extra page was never shipped, so there is no newer shipped version of it: 404.
    "pages.shipped": (302, 403, 404),
    "pages.adopt_shipped": (405, 405, 405),
}
EXPECTED_POST = {
    "pages.edit": (401, 403, 400),
    "pages.new": (401, 403, 400),
    "pages.publish": (401, 403, 302),
    "pages.unpublish": (401, 403, 302),
    "pages.restore": (401, 403, 302),
    "pages.adopt_shipped": (401, 403, 400),
}


def arrange(make, world) -> dict:
    """The shipped pages and one more published page; pages belong to no branch."""
    PageFactory(make.session).load_shipped()
    extra = PageFactory(make.session).page()
    return {"page_slug": extra.slug, "revision_number": 1}
