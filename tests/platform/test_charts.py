"""campaign.charts and templates/_chart.html: one bar chart with its numbers and a table."""

from __future__ import annotations

import re

from flask import render_template_string

from campaign.charts import WIDTH, bar_chart, shorten, text_units

TEMPLATE = (
    '{% from "_chart.html" import bar_chart with context %}'
    "{{ bar_chart(chart, id, title, caption=caption, table=table) }}"
)


def render(app, chart, *, id="c1", title="Cases by category", caption=None, table=True):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return render_template_string(
            TEMPLATE, chart=chart, id=id, title=title, caption=caption, table=table
        )


def test_bars_scale_to_the_largest_value_and_carry_their_numbers(app):
    with app.test_request_context():
        chart = bar_chart([("A", 10), ("B", 5), ("C", 0)], headings=("Item", "Cases"))
    a, b, c = chart.bars
    assert a.width == 2 * b.width and c.width == 0
    assert a.width + 4 + text_units(a.text) <= WIDTH  # the number fits beside the longest bar
    assert [bar.text for bar in chart.bars] == ["10", "5", "0"]
    assert chart.height == 3 * chart.row + 4


def test_the_drawing_and_the_table_have_distinct_names(app):
    with app.test_request_context():
        chart = bar_chart([("通知", 1234), ("口頭", 5)], headings=("Item", "Cases"))
    html = render(app, chart)
    assert 'aria-labelledby="c1-title"' in html  # the figure: its title
    assert '<title id="c1-svg-title">Bar chart: Cases by category</title>' in html
    assert '<caption class="visually-hidden">Table: Cases by category</caption>' in html
    assert re.search(r"<text[^>]*>1,234</text>", html)  # the number is on the bar
    assert '<th scope="row">通知</th><td class="num">1,234</td>' in html
    assert 'viewBox="0 0 360 ' in html  # drawn for a phone's width


def test_short_labels_sit_beside_their_bars_long_ones_above(app):
    with app.test_request_context():
        prefectures = bar_chart([("東京都", 5.0), ("鹿児島県", 7.5)])
        kinds = bar_chart([("市（政令指定都市を除く）", 9.1), ("町村", 8.0)])
    assert prefectures.label_width > 0 and prefectures.row < kinds.row
    assert all(b.bar_x == prefectures.label_width for b in prefectures.bars)
    assert kinds.label_width == 0 and all(b.bar_y > b.label_y for b in kinds.bars)
    for chart in (prefectures, kinds):  # every number stays inside the drawing
        for bar in chart.bars:
            assert bar.text_inside or bar.text_x + text_units(bar.text) <= WIDTH
    html = render(app, prefectures)
    assert 'text-anchor="end" font-size="13"' in html


def test_long_labels_are_shortened_in_the_drawing_only(app):
    label = "市区町村の窓口で職員がマイナンバーカードの取得を繰り返し求められた事例"
    with app.test_request_context():
        chart = bar_chart([(label, 3)])
    html = render(app, chart)
    assert chart.bars[0].short_label.endswith("…")
    assert text_units(chart.bars[0].short_label) <= WIDTH
    assert f'<th scope="row">{label}</th>' in html
    assert shorten("short") == "short"


def test_extra_columns_texts_and_a_reference_line(app):
    with app.test_request_context():
        chart = bar_chart(
            [("A", 40.0), ("B", 60.0)],
            texts=["4 (40.0%)", "6 (60.0%)"],
            cells=[[1], [2]],
            headings=("Answer", "Count", "Your branch"),
            max_value=100,
            marker=50,
        )
    html = render(app, chart, caption="The dashed line marks the national rate.")
    half = chart.bars[1].width / 0.6 / 2
    assert chart.marker_x == round(chart.label_width + half, 1)
    assert '<td class="num">6 (60.0%)</td><td class="num">2</td>' in html
    assert "stroke-dasharray" in html
    assert "The dashed line marks the national rate." in html


def test_no_table_when_the_page_has_one(app):
    with app.test_request_context():
        chart = bar_chart([("A", 1)])
    html = render(app, chart, table=False)
    assert "<table" not in html
    assert "The same figures are in the page" in html


def test_an_empty_chart_says_so(app):
    with app.test_request_context():
        chart = bar_chart([])
    html = render(app, chart)
    assert "<svg" not in html and "Nothing to show yet." in html


def test_two_charts_on_one_page_have_their_own_ids(app):
    with app.test_request_context():
        chart = bar_chart([("A", 1)])
    html = render(app, chart, id="one") + render(app, chart, id="two", title="Other")
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_the_reference_line_never_runs_through_a_label_above_its_bar(app):
    chart = bar_chart(
        [("職場で全員に申請書が配られた", 10), ("職員証との一体化が案内された", 40)], marker=25
    )
    assert chart.label_width == 0  # the labels stand on lines of their own
    html = render(app, chart)
    lines = [
        tuple(map(float, m)) for m in re.findall(r'<line[^>]*y1="([\d.]+)" y2="([\d.]+)"', html)
    ]
    label_ys = [float(y) for y in re.findall(r'class="chart-label" x="0" y="([\d.]+)"', html)]
    assert len(lines) == 2 and len(label_ys) == 2
    for top, bottom in lines:
        for baseline in label_ys:
            # A label's glyphs span about one font size above its baseline.
            assert bottom < baseline - 13 or top > baseline + 3, (top, bottom, baseline)


def test_labels_texts_and_cells_are_escaped_in_the_drawing_and_the_table(app):
    """The marks and rows are written in Python (campaign/charts.py), not by Jinja's
    autoescape: a label, a text or a cell that holds markup comes out as text."""
    hostile = '<script>alert(1)</script>"&'
    with app.test_request_context():
        chart = bar_chart(
            [(hostile, 3), ("B", 1)], texts=[hostile, "1"], cells=[[hostile], [None]], marker=2
        )
    html = render(app, chart)
    assert "<script>" not in html
    # The label and the text in the drawing; the label, the text and the cell in the table.
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;") == 5
    assert html.count('class="num">&lt;script&gt;') == 2


def test_the_tile_map_escapes_what_it_draws_and_tabulates(app):
    from campaign.cases import stats

    hostile = "<img src=x onerror=alert(1)>"
    rows = [stats.Row("13", hostile, 4), stats.Row("27", "大阪府", None)]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        marks = str(stats.tile_marks(stats.tiles(rows)))
        table = str(stats.tile_rows([(r.key, r.label, r.count, hostile) for r in rows], own=True))
    assert "<img" not in marks and "<img" not in table
    assert "&lt;img src=x onerror=alert(1)&gt;: 4 cases" in marks  # the tile's title
    assert table.count("&lt;img") == 3  # the label, and the own column of both rows
    assert "withheld" in table and "＊" in marks
