"""Accessible bar charts, drawn on the server as SVG.

Each chart is an image with a title and a description (role="img", aria-labelledby), and is
always shown next to a table holding the same figures, which is what screen-reader users and
anyone copying the numbers use. Every bar is labelled with its value in words, so nothing rests
on colour; there is one colour, dark enough against white for WCAG's 3:1 for graphics.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_HEIGHT = 20
BAR_HEIGHT = 18
ROW_GAP = 12
BAR_COLOUR = "#1d70b8"  # GOV.UK blue: 5.2:1 on white
INK = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # a fraction of the scale, 0 to 1
    text: str  # the value in words, printed after the bar
    low: float | None = None  # a 95% interval, drawn as a line with end marks
    high: float | None = None


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """An SVG horizontal bar chart; the scale runs from 0 to 100%."""
    plot = WIDTH - 180  # room on the right for the value text
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = max(1, len(bars)) * row_height + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="engage-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for n, bar in enumerate(bars):
        top = n * row_height
        bar_y = top + LABEL_HEIGHT
        width = max(0.0, min(1.0, bar.value)) * plot
        parts.append(f'<text x="0" y="{top + 15}" font-size="15" fill="{INK}">'
                     f'{escape(bar.label)}</text>')
        parts.append(f'<rect x="0" y="{bar_y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                     f'fill="{BAR_COLOUR}"/>')
        end = width
        if bar.low is not None and bar.high is not None:
            low, high = bar.low * plot, bar.high * plot
            middle = bar_y + BAR_HEIGHT / 2
            parts.append(
                f'<path d="M{low:.1f} {middle}H{high:.1f}M{low:.1f} {bar_y + 3}V{bar_y + 15}'
                f'M{high:.1f} {bar_y + 3}V{bar_y + 15}" stroke="{INK}" stroke-width="2" '
                f'fill="none"/>')
            end = max(end, high)
        parts.append(f'<text x="{end + 8:.1f}" y="{bar_y + 14}" font-size="15" '
                     f'fill="{INK}">{escape(bar.text)}</text>')
    parts.append(f'<line x1="0" y1="0" x2="0" y2="{height - 10}" stroke="{INK}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
