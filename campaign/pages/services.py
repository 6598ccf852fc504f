"""The pages' rules: load the shipped content, edit, publish, restore, search.

Services take the session, flush only, and raise ``PageError`` with a message for the person.
Every change is written to the audit log (without any page content).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.audit import services as audit
from campaign.pages import changes, markup
from campaign.pages.models import Page, PageRevision

CONTENT = Path(__file__).resolve().parent / "content"
RESERVED_SLUGS = {"new", "admin", "search"}  # addresses the editor's own URLs use
FIELDS = ("title_ja", "title_en", "description_ja", "description_en", "body_ja", "body_en")


class PageError(Exception):
    """A change could not be made as asked; the message is shown to the person."""


# --- shipped content -------------------------------------------------------------------------


def shipped_pages() -> list[dict]:
    """The pages shipped in ``content/pages.toml``, with their Markdown bodies read in."""
    with (CONTENT / "pages.toml").open("rb") as handle:
        manifest = tomllib.load(handle)
    pages = []
    for position, entry in enumerate(manifest["page"], start=1):
        slug = entry["slug"]
        pages.append(
            {
                "slug": slug,
                "position": position * 10,
                "title_ja": entry["title_ja"],
                "title_en": entry["title_en"],
                "description_ja": entry["description_ja"],
                "description_en": entry["description_en"],
                "body_ja": (CONTENT / f"{slug}.ja.md").read_text(encoding="utf-8"),
                "body_en": (CONTENT / f"{slug}.en.md").read_text(encoding="utf-8"),
            }
        )
    return pages


SHIPPED_NOTE = "Shipped content"
ADOPTED_NOTE = "Adopted the shipped content"


def content_of(rev: PageRevision) -> dict:
    """A revision's content as a dict of ``FIELDS``."""
    return {name: getattr(rev, name) for name in FIELDS}


def _is_shipped(rev: PageRevision) -> bool:
    """Whether the loader wrote this revision (not headquarters)."""
    return rev.author_id is None and rev.note == SHIPPED_NOTE


