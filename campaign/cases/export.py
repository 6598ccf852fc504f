"""Exports of the non-personal fields: CSV (UTF-8 with BOM, for Excel) and XLSX.

No title, workplace, description, issuer name, attachment or person appears here: only what
the national picture is made of.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.access import scope_to_branch
from campaign.auth.models import User
from campaign.cases import vocab
from campaign.cases.models import Case, CaseCategory, case_category_links
from campaign.cases.queries import Filters
from campaign.org.models import Prefecture


def _header() -> list[str]:
    return [
        _("Case number"),
        _("Prefecture"),
        _("Month"),
        _("State"),
        _("Categories"),
        _("Issued by"),
        _("How it was communicated"),
        _("Staff affected"),
        _("Non-regular staff targeted"),
        _("New hires targeted"),
        _("Dependents targeted"),
    ]


def rows(db: Session, user: User, filters: Filters, locale: str) -> Iterator[list]:
    """The export's rows (header first), in case number order, for the cases one may see."""
    prefectures = {p.code: p.name(locale) for p in db.scalars(select(Prefecture))}
    names = {c.id: c.name(locale) for c in db.scalars(select(CaseCategory))}
    yes, no = _("yes"), _("no")
    yield _header()
    stmt = filters.apply(
        scope_to_branch(
            select(
                Case.id,
                Case.prefecture_code,
                Case.occurred_month,
                Case.state,
                Case.issuer_kind,
                Case.channel,
                Case.staff_affected,
                Case.non_regular,
                Case.new_hires,
                Case.dependents,
            ).where(Case.state != vocab.DRAFT),
            Case.branch_id,
            user,
        )
    ).order_by(Case.id)
    for chunk in db.execute(stmt).partitions(2000):
        ids = [r.id for r in chunk]
        links: dict[int, list[str]] = {}
        for case_id, category_id in db.execute(
            select(case_category_links.c.case_id, case_category_links.c.category_id).where(
                case_category_links.c.case_id.in_(ids)
            )
        ):
            links.setdefault(case_id, []).append(names.get(category_id, ""))
        for r in chunk:
            yield [
                r.id,
                prefectures.get(r.prefecture_code, r.prefecture_code),
                r.occurred_month,
                str(vocab.STATES.get(r.state, r.state)),
                " / ".join(sorted(links.get(r.id, []))),
                str(vocab.ISSUER_KINDS.get(r.issuer_kind, r.issuer_kind)),
                str(vocab.CHANNELS.get(r.channel, r.channel)),
                r.staff_affected if r.staff_affected is not None else "",
                yes if r.non_regular else no,
                yes if r.new_hires else no,
                yes if r.dependents else no,
            ]


def _safe(value):
    """Cells that a spreadsheet would run as a formula are quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(data: Iterator[list]) -> bytes:
    """UTF-8 with a byte-order mark, CRLF line ends: what Excel opens correctly in Japan."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in data:
        writer.writerow([_safe(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(data: Iterator[list]) -> bytes:
    """One sheet, written in openpyxl's streaming mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    for row in data:
        sheet.append([_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
