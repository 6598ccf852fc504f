"""The one bar chart: drawn on the server as SVG, with its numbers, and a table beside it.

How a feature uses it. In the view (or service), work out the bars::

    from campaign.charts import bar_chart

    chart = bar_chart(
        [(row.label, row.count) for row in rows],          # (label, value) pairs, in order
        headings=(_("Category"), _("Cases")),              # the table's column headings
    )

and in the template::

    {% from "_chart.html" import bar_chart with context %}
    {{ bar_chart(chart, "by-category", _("Cases by category")) }}

Options of ``bar_chart()``: ``texts`` (what is written on each bar and in the table, e.g.
"12 (34.5%)"; default the value with thousands separators), ``cells`` (further table columns
per row, e.g. a branch's own count, with their ``headings``), ``keys`` (a stable key per row),
``max_value`` (the scale's top; default the largest value), ``marker`` (a value drawn as a
dashed reference line, e.g. the national rate; say what it is in the macro's ``caption``).

The layout is made for a 390 px phone: the drawing is 360 units wide (so 13-unit text stays
about 13 px on a phone); short labels (prefectures) sit left of their bars, longer ones on a
line of their own above them, and labels too long even for that are shortened with "…" in the
drawing only (the table has them whole). The figure, the drawing and
the table each have their own accessible name (the title; "Bar chart: title"; "Table: title"),
so a screen reader's list of images and tables tells them apart.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from babel import Locale, numbers
from flask_babel import format_decimal, get_locale
from markupsafe import Markup, escape

WIDTH = 360
ROW = 40  # stacked: one label line and one bar
INLINE_ROW = 24  # inline: label and bar on one line
BAR = 14
FONT = 13
LABEL_UNITS = WIDTH - 4  # room for a label on its own line
INLINE_LABELS = WIDTH * 0.3  # labels up to this wide sit left of their bars


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and text, the extra table cells, and its geometry."""

    label: str
    short_label: str
    value: float
    text: str
    key: object
    cells: tuple
    y: int
    label_y: int
    bar_x: float
    bar_y: int
    width: float
    text_x: float
    text_y: int
    text_inside: bool


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart, with the geometry worked out for ``templates/_chart.html``."""

    bars: tuple[Bar, ...]
    headings: tuple[str, ...]
    height: int
    marker_x: float | None
    label_width: float = 0  # 0: each label on its own line above its bar
    width: int = WIDTH
    row: int = ROW
    bar_height: int = BAR
    font: int = FONT

    @property
    def empty(self) -> bool:
        """No bar to draw (the macro then says so instead of drawing an empty box)."""
        return not self.bars

    # The drawing's marks and the table's rows are written here rather than in the macro: a bar
    # is about fifteen values, each escaped on its own by Jinja, and an officer's dashboard
    # spent a fifth of its rendering on those loops. Labels and texts are escaped; the numbers
    # are the layout's own.

    def marks(self) -> Markup:
        """The drawing's bars with their labels, the reference line, then the numbers."""
        out, left = [], self.label_width
        for bar in self.bars:
            label = escape(bar.short_label)
            if left:
                at = f'x="{left - 6}" y="{bar.label_y}" text-anchor="end"'
            else:
                at = f'x="0" y="{bar.label_y}"'
            out.append(
                f'<g><text class="chart-label" {at} font-size="{self.font}" fill="{INK}">'
                f'{label}</text><rect x="{bar.bar_x}" y="{bar.bar_y}" width="{bar.width}" '
                f'height="{self.bar_height}" fill="{BAR_FILL}"></rect></g>'
            )
        if self.marker_x is not None:
            # Beside the labels, one line; under labels that stand above their bars, a piece
            # of line per bar, so that the line never runs through a label.
            spans = (
                [(2, self.height)]
                if left
                else [(bar.bar_y - 1, bar.bar_y + self.bar_height + 1) for bar in self.bars]
            )
            out += [
                f'<line x1="{self.marker_x}" x2="{self.marker_x}" y1="{top}" y2="{bottom}" '
                f'stroke="{MARKER}" stroke-width="1.5" stroke-dasharray="4 3"></line>'
                for top, bottom in spans
            ]
        # The numbers last, over the reference line; one beside its bar has a halo of the
        # background, so that the line passing behind it never cuts through it.
        for bar in self.bars:
            paint = 'text-anchor="end" fill="#ffffff"' if bar.text_inside else _HALO
            out.append(
                f'<text class="chart-value" x="{bar.text_x}" y="{bar.text_y}" font-size="12" '
                f"{paint}>{escape(bar.text)}</text>"
            )
        return Markup("\n".join(out))  # noqa: S704 - every text escaped above

    def rows(self) -> Markup:
        """The table's body rows: the label, the text on the bar, then any further cells."""
        return Markup(  # noqa: S704 - every value escaped
            "\n".join(
                f'<tr><th scope="row">{escape(bar.label)}</th><td class="num">'
                f"{escape(bar.text)}</td>"
                + "".join(f'<td class="num">{escape(cell)}</td>' for cell in bar.cells)
                + "</tr>"
                for bar in self.bars
            )
        )