def _last_shipped(db: Session, page: Page) -> PageRevision | None:
    """The newest revision that holds shipped content: loaded, or adopted by headquarters."""
    return db.scalar(
        select(PageRevision)
        .where(
            PageRevision.page_id == page.id,
            PageRevision.note.in_((SHIPPED_NOTE, ADOPTED_NOTE)),
        )
        .order_by(PageRevision.number.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class ShippedOffer:
    """A newer shipped version of a page that headquarters has edited: not applied, offered.

    ``base`` is the shipped (or adopted) revision the page last took from a release, so that
    headquarters sees what the release changed as well as what adopting would do to its page.
    """

    page: Page
    current: PageRevision
    base: PageRevision | None
    shipped: dict


@dataclass(frozen=True)
class LoadResult:
    """What ``pages load`` did: created, brought up to date, kept, and offered to headquarters."""

    created: int
    updated: int
    kept: int
    offered: tuple[str, ...]


def _unedited(page: Page, current: PageRevision | None) -> bool:
    """A page headquarters never touched: its newest revision is shipped and is the public one."""
    return current is not None and _is_shipped(current) and page.published_number == current.number


def shipped_offers(db: Session) -> list[ShippedOffer]:
    """Pages headquarters edited whose shipped content is newer than what they last took.

    Nothing is stored for an offer: it is the difference between the content shipped with the
    running release and the page's last shipped revision, so it lasts until headquarters adopts
    it (or the page already says the same) and a further release simply replaces it.
    """
    offers = []
    for data in shipped_pages():
        page = page_by_slug(db, data["slug"])
        if page is None:
            continue
        current = latest(db, page)
        if current is None or _unedited(page, current):
            continue
        shipped = {name: data[name] for name in FIELDS}
        base = _last_shipped(db, page)
        if content_of(current) == shipped:
            continue
        if base is not None and content_of(base) == shipped:
            continue
        offers.append(ShippedOffer(page, current, base, shipped))
    return offers


def shipped_offer(db: Session, page: Page) -> ShippedOffer | None:
    """The offer for one page, if there is one."""
    return next((o for o in shipped_offers(db) if o.page.id == page.id), None)


def load_shipped(db: Session) -> LoadResult:
    """Create and publish each shipped page that does not exist yet.

    A page headquarters never changed (its newest revision is the shipped one, and public) is
    brought up to date with a new shipped revision. A page headquarters edited, restored or
    took off the site is never overwritten: its newer shipped content is offered instead
    (``shipped_offers``), for headquarters to review as a diff and adopt.
    """
    created = updated = kept = 0
    for data in shipped_pages():
        content = {name: data[name] for name in FIELDS}
        page = page_by_slug(db, data["slug"])
        if page is None:
            page = Page(slug=data["slug"], position=data["position"], updated_at=clock.now())
            db.add(page)
            db.flush()
            revision = _add_revision(db, page, content, note=SHIPPED_NOTE, author_id=None)
            _publish(db, page, revision)
            audit.record(db, "page.loaded", object_kind="page", object_id=page.id)
            created += 1
            continue
        current = latest(db, page)
        if _unedited(page, current) and content_of(current) != content:
            revision = _add_revision(db, page, content, note=SHIPPED_NOTE, author_id=None)
            _publish(db, page, revision)
            audit.record(
                db,
                "page.updated",
                object_kind="page",
                object_id=page.id,
                reason=f"r{revision.number}",
            )
            updated += 1
        else:
            kept += 1
    db.flush()
    offered = tuple(o.page.slug for o in shipped_offers(db))
    return LoadResult(created, updated, kept, offered)


def load_message(db: Session) -> str:
    """Load the shipped pages and say what happened (for ``flask init`` and ``pages load``)."""
    result = load_shipped(db)
    message = (
        f"Information pages: {result.created} loaded, {result.kept} kept as they are, "
        f"{result.updated} updated to the shipped version."
    )
    if result.offered:
        message += (
            "\nHeadquarters edited these pages and a newer shipped version waits for review "
            f"under Edit pages (nothing was overwritten): {', '.join(result.offered)}."
        )
    return message


def adopt_shipped(
    db: Session, page: Page, *, base_number: int, author_id: int | None
) -> PageRevision:
    """Headquarters takes the newer shipped content as a new revision of its page.

    ``base_number`` is the revision headquarters compared against: if the page changed since,
    nothing is adopted. The new revision is public at once if the page is public (as a
    restore is); the revision headquarters had before stays in the history, one click away.
    """
    if base_number != page.latest_number:
        raise PageError(
            _l(
                "Someone saved this page while you were comparing. "
                "Review the changes again before adopting them."
            )
        )
    offer = shipped_offer(db, page)
    if offer is None:
        raise PageError(_l("There is no newer shipped version of this page."))
    rev = _add_revision(db, page, offer.shipped, note=ADOPTED_NOTE, author_id=author_id)
    if page.published_number is not None:
        _publish(db, page, rev)
    audit.record(db, "page.adopted", object_kind="page", object_id=page.id, reason=f"r{rev.number}")
    return rev


# --- reading ---------------------------------------------------------------------------------


def all_pages(db: Session) -> list[Page]:
    """Every page, drafts too, in menu order (for headquarters)."""
    return list(db.scalars(select(Page).order_by(Page.position, Page.slug)))


def page_by_slug(db: Session, slug: str) -> Page | None:
    """A page by its address, published or not."""
    return db.scalar(select(Page).where(Page.slug == slug))


def revision(db: Session, page: Page, number: int | None) -> PageRevision | None:
    """One revision of a page by its number."""
    if number is None:
        return None
    return db.scalar(
        select(PageRevision).where(PageRevision.page_id == page.id, PageRevision.number == number)
    )


def latest(db: Session, page: Page) -> PageRevision | None:
    """The newest revision (what the edit form starts from)."""
    return revision(db, page, page.latest_number)


def published(db: Session, slug: str) -> tuple[Page, PageRevision] | None:
    """A published page and the revision the public sees, or None."""
    row = db.execute(
        select(Page, PageRevision)
        .join(
            PageRevision,
            (PageRevision.page_id == Page.id) & (PageRevision.number == Page.published_number),
        )
        .where(Page.slug == slug)
    ).first()
    return None if row is None else (row[0], row[1])


def revisions(db: Session, page: Page) -> list[PageRevision]:
    """All revisions of a page, newest first."""
    return list(
        db.scalars(
            select(PageRevision)
            .where(PageRevision.page_id == page.id)
            .order_by(PageRevision.number.desc())
        )
    )


def diff(older: PageRevision | None, newer: PageRevision) -> list[changes.FieldChange]:
    """What changed from ``older`` to ``newer``, field by field (unchanged fields left out)."""
    return diff_content(content_of(older) if older else {}, content_of(newer))


def diff_content(before: dict, after: dict) -> list[changes.FieldChange]:
    """What changed between two contents (dicts of ``FIELDS``), in words (pages/changes.py)."""
    return changes.compare(before, after, FIELDS)


# --- changing --------------------------------------------------------------------------------


def _add_revision(
    db: Session, page: Page, content: dict, *, note: str, author_id: int | None
) -> PageRevision:
    number = page.latest_number + 1
    rev = PageRevision(
        page_id=page.id, number=number, note=note[:200], author_id=author_id, **content
    )
    db.add(rev)
    page.latest_number = number
    page.updated_at = clock.now()
    db.flush()
    return rev


def _publish(db: Session, page: Page, rev: PageRevision) -> None:
    page.published_number = rev.number
    page.published_at = clock.now()
    page.updated_at = clock.now()
    page.search_text = markup.normalise(
        " ".join(
            [
                rev.title_ja,
                rev.description_ja,
                markup.plain_text(rev.body_ja),
                rev.title_en,
                rev.description_en,
                markup.plain_text(rev.body_en),
            ]
        )
    )
    db.flush()


def save(
    db: Session,
    page: Page,
    content: dict,
    *,
    base_number: int,
    author_id: int | None,
    note: str = "",
    publish: bool = False,
) -> PageRevision:
    """Save the edited content as a new revision (and publish it if asked).

    ``base_number`` is the revision the editor started from: if someone saved in between,
    the edit is refused rather than silently overwriting theirs.
    """
    if base_number != page.latest_number:
        raise PageError(
            _l(
                "Someone saved this page while you were editing. "
                "Reload it and apply your change again."
            )
        )
    current = latest(db, page)
    content = {name: (content.get(name) or "").replace("\r\n", "\n") for name in FIELDS}
    if current is not None and all(getattr(current, n) == content[n] for n in FIELDS):
        if publish and page.published_number != current.number:
            return publish_latest(db, page)
        raise PageError(_l("Nothing changed, so no new revision was saved."))
    rev = _add_revision(db, page, content, note=note, author_id=author_id)
    audit.record(db, "page.edited", object_kind="page", object_id=page.id, reason=f"r{rev.number}")
    if publish:
        _publish(db, page, rev)
        audit.record(
            db, "page.published", object_kind="page", object_id=page.id, reason=f"r{rev.number}"
        )
    return rev


def publish_latest(db: Session, page: Page) -> PageRevision:
    """Make the newest revision the one the public sees."""
    rev = latest(db, page)
    if rev is None:
        raise PageError(_l("This page has no content to publish yet."))
    _publish(db, page, rev)
    audit.record(
        db, "page.published", object_kind="page", object_id=page.id, reason=f"r{rev.number}"
    )
    return rev


def unpublish(db: Session, page: Page) -> None:
    """Take the page off the public site (headquarters still sees and edits it)."""
    page.published_number = None
    page.published_at = None
    page.search_text = ""
    page.updated_at = clock.now()
    db.flush()
    audit.record(db, "page.unpublished", object_kind="page", object_id=page.id)


def restore(db: Session, page: Page, number: int, *, author_id: int | None) -> PageRevision:
    """Copy an old revision into a new one; if the page is public, the public sees it at once."""
    old = revision(db, page, number)
    if old is None:
        raise PageError(_l("There is no such revision."))
    content = {name: getattr(old, name) for name in FIELDS}
    rev = _add_revision(db, page, content, note=f"Restored r{number}", author_id=author_id)
    if page.published_number is not None:
        _publish(db, page, rev)
    audit.record(
        db,
        "page.restored",
        object_kind="page",
        object_id=page.id,
        reason=f"r{number} as r{rev.number}",
    )
    return rev


# --- search ----------------------------------------------------------------------------------

MAX_QUERY = 100
MAX_HITS = 50


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Hit:
    """A search result: the page, its published revision, and a passage around the match."""

    page: Page
    revision: PageRevision
    before: str
    match: str
    after: str
    anchor: str | None = None  # the ## section the match is in (its id on the page)
    heading: str | None = None


_H2 = re.compile(r"^## +(.+?)\s*#*\s*$", re.M)


def _sections(markdown: str) -> list[tuple[str | None, str | None, str]]:
    """A body cut at its ``##`` headings: (anchor, heading, Markdown) in order; the anchors are
    the ones markup.render gives the headings (s1, s2, ...)."""
    sections, start, anchor, heading = [], 0, None, None
    for number, match in enumerate(_H2.finditer(markdown), start=1):
        sections.append((anchor, heading, markdown[start : match.start()]))
        start, anchor, heading = match.start(), f"s{number}", match.group(1)
    sections.append((anchor, heading, markdown[start:]))
    return sections


def search(db: Session, query: str, locale: str) -> list[Hit]:
    """Published pages whose text contains every word of the query (mid-sentence too).

    Japanese has no spaces between words, so the match is a substring test over the
    normalised plain text (``LIKE`` with the pattern escaped), which SQLite and PostgreSQL
    both run without extensions.
    """
    terms = [t for t in markup.normalise(query[:MAX_QUERY]).split(" ") if t][:5]
    if not terms:
        return []
    stmt = (
        select(Page, PageRevision)
        .join(
            PageRevision,
            (PageRevision.page_id == Page.id) & (PageRevision.number == Page.published_number),
        )
        .where(Page.published_number.is_not(None))
    )
    for term in terms:
        stmt = stmt.where(Page.search_text.like(_like_pattern(term), escape="\\"))
    rows = db.execute(stmt.order_by(Page.position, Page.slug).limit(MAX_HITS)).all()
    return [_hit(page, rev, terms[0], locale) for page, rev in rows]


def _hit(page: Page, rev: PageRevision, term: str, locale: str) -> Hit:
    other = "ja" if locale == "en" else "en"
    for lang in (locale, other):
        for anchor, heading, section in _sections(rev.body(lang)):
            text = markup.plain_text(section)
            folded = markup.normalise(text)
            at = folded.find(term)
            if at < 0:
                continue
            # NFKC can change lengths; the passage is only shown when the offsets still agree.
            if len(folded) != len(text):
                return Hit(page, rev, "", "", rev.description(locale), anchor, heading)
            start, end = max(0, at - 40), min(len(text), at + len(term) + 60)
            before, found = text[start:at], text[at : at + len(term)]
            after = text[at + len(term) : end]
            return Hit(page, rev, before, found, after, anchor, heading)
    return Hit(page, rev, "", "", rev.description(locale))


def create_page(db: Session, slug: str, content: dict, *, author_id: int | None) -> Page:
    """A new page with its first revision, as a draft."""
    if slug in RESERVED_SLUGS or page_by_slug(db, slug) is not None:
        raise PageError(_l("A page with this address already exists."))
    position = (db.scalar(select(func.max(Page.position))) or 0) + 10
    page = Page(slug=slug, position=position, updated_at=clock.now())
    db.add(page)
    db.flush()
    full = {name: content.get(name, "") for name in FIELDS}
    _add_revision(db, page, full, note="Created", author_id=author_id)
    audit.record(db, "page.created", object_kind="page", object_id=page.id)
    return page
