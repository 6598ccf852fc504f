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
- ``multilabel(total, cells, k)``: a table in which one case may count in several cells (by
  category). Each cell is a part of the total, so a cell is shown only when both it and the
  total minus it (the cases without that category) are 0 or at least k.
- ``primary(cells, k)``: cells with no total beside them (the quarters): each on its own.

Callers show a table only when its total is 0 or at least k (a total of 1 to k−1 withholds the
table, its zeros included: "none of the three cases was in Aomori" says something about them).
"""

from __future__ import annotations

from collections.abc import Sequence


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


def multilabel(total: int, cells: Sequence[int], k: int) -> list[int | None]:
    """The cells of a table in which a case may count more than once, each a part of ``total``."""
    return [None if small(c, k) or small(total - c, k) else c for c in cells]
