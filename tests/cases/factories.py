"""Builders for cases: ``CaseFactory(session)``, bound to the test's session (the style of
every factory in the suite), and the files the attachment tests upload."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from sqlalchemy import select

from campaign import clock
from campaign.cases import services, vocab
from campaign.cases.models import Case, CaseCategory


class CaseFactory:
    """Builds cases in the test's session and commits them, so requests see them."""

    def __init__(self, session) -> None:
        self.session = session

    def categories(self) -> list[CaseCategory]:
        """The seeded categories, in order."""
        return list(self.session.scalars(select(CaseCategory).order_by(CaseCategory.position)))

    def seed(self) -> None:
        """Make sure the standard categories exist (PostgreSQL tests empty every table)."""
        services.seed_categories(self.session)
        self.session.commit()

    def case(
        self,
        branch,
        *,
        state: str = vocab.REPORTED,
        title: str = "申請書の一括配布",
        description: str = "人事課から申請書が配られた",
        category_codes=("bulk_forms",),
        issuer_kind: str = "municipality",
        occurred_on: date = date(2019, 8, 20),
        user=None,
        closed_at=None,
        reported_at=None,
    ) -> Case:
        """A case of a branch, committed so that requests see it (reported now unless it is
        a draft or ``reported_at`` says when)."""
        chosen = list(
            self.session.scalars(select(CaseCategory).where(CaseCategory.code.in_(category_codes)))
        )
        case = Case(
            branch_id=branch.id,
            prefecture_code=branch.prefecture_code,
            state=state,
            title=title,
            workplace="人事課",
            occurred_on=occurred_on,
            occurred_month=occurred_on.strftime("%Y-%m"),
            issuer_kind=issuer_kind,
            issuer_name="○○市人事課",
            channel="written",
            staff_affected=40,
            description=description,
            created_by_id=user.id if user else None,
            categories=chosen,
            closed_at=closed_at,
            reported_at=None if state == vocab.DRAFT else (reported_at or clock.now()),
        )
        self.session.add(case)
        services.bump_stats(self.session)
        self.session.commit()
        return case


def jpeg_bytes(*, gps: bool = False, marker: str = "CameraMakerMarker") -> bytes:
    """A small JPEG, optionally carrying EXIF with a GPS position."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = marker  # Make
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (35.0, 41.0, 22.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (139.0, 41.0, 30.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf_bytes(author: str = "Yamada Taro", text_marker: str = "") -> bytes:
    """A one-page PDF with an author in its metadata."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": author, "/Title": text_marker or "notice"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
