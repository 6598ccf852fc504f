"""The results as headquarters reads them (issue 15): every chart named apart with its table,
Japanese that reads naturally, and exports whose columns say what they hold (a number
question's mean in a column of its own, never under 割合（%）)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from campaign.auth.models import Role
from tests.helpers import csrf_token
from tests.screens.pagetext import parse, walk
from tests.surveys.screens import answered_and_closed, main_text_problems, results, text

pytestmark = pytest.mark.usefixtures("japanese")


@pytest.fixture
def closed(client, auth, make, surveys):
    auth.login(make.user(role=Role.HQ))
    # Ten answers, five "yes": a choice of 1..k−1 people would show 「非表示」 (review R6-3).
    return answered_and_closed(client, surveys, surveys.opened(), answers=10)


def test_every_chart_has_its_own_name_and_its_table(client, closed):
    page = text(results(client, closed))
    root = parse(page)
    figures = [n for n in walk(root) if n.tag == "figure"]
    ids = {n.attrs["id"]: n for n in walk(root) if "id" in n.attrs}
    names = []
    for figure in figures:
        (label,) = figure.attrs["aria-labelledby"].split()
        names.append("".join(c for c in ids[label].children if isinstance(c, str)).strip())
    assert len(figures) >= 6 and len(set(names)) == len(names), names
    assert "設問2・全回答（10件）" in names and "設問2・事務（10件）" in names
    svgs = [n for n in walk(root) if n.tag == "svg"]
    tables = [n for n in walk(root) if n.tag == "table"]
    assert svgs and len(tables) == len(svgs)  # each drawing has its table beside it
    assert "件の回答)" not in page and "(10" not in page
    assert "5件（50.0%）" in page and "件数（割合）" in page
    assert main_text_problems(page) == []


def test_hidden_groups_are_counted_in_words(client, closed):
    page = text(results(client, closed))
    # All ten answered in the first of four groups: the three empty ones are not shown.
    assert "3つのグループは、人数が少ないか" in page
    assert "。3つのグループ" in page  # no stray space between the two sentences


def test_the_mean_has_its_own_column_in_csv_and_xlsx(client, closed):
    rows = list(csv.reader(io.StringIO(results(client, closed, "csv").data.decode("utf-8-sig"))))
    assert rows[0] == ["設問", "グループ", "回答", "件数", "割合（%）", "平均"]
    number = [r for r in rows if r[0] == "回数" and r[1] == "全体"]
    assert number == [["回数", "全体", "回答数", "10", "", "3.0"]]
    assert all(r[5] == "" for r in rows[1:] if r[0] != "回数")
    yes = next(r for r in rows if r[0].startswith("マイナンバー") and r[2] == "はい")
    assert yes[3:] == ["5", "50.0", ""]
    book = load_workbook(io.BytesIO(results(client, closed, "xlsx").data))
    assert book.sheetnames == ["集計結果"]
    sheet = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert sheet[0] == ["設問", "グループ", "回答", "件数", "割合（%）", "平均"]
    assert ["回数", "全体", "回答数", 10, None, 3.0] in sheet


def test_a_wrong_passphrase_gives_no_file_and_says_so(client, closed):
    token = csrf_token(client, f"/surveys/{closed.id}/results")
    response = client.post(
        f"/surveys/{closed.id}/results",
        data={"csrf_token": token, "passphrase": "not the passphrase at all", "format": "csv"},
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "パスフレーズ" in text(response)


def test_an_officer_gets_no_results_of_their_own_branch(client, auth, make, surveys):
    branch = make.branch()
    officer = make.user(role=Role.OFFICER, branch=branch)
    survey = surveys.opened(branch=branch)
    auth.login(make.user(role=Role.HQ))
    closed = answered_and_closed(client, surveys, survey)
    auth.logout()
    auth.login(officer)
    token = csrf_token(client, f"/surveys/{closed.id}")
    for fmt in ("html", "csv", "xlsx"):
        response = client.post(
            f"/surveys/{closed.id}/results",
            data={
                "csrf_token": token,
                "passphrase": "a long and careful passphrase",
                "format": fmt,
            },
        )
        assert response.status_code == 403
