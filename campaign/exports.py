"""The one export writer: CSV that Excel opens correctly in Japan, and XLSX.

How a feature uses it (a view that offers a download)::

    from campaign.exports import csv_response, xlsx_response

    header = [_("Case number"), _("Prefecture")]
    rows = ([c.id, c.prefecture] for c in cases)          # any iterable of sequences
    return csv_response(f"cases-{stamp}.csv", header, rows)
    return xlsx_response(f"cases-{stamp}.xlsx", _("Cases"), header, rows)

- CSV: UTF-8 with a byte-order mark and CRLF line ends (without the BOM, Excel in Japan reads
  the file as Shift_JIS and shows mojibake).
- XLSX: one sheet named in the user's language (the title is trimmed to Excel's 31 characters
  and its forbidden characters ``[]:*?/\\`` replaced), column widths fitted to the text (a
  full-width character counts double), the header row bold and frozen.
- Both are formula-safe: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return, or with the full-width ``＝＋－＠``, would run as a formula in a spreadsheet
  (CSV injection). In CSV such a cell gets a leading apostrophe (``safe_cell``); in XLSX it is
  written as a typed text cell, never as a formula, so it reads exactly as entered.
- Numbers stay numbers (a negative *number* is not quoted); ``None`` becomes an empty cell;
  dates should be passed through ``campaign.dates.iso``.
- The file name may be Japanese: it is sent as RFC 5987 ``filename*`` with an ASCII fallback.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMN_WIDTH = 60
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would take this text cell for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: object) -> object:
    """One CSV cell: formula-like text gets a leading apostrophe; ``None`` becomes ""."""
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


def csv_bytes(header: Sequence | None, rows: Iterable[Sequence]) -> bytes:
    """The CSV file's bytes: BOM, CRLF, every cell through ``safe_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def sheet_name(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = _SHEET_FORBIDDEN.sub("_", str(title)).strip("'").strip() or "Sheet1"
    return cleaned[:31]


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in longest)


def xlsx_bytes(sheet_title: str, header: Sequence | None, rows: Iterable[Sequence]) -> bytes:
    """The XLSX file's bytes: one sheet, fitted column widths, a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    data = [list(r) for r in rows]  # the widths need every row before the first is written
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name(sheet_title))
    widths: dict[int, int] = {}
    for row in ([list(header)] if header is not None else []) + data:
        for i, value in enumerate(row):
            widths[i] = max(widths.get(i, 0), _display_width(value))
    for i, width in widths.items():
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(MAX_COLUMN_WIDTH, width + 2)
    if header is not None:
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for value in header:
            cell = _cell(sheet, WriteOnlyCell, value)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    for row in data:
        sheet.append([_cell(sheet, WriteOnlyCell, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, cell_class, value):
    cell = cell_class(sheet, value="" if value is None else value)
    if is_formula_like(value):
        cell.data_type = "s"  # text, never a formula, whatever it starts with
    return cell


def attachment(body: bytes, filename: str, mimetype: str) -> Response:
    """A download response; a non-ASCII file name goes in ``filename*`` (RFC 5987)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    response = Response(body, content_type=mimetype)
    disposition = f'attachment; filename="{fallback}"'
    if fallback != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    response.headers["Content-Disposition"] = disposition
    return response


def csv_response(filename: str, header: Sequence | None, rows: Iterable[Sequence]) -> Response:
    """A CSV download (see the module docstring)."""
    return attachment(csv_bytes(header, rows), filename, CSV_MIMETYPE)


def xlsx_response(
    filename: str, sheet_title: str, header: Sequence | None, rows: Iterable[Sequence]
) -> Response:
    """An XLSX download whose one sheet is called ``sheet_title`` (pass it through gettext)."""
    return attachment(xlsx_bytes(sheet_title, header, rows), filename, XLSX_MIMETYPE)
