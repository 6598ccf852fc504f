"""The inclusion–exclusion check of a table in which a case may have several kinds (review
R6-2): what a reader can work out from the shown figures (the total and each shown kind's
count) never describes 1 to k−1 cases, and a withheld kind's count is not among it."""

from __future__ import annotations

import itertools


def _small(count: int, k: int) -> bool:
    return 0 < count < k


def check(cases: list[frozenset], shown: dict, withheld: set, k: int) -> None:
    """``cases``: the kinds of each case; ``shown``: {kind: count shown}; ``withheld``: the
    kinds of some case whose count is withheld. The total is shown beside them."""
    total = len(cases)
    sets = {kind: {n for n, kinds in enumerate(cases) if kind in kinds} for kind in shown}
    for kind, count in shown.items():
        assert count == len(sets[kind]), (kind, count)
    everyone = set(range(total))
    # A kind shown with 0 cases is an empty set: it adds nothing to any region, intersection,
    # union or sum, so only the kinds with cases are combined (3 ** kinds sign choices).
    names = sorted((kind for kind in shown if sets[kind]), key=str)
    # Every Venn region of the shown kinds (the cases with exactly these of them), and every
    # intersection, union and complement of a union, for every subset of the shown kinds.
    for size in range(len(names) + 1):
        for subset in itertools.combinations(names, size):
            inside = set.intersection(everyone, *(sets[s] for s in subset))
            region = {n for n in inside if not any(n in sets[o] for o in names if o not in subset)}
            union = set().union(*(sets[s] for s in subset))
            for part in (region, inside, union, everyone - union):
                assert not _small(len(part), k), (subset, len(part), shown, total)
    # The arithmetic a reader does: two kinds that every case has one of give A + B − total.
    for a, b in itertools.combinations(names, 2):
        if sets[a] | sets[b] == everyone:
            assert not _small(shown[a] + shown[b] - total, k), (a, b, shown, total)
    # Any ±1 combination of the shown figures that counts a set of cases (each case weighed
    # 0 or 1 by it) counts 0 or at least k (cases of one region are weighed alike).
    regions: dict[frozenset, set[int]] = {}
    for n, kinds in enumerate(cases):
        regions.setdefault(frozenset(kinds) & set(shown), set()).add(n)
    for signs in itertools.product((-1, 0, 1), repeat=len(names) + 1):
        weights = {
            region: signs[0]
            + sum(s for s, kind in zip(signs[1:], names, strict=True) if kind in region)
            for region in regions
        }
        if all(w in (0, 1) for w in weights.values()):
            counted = sum(len(regions[r]) for r, w in weights.items() if w)
            assert not _small(counted, k), (signs, shown, total)
    # A withheld kind's cases are no union of the regions above: no combination of the shown
    # figures is its count whatever the data (showing it would split a region into a part of
    # 1 to k−1).
    for kind in withheld:
        cases_of = {n for n, kinds in enumerate(cases) if kind in kinds}
        assert any(
            _small(len(region & cases_of), k) or _small(len(region - cases_of), k)
            for region in regions.values()
        ), (kind, shown)
