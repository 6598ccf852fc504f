"""Files the surveys hand out: results as CSV/XLSX, invitation slips (PDF) and a mail-merge CSV.

The writers are the platform's: campaign/exports.py (CSV and XLSX) and campaign/pdf.py (PDF).
"""

from __future__ import annotations

import io
import zipfile

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from campaign import db, exports
from campaign.urls import external_url
from surveys import codes, results, storage
from surveys.models import State, Survey


def download(body: bytes, mimetype: str, filename: str):
    """A file to save, never cached (the platform's attachment)."""
    response = exports.attachment(body, filename, mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_bytes(rows: list[list[object]]) -> bytes:
    """A table whose first row is the header, as the platform's CSV (BOM, CRLF, formula-safe)."""
    return exports.csv_bytes(rows[0] if rows else None, rows[1:])


def xlsx_bytes(sheet_title: str, rows: list[list[object]]) -> bytes:
    """The same table as the platform's XLSX (fitted widths, frozen header, formula-safe)."""
    return exports.xlsx_bytes(sheet_title, rows[0] if rows else None, rows[1:])


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


def answer_address(survey: Survey) -> str:
    """The address members answer the survey at (from NAISHIN_BASE_URL when set)."""
    return external_url("surveys.answer", survey_id=survey.id, trusted=True)


def qr_svg(data: str, *, scale: int = 2, fluid: bool = False) -> str:
    """A QR code as inline SVG (no XML declaration), made with segno: the slips' and the
    invitation sheet's. ``fluid``: no width and height of its own, only a viewBox, so that the
    stylesheet sizes it (in millimetres on the printed invitation)."""
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", scale=scale, xmldecl=False, border=1, omitsize=fluid
    )
    return buffer.getvalue().decode()


def slip_link(address: str, code: str) -> str:
    """The address a slip's QR code opens: the code rides in the fragment (``#code=``), which
    a browser never sends, so it reaches no proxy log, no access log and no language link; the
    answer page's script (static/surveys/answer.js) copies it into the field and clears it from
    the address bar and history. Without JavaScript the member types the code printed beside."""
    return f"{address}#code={code.replace('-', '')}"


def slips_pdf(survey: Survey, made: list[str]) -> bytes:
    """A4 sheets of slips to cut: title, address, code, QR code, short instructions."""
    from campaign.pdf import render_pdf

    address = answer_address(survey)
    slips = [{"code": code, "qr": qr_svg(slip_link(address, code))} for code in made]
    html = render_template("surveys/slips.html", survey=survey, slips=slips, address=address)
    return render_pdf(html, url_for("main.home", _external=True) if _has("main.home") else address)


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def mail_merge_csv(survey: Survey, made: list[str]) -> bytes:
    """One row per code, for a mail merge: title, address, code (no names: the platform never
    knows who receives which code)."""
    address = answer_address(survey)
    rows: list[list[object]] = [[_("Survey"), _("Answer page address"), _("Invitation code")]]
    rows += [[survey.title("ja"), address, code] for code in made]
    return csv_bytes(rows)


def codes_response(survey: Survey, count: int, fmt: str):
    """Make the codes (they exist only in this response) and hand them out."""
    session = db.session()
    made = codes.generate(session, current_app.config["SECRET_KEY"], survey, count)
    if survey.state == State.OPEN:
        # New codes mean room for more answers: more slots, added as growth adds them.
        storage.grow(session, survey, count)
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
