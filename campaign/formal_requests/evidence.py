"""Evidence from the coercion cases that items cite.

Every read of the cases feature's data goes through this module (its models, through their
public columns), so that the coupling between the two features is in one place. A cited case
is shown in full to headquarters (and to the branch that owns it); anyone else sees counts only.
The appendix (別紙) of the printed document is aggregate only: no figure and no difference of
two figures describes 1 to headquarters' minimum − 1 cases (``figures``), so no single case can be
picked out of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from campaign.auth.models import User
from campaign.cases import suppression
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


MIN_MINIMUM = 3  # the floor of headquarters' minimum, as the surveys' k (surveys/results.py)
RULE = 3  # figures kept with this rule: rows and prefectures withheld as ``figures`` says


@dataclass(frozen=True)
class AppendixRow:
    """One line of the 別紙: a kind of pressure and how many cases (only kinds whose count
    passes ``figures``' rule have a line; no prefecture count per kind, see there)."""

    category: str
    cases: int


@dataclass(frozen=True)
class Appendix:
    """The aggregate evidence printed with a request: counted now (a draft), or as it was
    counted at approval (``counted_on``) and kept with the approved revision."""

    rows: list[AppendixRow]
    small_kinds: bool  # kinds withheld exist (not named, not counted)
    total_cases: int | None
    total_prefectures: int | None
    minimum: int
    counted_on: date | None = None  # kept figures: the day they were counted
    recounted: bool = False  # kept figures counted at the upgrade, not at approval


def effective_minimum(minimum: int | None) -> int:
    """Headquarters' minimum, never below ``MIN_MINIMUM`` (a minimum of 2 would let the
    reporter of one of two cases learn the other by subtracting their own)."""
    return max(MIN_MINIMUM, int(minimum or MIN_MINIMUM))


def _withheld_rows(cases: list[set[int]], kinds: int, k: int) -> list[bool]:
    """Which kinds' counts are withheld (``cases``: the kinds of each cited case, as indices):
    ``suppression.multilabel`` on the atoms, the cases grouped by which of the printed kinds
    they have, each 0 or at least k. That covers the kind against the total, one kind
    containing another (their difference is a union of atoms) and the cases with two printed
    kinds (A + B − total, review R6-2)."""
    combinations: dict[frozenset[int], int] = {}
    for kinds_of_case in cases:
        key = frozenset(kinds_of_case)
        combinations[key] = combinations.get(key, 0) + 1
    return [cell is None for cell in suppression.multilabel(combinations, kinds, k)]


def figures(request: FormalRequest, minimum: int) -> dict:
    """Count the request's cited cases by category (distinct cases), as the 別紙 prints them
    and as they are kept at approval (JSON-ready). Every printed figure, and every difference
    of two printed figures, describes 0 or at least ``minimum`` cases (SECURITY.md promise 4's
    rule, applied with ``campaign.cases.suppression``):

    - the total is printed when it is at least the minimum (else nothing is counted: the
      kinds are parts of it);
    - a kind is printed when every atom of the printed kinds (the cases grouped by which of
      them they have) is 0 or at least the minimum (``_withheld_rows``), so that no sum or
      difference of printed figures (a kind, the total minus it, A + B − total) describes 1 to
      minimum − 1 cases; a withheld
      kind has no line at all (naming it would say that some case is of that kind), and one
      sentence says such kinds exist;
    - the number of prefectures is printed for the total only, and only when every prefecture
      among the cited cases has at least the minimum of them (``suppression.partition`` of the
      cases by prefecture withholds nothing): "1 prefecture" of a kind, or the total's
      prefectures minus a kind's, would otherwise place 1 to k−1 cases.

    Only what the print shows is kept, and the branches whose cases were counted
    (``branches``: who may see the figures, R2-5).
    """
    minimum = effective_minimum(minimum)
    cases: dict[int, Case] = {}
    for item in request.items:
        for node in (item, *item.children):
            for case in node.cases:
                cases[case.id] = case
    by_category: dict[str, tuple[object, set[int]]] = {}
    index: dict[str, int] = {}
    of_case: list[set[int]] = []
    for case in cases.values():
        of_case.append(set())
        for category in case.categories:
            by_category.setdefault(category.code, (category, set()))[1].add(case.id)
            of_case[-1].add(index.setdefault(category.code, len(index)))
    total = len(cases)
    enough = total >= minimum
    kinds = list(by_category.values())  # in the order of ``index``
    hidden = _withheld_rows(of_case, len(kinds), minimum) if enough else [True] * len(kinds)
    rows = [
        {
            "position": category.position,
            "ja": category.name("ja"),
            "en": category.name("en"),
            "cases": len(ids),
        }
        for (category, ids), withheld in zip(kinds, hidden, strict=True)
        if not withheld
    ]
    per_prefecture: dict[str, int] = {}
    for case in cases.values():
        per_prefecture[case.prefecture_code] = per_prefecture.get(case.prefecture_code, 0) + 1
    cells = list(per_prefecture.values())
    prefectures_shown = enough and None not in suppression.partition(total, cells, minimum)
    return {
        "rule": RULE,
        "rows": rows,
        "small_kinds": len(rows) < len(kinds),
        "total_cases": total if enough else None,
        "total_prefectures": len(per_prefecture) if prefectures_shown else None,
        "minimum": minimum,
        "branches": sorted({c.branch_id for c in cases.values()}),
    }


def as_appendix(kept: dict, locale: str) -> Appendix:
    """The 別紙 of counted figures, its kinds named in ``locale``. Figures kept before the
    rule of ``figures`` (reviews R5-3, R6-2) are printed under it as far as their numbers
    allow: no prefecture counts (rule 1), a minimum of at least ``MIN_MINIMUM``, and, since
    which cases have which kinds is not kept, ``suppression.multilabel_counts``: at most one
    kind besides those of no case (two kinds and the total could give their common cases)."""
    language = "en" if locale == "en" else "ja"
    rows = sorted(kept["rows"], key=lambda r: (r["position"], r[language]))
    small_kinds, minimum = kept["small_kinds"], kept["minimum"]
    total_cases, total_prefectures = kept["total_cases"], kept["total_prefectures"]
    rule = kept.get("rule", 1)
    if rule < RULE:
        minimum = effective_minimum(minimum)
        if rule < 2:
            total_prefectures = None
        if total_cases is not None and total_cases < minimum:
            total_cases = None
        counts = [r["cases"] for r in rows]
        cells = (
            suppression.multilabel_counts(total_cases, counts, minimum)
            if total_cases is not None
            else suppression.primary(counts, minimum)
        )
        small_kinds = small_kinds or None in cells
        rows = [r for r, cell in zip(rows, cells, strict=True) if cell is not None]
    counted_on = kept.get("counted_on")
    return Appendix(
        rows=[AppendixRow(r[language], r["cases"]) for r in rows],
        small_kinds=small_kinds,
        total_cases=total_cases,
        total_prefectures=total_prefectures,
        minimum=minimum,
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
