"""What changed between two versions of a page, as an editor reads it: in words, inline.

A field's text is cut into paragraphs (blank lines); unchanged paragraphs are left out, and a
changed one shows its words struck through (``<del>``) and added (``<ins>``) in place. Japanese
has no spaces between words, so Japanese text is compared character by character and runs of
changed characters are shown together; Latin words and numbers are compared whole.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "title_ja": _l("Title (Japanese)"),
    "title_en": _l("Title (English)"),
    "description_ja": _l("Description for sharing (Japanese)"),
    "description_en": _l("Description for sharing (English)"),
    "body_ja": _l("Page text (Japanese)"),
    "body_en": _l("Page text (English)"),
}
_TOKEN = re.compile(r"[A-Za-z0-9_'’.,-]+|\s+|.", re.S)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
# Below this likeness a paragraph reads better as one removed and one added whole.
_LIKENESS = 0.35


@dataclass(frozen=True)
class Piece:
    """A run of text that is kept (``same``), removed (``del``) or added (``add``)."""

    kind: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its label and the changed paragraphs, each a tuple of pieces."""

    field: str
    label: str
    paragraphs: tuple[tuple[Piece, ...], ...]


def _merge(pieces: list[Piece]) -> tuple[Piece, ...]:
    merged: list[Piece] = []
    for piece in pieces:
        if not piece.text:
            continue
        if merged and merged[-1].kind == piece.kind:
            merged[-1] = Piece(piece.kind, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return tuple(merged)


def words(old: str, new: str) -> tuple[Piece, ...]:
    """The changes from ``old`` to ``new`` within one paragraph."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if old and new and matcher.ratio() < _LIKENESS:
        return _merge([Piece("del", old), Piece("add", new)])
    pieces = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        pieces.append(Piece("del", "".join(a[i1:i2])))
        pieces.append(Piece("add", "".join(b[j1:j2])))
    return _tidy(_merge(pieces))


def _tidy(pieces: tuple[Piece, ...]) -> tuple[Piece, ...]:
    """One removed run and one added run per changed stretch: a kept scrap of one or two
    characters between two changes (「で」 in 義務ではありません → 本人の自由です) joins them, so
    the reader sees 「義務ではありません」 replaced by 「本人の自由です」, not four fragments."""
    out: list[Piece] = []
    removed, added = [], []

    def flush() -> None:
        if removed or added:
            out.extend(
                p for p in (Piece("del", "".join(removed)), Piece("add", "".join(added))) if p.text
            )
            removed.clear()
            added.clear()

    for index, piece in enumerate(pieces):
        between = 0 < index < len(pieces) - 1 and (removed or added)
        if piece.kind == "same" and not (
            between and len(piece.text.strip()) <= 2 and piece.text.strip()
        ):
            flush()
            out.append(piece)
        elif piece.kind == "same":
            removed.append(piece.text)
            added.append(piece.text)
        else:
            (removed if piece.kind == "del" else added).append(piece.text)
    flush()
    return tuple(out)


def paragraphs(old: str, new: str) -> tuple[tuple[Piece, ...], ...]:
    """Each changed paragraph of a text, with its words marked; unchanged ones left out."""
    a = [p.strip("\n") for p in _PARAGRAPHS.split(old.replace("\r\n", "\n"))] if old else []
    b = [p.strip("\n") for p in _PARAGRAPHS.split(new.replace("\r\n", "\n"))] if new else []
    changed = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            changed += [words(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
        elif op == "replace":
            changed.append(words("\n\n".join(a[i1:i2]), "\n\n".join(b[j1:j2])))
        else:
            changed += [(Piece("del", x),) for x in a[i1:i2]]
            changed += [(Piece("add", y),) for y in b[j1:j2]]
    return tuple(changed)


def compare(before: dict, after: dict, fields) -> list[FieldChange]:
    """Every changed field of two contents (dicts of the page's fields), in ``fields`` order."""
    out = []
    for name in fields:
        old, new = before.get(name) or "", after.get(name) or ""
        if old != new:
            out.append(FieldChange(name, str(FIELD_LABELS.get(name, name)), paragraphs(old, new)))
    return out
