"""Evidence from the coercion cases that items cite.

Every read of the cases feature's data goes through this module (its models, through their
public columns), so that the coupling between the two features is in one place. A cited case
is shown in full to headquarters (and to the branch that owns it); anyone else sees counts only.
The appendix (別紙) of the printed document is aggregate only, and gives no figure for fewer
than headquarters' minimum of cases, so no single case can be picked out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from campaign.auth.models import User
from campaign.cases.models import Case
from campaign.formal_requests.errors import FormalError
from campaign.formal_requests.models import FormalRequest, Item, item_case_links

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
    """The aggregate evidence printed with a request."""

    rows: list[AppendixRow]
    small_kinds: bool  # kinds with fewer cases than the minimum exist (not named, not counted)
    total_cases: int | None
    total_prefectures: int | None
    minimum: int


def appendix(request: FormalRequest, minimum: int, locale: str) -> Appendix:
    """Count the request's cited cases by category (distinct cases, distinct prefectures).

    A category with fewer than ``minimum`` cases has no line at all (naming it would say that
    some case is of that kind); one sentence says such kinds exist. The total follows the same
    rule, with complementary suppression.
    """
    minimum = max(1, minimum)
    cases: dict[int, Case] = {}
    for item in request.items:
        for node in (item, *item.children):
            for case in node.cases:
                cases[case.id] = case
    by_category: dict[str, tuple[int, str, set[int], set[str]]] = {}
    for case in cases.values():
        for category in case.categories:
            entry = by_category.setdefault(
                category.code, (category.position, category.name(locale), set(), set())
            )
            entry[2].add(case.id)
            entry[3].add(case.prefecture_code)
    rows, small_kinds = [], False
    for _position, name, ids, prefs in sorted(by_category.values(), key=lambda e: (e[0], e[1])):
        if len(ids) >= minimum:
            rows.append(AppendixRow(name, len(ids), len(prefs)))
        else:
            small_kinds = True
    # Complementary suppression: the total minus the shown categories must not describe
    # 1 to minimum-1 cases either, else the hidden categories could be worked out.
    shown_ids = set().union(*(e[2] for e in by_category.values() if len(e[2]) >= minimum))
    only_hidden = len(cases) - len(shown_ids)
    big_total = len(cases) >= minimum and not 0 < only_hidden < minimum
    return Appendix(
        rows=rows,
        small_kinds=small_kinds,
        total_cases=len(cases) if big_total else None,
        total_prefectures=len({c.prefecture_code for c in cases.values()}) if big_total else None,
        minimum=minimum,
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
