"""campaign.exports: CSV for Excel in Japan, XLSX, formula safety."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from campaign import exports

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＋1", "－1", "＠x"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_text_is_quoted(value):
    assert exports.safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["東京", "a=b", "1-2", 5, -5, 2.5, ""])
def test_other_cells_are_left_alone(value):
    assert exports.safe_cell(value) == value


def test_none_is_an_empty_cell():
    assert exports.safe_cell(None) == ""


def test_csv_has_a_bom_and_crlf_line_ends():
    body = exports.csv_bytes(["件名", "数"], [["通知", 3], ["=HYPERLINK(1)", -2], [None, 0]])
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text == "件名,数\r\n通知,3\r\n'=HYPERLINK(1),-2\r\n,0\r\n"


def test_csv_response_headers(app):
    with app.test_request_context():
        response = exports.csv_response("cases-20261201.csv", ["a"], [[1]])
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cases-20261201.csv"'


def test_a_japanese_file_name_is_sent_as_rfc5987(app):
    with app.test_request_context():
        response = exports.csv_response("事例.csv", ["a"], [[1]])
    disposition = response.headers["Content-Disposition"]
    assert 'filename="__.csv"' in disposition
    assert "filename*=UTF-8''%E4%BA%8B%E4%BE%8B.csv" in disposition


def test_xlsx_sheet_name_widths_frozen_header_and_no_formula():
    rows = [["東京都庁第一本庁舎", 3], ["=1+1", -2], ["＝A1", None]]
    body = exports.xlsx_bytes("事例：一覧/2026", ["件名", "数"], rows)
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    assert sheet.title == "事例：一覧_2026"  # "/" is not allowed in a sheet name
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "件名" and sheet["A1"].font.bold
    # Nine full-width characters count double: about 18 wide, plus a margin.
    assert sheet.column_dimensions["A"].width == 20
    assert sheet["A3"].value == "=1+1" and sheet["A3"].data_type == "s"
    assert sheet["B3"].value == -2
    assert sheet["A4"].value == "＝A1"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # nothing is stored as a formula


def test_sheet_names_are_trimmed():
    assert exports.sheet_name("a" * 40) == "a" * 31
    assert exports.sheet_name("[x]:*?") == "_x____"
    assert exports.sheet_name("") == "Sheet1"


def test_xlsx_response(app):
    with app.test_request_context():
        response = exports.xlsx_response("x.xlsx", "結果", ["a"], [[1]])
    assert response.headers["Content-Type"] == exports.XLSX_MIMETYPE
    assert load_workbook(io.BytesIO(response.get_data())).sheetnames == ["結果"]
