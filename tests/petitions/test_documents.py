"""The signature list (署名簿): print page, PDF (A4, rows in order, fonts embedded), XLSX;
headquarters only, once closed; every view and download audited."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEntry
from campaign.auth.models import Role
from campaign.pdf import embedded_fonts
from campaign.petitions import services

SIGNERS = [
    ("田中一郎", "滋賀県大津市京町4-1-1"),
    ("山田太郎", "東京都千代田区霞が関二丁目1番2号"),
    ("佐藤次郎", "北海道札幌市中央区北3条西6丁目"),
    ("鈴木花子", "東京都新宿区西新宿2-8-1"),
]


@pytest.fixture
def closed(petitions, session):
    petition = petitions.opened(title_ja="カード取得の強制に反対する請願", addressee_ja="総務大臣")
    for name, address in SIGNERS:
        petitions.sign(petition, name, address)
    for n in range(60):  # enough rows for a second page
        petitions.sign(
            petition,
            f"署名者{'一二三四五六七八九十'[n % 10]}{'アイウエオカ'[n // 10]}",
            f"大阪府大阪市北区{n + 1}-1",
        )
    services.close_petition(session, petition)
    session.commit()
    return petition


def _hq(auth, make):
    auth.login(make.user(role=Role.HQ))
    return auth.client


def test_the_print_page_groups_by_prefecture_in_jis_order(auth, make, closed):
    client = _hq(auth, make)
    response = client.get(f"/petitions/manage/{closed.id}/list.html")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("北海道") < page.index("東京都") < page.index("滋賀県") < page.index("大阪府")
    # Within Tokyo by address: 千代田区 before 新宿区 (never in signing order, review R4-5).
    assert page.index("山田太郎") < page.index("鈴木花子")
    assert "総務大臣　殿" in page


def test_the_pdf_is_a4_in_order_with_fonts_embedded(auth, make, closed, session):
    from pypdf import PdfReader

    client = _hq(auth, make)
    response = client.get(f"/petitions/manage/{closed.id}/list.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = response.get_data()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1  # A4 in points
    text = "".join(page.extract_text() for page in reader.pages)
    order = ["佐藤次郎", "山田太郎", "鈴木花子", "田中一郎"]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)
    assert "総務大臣" in text and f"1 / {len(reader.pages)}" in text
    numbers = [
        int(line.split()[0])
        for line in text.splitlines()
        if len(line.split()) >= 3 and line.split()[0].isdigit() and line.split()[1] != "/"
    ]
    assert numbers == list(range(1, 65))
    fonts = embedded_fonts(pdf)
    assert fonts and all(("IPAex" in f or "Noto" in f) for f in fonts), fonts
    actions = list(
        session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(closed.id)))
    )
    assert "petition.list_pdf" in actions


def test_the_xlsx_has_every_row_numbered(auth, make, closed, session):
    from openpyxl import load_workbook

    client = _hq(auth, make)
    response = client.get(f"/petitions/manage/{closed.id}/list.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("No.", "Prefecture", "Name", "Address")
    assert [r[0] for r in rows[1:]] == list(range(1, 65))
    assert rows[1][1:3] == ("北海道", "佐藤次郎")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "petition.list_xlsx"))
    assert entry.reason == "64 signatures"


def test_no_list_while_open_or_for_officers(auth, make, petitions):
    open_one = petitions.opened()
    client = _hq(auth, make)
    assert client.get(f"/petitions/manage/{open_one.id}/list.pdf").status_code == 302
    auth.logout()
    auth.login(make.user())
    assert auth.client.get(f"/petitions/manage/{open_one.id}/list.html").status_code == 403
