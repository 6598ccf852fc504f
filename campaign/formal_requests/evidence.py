"""Evidence from the coercion cases that items cite.

Every read of the cases feature's data goes through this module (its models, through their
public columns), so that the coupling between the two features is in one place. A cited case
is shown in full to headquarters (and to the branch that owns it); anyone else sees counts only.
The appendix (別紙) of the printed document is aggregate only, and gives no figure for fewer
than headquarters' minimum of cases, so no single case can be picked out of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from campaign.auth.models import User
from campaign.cases.models import Case
from campaign.formal_requests.errors import FormalError
from campaign.formal_requests.models import FormalRequest, Item, Revision, item_case_links

DRAFT_CASE = "draft"  # a branch's draft case is not evidence yet


def parse_case_ids(text: str) -> list[int]:
    """「#12, 15 ３０」 → [12, 15, 30]; refuses anything that is not a case number."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "")
    ids: list[int] = []
    for token in text.replace(",", " ").replace("、", " ").split():
        token = token.lstrip("#")
        if not token.isdigit() or len(token) > 9:
            raise FormalError(_l("Give case numbers like 12 or #12, separated by commas."))
        if int(token) not in ids:
            ids.append(int(token))
    return ids


def cite(
    db: Session, item: Item, user: User, case_ids: list[int], *, replace: bool = False
) -> None:
    """Make the item cite these cases; each must be a reported case the person may see (an
    unknown number and another branch's case get the same answer, so nothing is learnt)."""
    if len(case_ids) > 500:
        raise FormalError(_l("An item may cite at most 500 cases."))
    cases = []
    for case_id in case_ids:
        case = db.get(Case, case_id)
        if case is None or case.state == DRAFT_CASE or not user.can_see_branch(case.branch_id):
            raise FormalError(
                _l("There is no reported case #%(number)d that you may cite.", number=case_id)
            )
        cases.append(case)
    if replace:
        # The cases of branches this person may not see are kept as they are: they are not in
        # the form (it shows only what the person may see), so they cannot be meant to go.
        kept = [c for c in item.cases if not user.can_see_branch(c.branch_id)]
        item.cases = [*kept, *(c for c in cases if c not in kept)]
    else:
        item.cases = [*item.cases, *(c for c in cases if c not in item.cases)]
    db.flush()


def visible_cited_ids(item: Item, user: User) -> list[int]:
    """The numbers of the cases an item cites that this person may see (for the edit form)."""
    return sorted(c.id for c in item.cases if user.can_see_branch(c.branch_id))


def cited_ids(item: Item) -> list[int]:
    """The numbers of the cases an item cites."""
    db = object_session(item)
    if db is None or item.id is None:
        return []
    return list(
        db.scalars(select(item_case_links.c.case_id).where(item_case_links.c.item_id == item.id))
    )


@dataclass(frozen=True)
class CaseLine:
    """A cited case as headquarters (or its own branch) sees it."""

    id: int
    title: str
    branch: str
    prefecture: str
    categories: list[str]


@dataclass(frozen=True)
class ItemEvidence:
    """What a person may see of one item's cited cases: those they may see in full, and only
    whether it cites others too (no count: a count of one, beside what an officer knows of
    their own branch, would tell another branch's case)."""

    shown: list[CaseLine]
    others: bool


def item_evidence(item: Item, user: User, locale: str) -> ItemEvidence:
    """The cases an item cites: in full where the person may see the case, else only that
    there are others."""
    shown, others = [], False
    for case in item.cases:
        if user.can_see_branch(case.branch_id):
            shown.append(
                CaseLine(
                    id=case.id,
                    title=case.title,
                    branch=case.branch.name,
                    prefecture=case.branch.prefecture.name(locale),
                    categories=[c.name(locale) for c in case.categories],
                )
            )
        else:
            others = True
    return ItemEvidence(shown, others)


@dataclass(frozen=True)
class AppendixRow:
    """One line of the 別紙: a kind of pressure, how many cases, in how many prefectures (only
    kinds with at least the minimum of cases have a line)."""

    category: str
    cases: int
    prefectures: int


@dataclass(frozen=True)
class Appendix:
    """The aggregate evidence printed with a request: counted now (a draft), or as it was
    counted at approval (``counted_on``) and kept with the approved revision."""

    rows: list[AppendixRow]
    small_kinds: bool  # kinds with fewer cases than the minimum exist (not named, not counted)
    total_cases: int | None
    total_prefectures: int | None
    minimum: int
    counted_on: date | None = None  # kept figures: the day they were counted
    recounted: bool = False  # kept figures counted at the upgrade, not at approval


