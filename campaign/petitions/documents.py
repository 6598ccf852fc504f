"""The signature list (署名簿) for the hand-over: a print page, a PDF and an XLSX.

Headquarters only, once the petition is closed (or submitted), until it is anonymised. Every
view and download is written to the audit log (which format, how many rows; never a name).
The print page and the PDF are the same HTML: A4 pages, numbered rows of name and address
grouped by prefecture (JIS order), the petition's title and addressee repeated at the top of
every page, and "page n of m" at the bottom (CSS paged media, which WeasyPrint and Chromium
both follow).
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from campaign import db
from campaign.access import hq_required
from campaign.audit import services as audit
from campaign.pdf import render_pdf
from campaign.petitions import services
from campaign.petitions.blueprint import bp
from campaign.petitions.models import Petition, State

LISTABLE = (State.CLOSED, State.SUBMITTED)


def _listable(petition_id: int) -> Petition:
    petition = db.session().get(Petition, petition_id)
    if petition is None:
        abort(404)
    services.close_if_due(db.session(), petition)
    return petition


def _names() -> dict[str, str]:
    """Prefecture names in Japanese: the list is a Japanese document, whoever prints it."""
    from sqlalchemy import select

    from campaign.org.models import Prefecture

    return {p.code: p.name_ja for p in db.session().scalars(select(Prefecture))}


def list_html(petition: Petition, groups, *, for_pdf: bool) -> str:
    """The signature list as one HTML document (the print page and the PDF's source)."""
    return render_template(
        "petitions/list.html",
        petition=petition,
        groups=groups,
        prefectures=_names(),
        total=sum(len(rows) for _, rows in groups),
        for_pdf=for_pdf,
    )


@bp.get("/petitions/manage/<int:petition_id>/list.<any(html, pdf, xlsx):list_format>")
@hq_required
def signature_list(petition_id: int, list_format: str):
    """The 署名簿 as a page to print, a PDF or a spreadsheet; audited."""
    petition = _listable(petition_id)
    if petition.state not in LISTABLE:
        from flask import flash, redirect, url_for

        flash(
            _(
                "The signature list is available once the petition is closed, until its "
                "signers' data is deleted."
            ),
            "error",
        )
        return redirect(url_for("petitions.detail", petition_id=petition.id))
    groups = services.signature_list(db.session(), petition)
    rows = sum(len(r) for _, r in groups)
    audit.record(
        db.session(),
        f"petition.list_{list_format}",
        object_kind="petition",
        object_id=petition.id,
        reason=f"{rows} signatures",
    )
    if list_format == "html":
        return list_html(petition, groups, for_pdf=False)
    if list_format == "pdf":
        pdf = render_pdf(list_html(petition, groups, for_pdf=True), request.url_root)
        response = Response(pdf, content_type="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="petition-{petition.id}-signatures.pdf"'
        )
        return response
    from campaign import exports

    names = _names()
    header = [_("No."), _("Prefecture"), _("Name"), _("Address")]
    table = (
        [number, names.get(code, code), name, address]
        for code, members in groups
        for number, name, address in members
    )
    return exports.xlsx_response(
        f"petition-{petition.id}-signatures.xlsx", _("Signatures"), header, table
    )
