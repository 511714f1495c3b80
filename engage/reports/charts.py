"""Accessible bar charts, drawn on the server as SVG.

Each chart is an image with a title and a description (role="img", aria-labelledby), and is
always shown next to a table holding the same figures, which is what screen-reader users and
anyone copying the numbers use. Every bar is labelled with its value in words, so nothing rests
on colour; there is one colour, dark enough against white for WCAG's 3:1 for graphics.

The chart is narrow (WIDTH units) and each bar's words sit above it, wrapped onto as many lines
as they need, so that the whole width is the bar's: scaled to a phone's width the words stay
about the size of the page's own (a 640-unit chart shrank them to 8 pixels on a phone), and
the pages cap its width (engage.scss, print.css) so that they do not grow large on a desktop.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
FONT_SIZE = 15
LINE_HEIGHT = 20
# Characters a line holds at FONT_SIZE in WIDTH (a sans-serif averages about 0.55 em a
# character): the words wrap at spaces before that.
LINE_CHARACTERS = 40
BAR_HEIGHT = 18
ROW_GAP = 14
BAR_COLOUR = "#1d70b8"  # GOV.UK blue: 5.2:1 on white
INK = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # a fraction of the scale, 0 to 1
    text: str  # the value in words, printed with the label
    low: float | None = None  # a 95% interval, drawn as a line with end marks
    high: float | None = None


def _lines(bar: Bar) -> list[str]:
    return textwrap.wrap(f"{bar.label}: {bar.text}", LINE_CHARACTERS,
                         break_long_words=True, break_on_hyphens=False) or [""]


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """An SVG horizontal bar chart; the scale runs from 0 to 100%."""
    plot = WIDTH - 2  # the interval's end mark stays inside
    rows = [_lines(bar) for bar in bars]
    height = sum(len(lines) * LINE_HEIGHT + BAR_HEIGHT + ROW_GAP for lines in rows) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="engage-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    top = 0
    for bar, lines in zip(bars, rows, strict=True):
        for line in lines:
            parts.append(f'<text x="0" y="{top + 15}" font-size="{FONT_SIZE}" fill="{INK}">'
                         f'{escape(line)}</text>')
            top += LINE_HEIGHT
        width = max(0.0, min(1.0, bar.value)) * plot
        # Zero, beside the bar: a bar of 0% still shows where it starts.
        parts.append(f'<line x1="0" y1="{top - 2}" x2="0" y2="{top + BAR_HEIGHT + 2}" '
                     f'stroke="{INK}"/>')
        parts.append(f'<rect x="0" y="{top}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                     f'fill="{BAR_COLOUR}"/>')
        if bar.low is not None and bar.high is not None:
            low, high = bar.low * plot, bar.high * plot
            middle = top + BAR_HEIGHT / 2
            parts.append(
                f'<path d="M{low:.1f} {middle}H{high:.1f}M{low:.1f} {top + 3}V{top + 15}'
                f'M{high:.1f} {top + 3}V{top + 15}" stroke="{INK}" stroke-width="2" '
                f'fill="none"/>')
        top += BAR_HEIGHT + ROW_GAP
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
