"""The national picture: counts match the cases; exports open with the right Japanese."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from campaign.auth.models import Role
from campaign.cases import stats
from tests.cases.factories import CaseFactory
from tests.cases.helpers import audit_count


@pytest.fixture
def national(make, session):
    tokyo, shiga = make.branch(prefecture="13"), make.branch(prefecture="25")
    for _ in range(3):
        CaseFactory(session).case(tokyo, category_codes=("bulk_forms", "dependents"))
    CaseFactory(session).case(
        shiga,
        category_codes=("status_survey",),
        issuer_kind="mutual_aid",
        occurred_on=date(2019, 10, 1),
    )
    CaseFactory(session).case(shiga, state="draft")  # drafts are not counted
    return tokyo, shiga


def _table(page: str, caption: str) -> dict[str, list[str]]:
    """The rows of the table with this caption (a chart's own table is "Table: ..."): header
    cell -> number cells."""
    for text in (f"Table: {caption}", caption):
        start = page.find(f'<caption class="visually-hidden">{text}</caption>')
        if start != -1:
            break
    body = page[start : page.index("</table>", start)]
    rows = re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', body, re.S)
    return {label: re.findall(r'<td class="num">(\d+)</td>', cells) for label, cells in rows}


def test_counts_match_the_cases(auth, make, national):
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    assert "4 cases reported nationally." in page
    by_category = _table(page, "Cases by category")
    assert by_category["Pre-printed forms distributed at work"] == ["3"]
    assert by_category["Dependents targeted"] == ["3"]
    assert by_category["Status surveys"] == ["1"]
    assert by_category["Used for attendance"] == ["0"]
    by_issuer = _table(page, "Cases by issuer")
    assert by_issuer["Municipality"] == ["3"] and by_issuer["Mutual-aid association"] == ["1"]
    # The month with no case between two that have some is a bar of its own, in order.
    by_month = _table(page, "Cases by month")
    assert list(by_month.items()) == [("Aug 2019", ["3"]), ("Sep 2019", ["0"]), ("Oct 2019", ["1"])]
    by_prefecture = _table(page, "Cases by prefecture")
    assert len(by_prefecture) == 47
    assert by_prefecture["Tokyo"] == ["3"] and by_prefecture["Shiga"] == ["1"]
    assert sum(int(v[0]) for v in by_prefecture.values()) == 4
    assert page.count("<title>") >= 47  # one tile per prefecture, each with its text

    filtered = auth.client.get("/cases/dashboard?issuer=mutual_aid").get_data(as_text=True)
    assert "1 case reported nationally." in filtered
    assert _table(filtered, "Cases by prefecture")["Tokyo"] == ["0"]


def test_an_officer_sees_other_branches_by_quarter_and_their_own(auth, make, national, clock):
    tokyo, _shiga = national
    clock.advance(days=100)  # the quarter in which the cases were reported has ended
    auth.login(make.user(branch=tokyo))
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    # One case of another branch in the quarter: its figures are withheld, his own are not.
    assert "Fewer than 5 cases were reported by the other branches in this quarter" in page
    assert "Your branch reported 3 cases in it." in page
    assert "Your branch has reported 3 cases in all." in page
    assert "Cases by category" not in page


def test_an_officer_whose_reports_are_all_of_the_running_quarter_sees_them_counted(
    auth, make, national, clock
):
    """No quarter has ended since the first report: no quarter is shown, and the branch's own
    count in all holds its reported cases (the running quarter's), not its drafts."""
    tokyo, _shiga = national
    CaseFactory(make.session).case(tokyo, state="draft")
    auth.login(make.user(branch=tokyo))
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    assert "Your branch has reported 3 cases in all." in page
    assert "Your branch reported" not in page  # no ended quarter to show


def test_the_tile_map_has_47_distinct_tiles():
    assert len(stats.TILES) == 47
    assert len(set(stats.TILES.values())) == 47


def test_csv_and_xlsx_exports(auth, make, session, national):
    auth.login(make.user(role=Role.HQ))
    auth.client.get("/lang/ja")
    response = auth.client.get("/cases/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["事例番号", "都道府県", "支部", "月"]
    assert len(rows) == 5  # header + 4 reported cases
    tokyo_rows = [r for r in rows[1:] if r[1] == "東京都"]
    assert len(tokyo_rows) == 3
    assert {r[2] for r in tokyo_rows} == {national[0].name}  # the branch that reported it
    assert "申請書の一括配布" in tokyo_rows[0][5] and "被扶養者への勧奨" in tokyo_rows[0][5]
    assert all("○○市人事課" not in ",".join(r) for r in rows)  # no free text
    assert audit_count(session, "cases.exported") == 1

    response = auth.client.get("/cases/export.xlsx?prefecture=25")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    values = list(book.active.values)
    assert len(values) == 2 and values[1][1] == "滋賀県"
    assert values[0][2] == "支部" and values[1][2] == national[1].name
    assert audit_count(session, "cases.exported") == 2


def test_the_command_line_exports_every_reported_case(runner, session, national, tmp_path):
    tokyo, shiga = national
    target = tmp_path / "cases.csv"
    result = runner.invoke(args=["cases", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert "Exported 4 cases" in result.output and "Exporting cases" in result.output
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["事例番号", "都道府県", "支部"] and len(rows) == 5
    assert sorted(r[2] for r in rows[1:]) == sorted([tokyo.name] * 3 + [shiga.name])
    assert audit_count(session, "cases.exported") == 1
    book_path = tmp_path / "cases.xlsx"
    assert runner.invoke(args=["cases", "export", str(book_path), "--lang", "en"]).exit_code == 0
    values = list(load_workbook(book_path, read_only=True).active.values)
    assert values[0][:3] == ("Case number", "Prefecture", "Branch") and len(values) == 5
    bad = runner.invoke(args=["cases", "export", str(tmp_path / "cases.txt")])
    assert bad.exit_code == 2 and ".csv or .xlsx" in bad.output


def test_a_cached_picture_follows_every_change(auth, make, session, national):
    tokyo, _shiga = national
    hq = make.user(role=Role.HQ)
    auth.login(hq)
    assert "4 cases reported nationally." in auth.client.get("/cases/dashboard").get_data(True)
    CaseFactory(session).case(tokyo)
    assert "5 cases reported nationally." in auth.client.get("/cases/dashboard").get_data(True)
    from campaign.cases import services
    from campaign.cases.models import Case

    draft = session.scalars(select(Case).where(Case.state == "draft")).one()
    services.submit_case(session, draft, make.user(branch=draft.branch))
    session.commit()
    assert "6 cases reported nationally." in auth.client.get("/cases/dashboard").get_data(True)


def test_the_tiles_are_titled_in_the_pages_language(auth, make, session, national):
    auth.login(make.user(role=Role.HQ))
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    assert "<title>Tokyo: 3 cases</title>" in page and "<title>Shiga: 1 case</title>" in page
    assert "<title>Aomori: 0 cases</title>" in page
    auth.client.get("/lang/ja")
    page = auth.client.get("/cases/dashboard").get_data(as_text=True)
    assert "<title>東京都：3件</title>" in page and ">東京都</text>" in page


def test_the_charts_and_the_map_speak_each_views_language(auth, make, national):
    # The chart and map macros are imported without the page's context, and so kept between
    # views: their words must still come from each view's language, in turn.
    auth.login(make.user(role=Role.HQ))
    english = ("Table: Cases by category", "Bar chart: Cases by category", "Cases by prefecture")
    japanese = ("表：", "棒グラフ：", "都道府県別の事例数")
    for language, words, others in (("en", english, japanese), ("ja", japanese, english)) * 2:
        auth.client.get(f"/lang/{language}")
        page = auth.client.get("/cases/dashboard").get_data(as_text=True)
        assert all(word in page for word in words), language
        assert not any(word in page for word in others), language
