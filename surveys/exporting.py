"""Files the surveys hand out: results as CSV/XLSX, invitation slips (PDF) and a mail-merge CSV.

The CSV and XLSX writers are the platform's (campaign/exports.py) when it has them; until then
the same rules are kept here: UTF-8 with BOM and CRLF for Excel in Japan, formula-safe cells.
"""

from __future__ import annotations

import csv
import io
import zipfile

from flask import current_app, make_response, render_template, url_for
from flask_babel import gettext as _

from campaign import db
from campaign.urls import external_url
from surveys import codes, results, storage
from surveys.models import State, Survey

_FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """Spreadsheets run cells that start like a formula: make such text inert."""
    try:
        from campaign.exports import safe_cell as platform_safe_cell
    except ImportError:
        if isinstance(value, str) and value.startswith(_FORMULA):
            return "'" + value
        return value
    return platform_safe_cell(value)


def download(body: bytes, mimetype: str, filename: str):
    """A file to save, never cached."""
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_bytes(rows: list[list[object]]) -> bytes:
    """CSV for Excel in Japan: UTF-8 with BOM, CRLF line ends, formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheet_title: str, rows: list[list[object]]) -> bytes:
    """An XLSX workbook: frozen header row, columns wide enough, formula-safe."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        width = max((len(str(c.value or "")) for c in column), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 1.6))
        _ = index
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_response(survey: Survey, report, fmt: str):
    """The shown figures as CSV or XLSX (exactly those the page shows)."""
    rows = results.rows_for_export(report)
    if fmt == "csv":
        return download(csv_bytes(rows), "text/csv; charset=utf-8", f"survey-{survey.id}.csv")
    return download(
        xlsx_bytes(_("Results"), rows),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"survey-{survey.id}.xlsx",
    )


def slips_pdf(survey: Survey, made: list[str]) -> bytes:
    """A4 sheets of slips to cut: title, address, code, QR code, short instructions."""
    import segno

    from campaign.pdf import render_pdf

    address = external_url("surveys.answer", survey_id=survey.id, trusted=True)
    slips = []
    for code in made:
        qr = segno.make(f"{address}?code={code.replace('-', '')}", error="m")
        buffer = io.BytesIO()
        qr.save(buffer, kind="svg", scale=2, xmldecl=False, border=1)
        slips.append({"code": code, "qr": buffer.getvalue().decode()})
    html = render_template("surveys/slips.html", survey=survey, slips=slips, address=address)
    return render_pdf(html, url_for("main.home", _external=True) if _has("main.home") else address)


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def mail_merge_csv(survey: Survey, made: list[str]) -> bytes:
    """One row per code, for a mail merge: title, address, code (no names: the platform never
    knows who receives which code)."""
    address = external_url("surveys.answer", survey_id=survey.id, trusted=True)
    rows: list[list[object]] = [[_("Survey"), _("Address"), _("Invitation code")]]
    rows += [[survey.title("ja"), address, code] for code in made]
    return csv_bytes(rows)


def codes_response(survey: Survey, count: int, fmt: str):
    """Make the codes (they exist only in this response) and hand them out."""
    session = db.session()
    made = codes.generate(session, current_app.config["SECRET_KEY"], survey, count)
    if survey.state == State.OPEN:
        # New codes mean room for more answers: more slots, every answer moved to a new one.
        storage.allocate(session, survey, count)
        storage.rewrite(session, survey)
    from campaign.audit import services as audit

    audit.record(
        session,
        "survey.codes_made",
        object_kind="survey",
        object_id=survey.id,
        branch_id=survey.branch_id,
        reason=str(count),
    )
    if fmt == "csv":
        return download(
            mail_merge_csv(survey, made), "text/csv; charset=utf-8", f"codes-{survey.id}.csv"
        )
    if fmt == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"slips-{survey.id}.pdf", slips_pdf(survey, made))
            archive.writestr(f"codes-{survey.id}.csv", mail_merge_csv(survey, made))
        return download(buffer.getvalue(), "application/zip", f"codes-{survey.id}.zip")
    return download(slips_pdf(survey, made), "application/pdf", f"slips-{survey.id}.pdf")
