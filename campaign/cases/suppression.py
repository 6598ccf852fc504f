"""Withholding small counts so that no figure, and no difference of figures, singles out a
handful of cases.

``k`` is the fewest cases a shown figure may describe (``stats.MIN_CASES``). A count of 1 to
k−1 is withheld (``None``); a count of 0 or at least k is shown.

- ``partition(total, cells, k)``: a table whose cells split ``total`` (each case in exactly one
  cell: by issuer kind, by prefecture). After the small cells are withheld, what the shown total
  minus the shown cells leaves (the withheld cells together) must be 0 or at least k, otherwise
  a reader would get it by subtraction; when it is not, the smallest shown non-zero cell is
  withheld too (complementary suppression). Then every total minus any set of shown cells is
  0 or at least k, since it adds up shown cells of at least k and that remainder.
- ``multilabel(combinations, kinds, k)``: a table in which one case may count in several cells
  (by category), decided on the atoms (below); ``multilabel_counts(total, cells, k)`` when only
  the cells' counts are known.
- ``primary(cells, k)``: cells with no total beside them (the quarters): each on its own.

Callers show a table only when its total is 0 or at least k (a total of 1 to k−1 withholds the
table, its zeros included: "none of the three cases was in Aomori" says something about them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def small(count: int, k: int) -> bool:
    """Whether a count describes 1 to k−1 cases."""
    return 0 < count < k


def primary(cells: Sequence[int], k: int) -> list[int | None]:
    """Each cell withheld when it is small."""
    return [None if small(c, k) else c for c in cells]


def partition(total: int, cells: Sequence[int], k: int) -> list[int | None]:
    """The cells of a table that splits ``total``, small ones and their complement withheld."""
    shown = primary(cells, k)
    remainder = total - sum(c for c in shown if c is not None)
    if small(remainder, k):
        nonzero = [i for i, c in enumerate(shown) if c]
        if not nonzero:  # cannot happen with a total of at least k; withhold everything then
            return [None if c else c for c in cells]
        shown[min(nonzero, key=lambda i: (shown[i], i))] = None
    return shown


def atoms(
    combinations: Mapping[frozenset[int], int], shown: set[int] | frozenset[int]
) -> dict[frozenset[int], int]:
    """The cases grouped by which of the ``shown`` kinds they have (``combinations``: how many
    cases have exactly each combination of kinds); the cases with none of them (only withheld
    kinds, or none) are the atom ``frozenset()``."""
    out: dict[frozenset[int], int] = {}
    for combination, n in combinations.items():
        atom = frozenset(combination) & shown
        out[atom] = out.get(atom, 0) + n
    return out


def _fits(combinations: Mapping[frozenset[int], int], shown: set[int], k: int) -> bool:
    return not any(small(n, k) for n in atoms(combinations, shown).values())


def multilabel(combinations: Mapping[frozenset[int], int], kinds: int, k: int) -> list[int | None]:
    """The counts of kinds ``0 .. kinds−1`` of a table in which a case may have several kinds,
    each withheld (``None``) or shown beside the total (the sum of ``combinations``).

    The rule, on the atoms of the shown kinds S (``atoms``): every non-empty atom has at least
    k cases. While some atom has 1 to k−1, the smallest shown kind of such an atom is withheld
    (the smallest shown kind at all when the small atom is the cases with none of them), which
    merges atoms; then each withheld kind, the largest first, is shown again if the atoms stay
    whole. A kind of no case is always shown (its 0 splits no atom).

    Why no figure and no combination of figures describes 1 to k−1 cases: the total is the sum
    of all atoms and a kind's count the sum of the atoms that have it, so any ±1 combination of
    shown figures is Σ c_σ·|atom σ|; one that counts a set of cases whatever the data (every
    c_σ 0 or 1: a kind, the cases without it, A∩B = A + B − total when every case has a kind,
    the cases with exactly one kind, …) counts a union of atoms, 0 or at least k. A withheld
    kind is not shown again only because it would split some atom into a part of 1 to k−1: its
    cases are no union of atoms, the shown figures are the same however its cases lie inside the
    atoms, and no combination of them gives its count.
    """
    counts = [0] * kinds
    for combination, n in combinations.items():
        for kind in combination:
            counts[kind] += n
    shown = set(range(kinds))
    withheld: list[int] = []
    while True:
        parts = atoms(combinations, shown)
        small_atoms = [atom for atom, n in parts.items() if small(n, k)]
        if not small_atoms:
            break
        candidates = {kind for atom in small_atoms for kind in atom}
        if not candidates:  # the cases with none of the shown kinds are few
            candidates = {kind for kind in shown if counts[kind]}
        if not candidates:  # only the total is left, and it is small: the caller withholds it
            break
        kind = min(candidates, key=lambda i: (counts[i], i))
        shown.discard(kind)
        withheld.append(kind)
    for kind in sorted(withheld, key=lambda i: (-counts[i], i)):
        if _fits(combinations, shown | {kind}, k):
            shown.add(kind)
    return [counts[i] if i in shown else None for i in range(kinds)]


def multilabel_counts(total: int, cells: Sequence[int], k: int) -> list[int | None]:
    """``multilabel`` when only the count of each kind is known, not which cases have which
    (figures counted before the atoms were): the zeros and at most one kind, the largest whose
    count and the total minus it are 0 or at least k (its atoms with the total); two kinds and
    the total could give their common cases (A + B − total)."""
    best = None
    for i, c in enumerate(cells):
        fits = c and not small(c, k) and not small(total - c, k)
        if fits and (best is None or c > cells[best]):
            best = i
    return [c if c == 0 or i == best else None for i, c in enumerate(cells)]