INK, BAR_FILL, MARKER = "#1d2330", "#1f5d8c", "#a32020"
_HALO = (
    f'fill="{INK}" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
)


@functools.lru_cache(maxsize=4096)
def text_units(text: str) -> float:
    """About how wide a text is at font size 13, in SVG units (full-width counts double).
    Kept per text: a chart's labels (categories, prefectures, quarters) are the same on every
    view, and measuring them character by character each time was, with writing the figures
    (``number_format``), half of the 1 ms an officer's three charts took to lay out."""
    return sum(13 if unicodedata.east_asian_width(c) in "WF" else 7.2 for c in text)


def shorten(text: str, units: float = LABEL_UNITS) -> str:
    """The text, cut with "…" where it would run past ``units``."""
    if text_units(text) <= units:
        return text
    out = ""
    for c in text:
        if text_units(out + c + "…") > units:
            break
        out += c
    return out + "…"


def bar_chart(
    items: Iterable[tuple[str, float | int | None]],
    *,
    headings: Sequence[str] = (),
    texts: Sequence[str] | None = None,
    cells: Sequence[Sequence] | None = None,
    keys: Sequence | None = None,
    max_value: float | None = None,
    marker: float | None = None,
) -> Chart:
    """Lay out one bar per (label, value) pair, in the order given (see the module docstring)."""
    pairs = [(str(label), float(value or 0)) for label, value in items]
    texts = list(texts) if texts is not None else list(map(number_format(), (v for _, v in pairs)))
    top = max_value if max_value is not None else max((v for _, v in pairs), default=0)
    top = max(top, marker or 0) or 1
    widest = max((text_units(label) for label, _ in pairs), default=0)
    label_width = round(widest + 8, 1) if widest <= INLINE_LABELS else 0
    row = INLINE_ROW if label_width else ROW
    reserve = max((text_units(t) for t in texts), default=0) + 8
    plot = max((WIDTH - label_width) / 2, WIDTH - label_width - reserve)
    bars = []
    for i, (label, value) in enumerate(pairs):
        width = round(max(0.0, min(value, top)) / top * plot, 1)
        inside = label_width + width + 4 + text_units(texts[i]) > WIDTH
        y = i * row
        bar_y = y + (5 if label_width else 18)
        bars.append(
            Bar(
                label=label,
                short_label=label if label_width else shorten(label),
                value=value,
                text=texts[i],
                key=keys[i] if keys is not None else label,
                cells=tuple(cells[i]) if cells is not None else (),
                y=y,
                label_y=y + (17 if label_width else FONT),
                bar_x=label_width,
                bar_y=bar_y,
                width=width,
                text_x=round(label_width + (width - 4 if inside else width + 4), 1),
                text_y=bar_y + 12,
                text_inside=inside,
            )
        )
    marker_x = round(label_width + min(marker, top) / top * plot, 1) if marker is not None else None
    return Chart(
        tuple(bars),
        tuple(str(h) for h in headings),
        len(bars) * row + 4,
        marker_x,
        label_width=label_width,
        row=row,
    )


def number_format() -> Callable[[float], str]:
    """A function that writes a figure as the reader's language does (12,345; 12.5): asked
    once per chart, not once per bar (asking Flask-Babel for the language each time was a
    tenth of a chart's cost)."""
    locale = get_locale()  # None outside a request: Babel's default then
    group = _group_symbol(str(locale)) if locale is not None else None

    def number(value: float) -> str:
        if value != int(value):
            return format_decimal(value, format="#,##0.0#")
        if group is None:
            return format_decimal(int(value))
        return f"{int(value):,}".replace(",", group)

    return number


@functools.lru_cache(maxsize=16)
def _group_symbol(locale: str) -> str | None:
    """The locale's thousands separator when it groups integers by threes as Python's ``,``
    format does (Japanese, English), else None (Babel formats that locale's figures)."""
    pattern = numbers.parse_pattern(Locale.parse(locale).decimal_formats[None])
    if pattern.grouping != (3, 3):
        return None
    return numbers.get_group_symbol(locale)