def figures(request: FormalRequest, minimum: int) -> dict:
    """Count the request's cited cases by category (distinct cases, distinct prefectures), as
    the 別紙 prints them and as they are kept at approval (JSON-ready).

    A category with fewer than ``minimum`` cases has no line at all (naming it would say that
    some case is of that kind); one sentence says such kinds exist. The total follows the same
    rule, with complementary suppression. Only what the print shows is kept, and the branches
    whose cases were counted (``branches``: who may see the figures, R2-5).
    """
    minimum = max(1, minimum)
    cases: dict[int, Case] = {}
    for item in request.items:
        for node in (item, *item.children):
            for case in node.cases:
                cases[case.id] = case
    by_category: dict[str, tuple[object, set[int], set[str]]] = {}
    for case in cases.values():
        for category in case.categories:
            entry = by_category.setdefault(category.code, (category, set(), set()))
            entry[1].add(case.id)
            entry[2].add(case.prefecture_code)
    rows, small_kinds = [], False
    for category, ids, prefs in by_category.values():
        if len(ids) >= minimum:
            rows.append(
                {
                    "position": category.position,
                    "ja": category.name("ja"),
                    "en": category.name("en"),
                    "cases": len(ids),
                    "prefectures": len(prefs),
                }
            )
        else:
            small_kinds = True
    # Complementary suppression: the total minus the shown categories must not describe
    # 1 to minimum-1 cases either, else the hidden categories could be worked out.
    shown_ids = set().union(*(e[1] for e in by_category.values() if len(e[1]) >= minimum))
    only_hidden = len(cases) - len(shown_ids)
    big_total = len(cases) >= minimum and not 0 < only_hidden < minimum
    return {
        "rows": rows,
        "small_kinds": small_kinds,
        "total_cases": len(cases) if big_total else None,
        "total_prefectures": len({c.prefecture_code for c in cases.values()})
        if big_total
        else None,
        "minimum": minimum,
        "branches": sorted({c.branch_id for c in cases.values()}),
    }


def as_appendix(kept: dict, locale: str) -> Appendix:
    """The 別紙 of counted figures, its kinds named in ``locale``."""
    language = "en" if locale == "en" else "ja"
    rows = sorted(kept["rows"], key=lambda r: (r["position"], r[language]))
    counted_on = kept.get("counted_on")
    return Appendix(
        rows=[AppendixRow(r[language], r["cases"], r["prefectures"]) for r in rows],
        small_kinds=kept["small_kinds"],
        total_cases=kept["total_cases"],
        total_prefectures=kept["total_prefectures"],
        minimum=kept["minimum"],
        counted_on=date.fromisoformat(counted_on) if counted_on else None,
        recounted=kept.get("source") == "upgrade",
    )


def appendix(request: FormalRequest, minimum: int, locale: str) -> Appendix:
    """The 別紙 counted now from the cited cases (see ``figures``)."""
    return as_appendix(figures(request, minimum), locale)


def kept_withheld(kept: dict, user: User) -> bool:
    """Whether kept figures are for headquarters only: they counted cases of branches this
    person may not see (whatever became of those cases since)."""
    return not user.is_hq and any(not user.can_see_branch(b) for b in kept["branches"])


def keep(db: Session, request: FormalRequest, minimum: int, counted_on: date) -> None:
    """Keep the 別紙's figures with the revision being approved (review R2-26: the printed
    document of a request already sent changed when a cited case changed later)."""
    revision = _approved_revision(db, request)
    if revision is None:
        return
    kept = {**figures(request, minimum), "counted_on": counted_on.isoformat(), "source": "approval"}
    revision.appendix = json.dumps(kept, ensure_ascii=False)
    db.flush()


def kept_figures(request: FormalRequest) -> dict | None:
    """The figures kept at approval, for a request no longer a draft (``None`` for a draft:
    its preview counts now)."""
    db = object_session(request)
    if request.is_draft or db is None:
        return None
    revision = _approved_revision(db, request)
    return json.loads(revision.appendix) if revision is not None and revision.appendix else None


def _approved_revision(db: Session, request: FormalRequest) -> Revision | None:
    return db.scalar(
        select(Revision).where(
            Revision.request_id == request.id, Revision.number == request.revision
        )
    )


def requests_citing(db: Session, case_id: int, user: User) -> list[FormalRequest]:
    """The requests (that the person may see) with an item citing the case."""
    stmt = (
        select(FormalRequest)
        .join(Item, Item.request_id == FormalRequest.id)
        .join(item_case_links, item_case_links.c.item_id == Item.id)
        .where(item_case_links.c.case_id == case_id)
        .distinct()
        .order_by(FormalRequest.id)
    )
    if not user.is_hq:
        stmt = stmt.where(FormalRequest.branch_id == user.branch_id)
    return list(db.scalars(stmt))


def appendix_withheld(request: FormalRequest, user: User) -> bool:
    """Whether the 別紙 is for headquarters only: it counts cases of branches this person may
    not see, and its figures beside what they know of their own branch would tell those."""
    return not user.is_hq and any(
        not user.can_see_branch(case.branch_id)
        for item in request.items
        for node in (item, *item.children)
        for case in node.cases
    )
