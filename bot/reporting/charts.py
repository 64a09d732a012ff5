"""Charts drawn on the server: a small chart model and its SVG rendering (the dashboard and the
print page; the PDF draws the same model with fpdf2 in `pdf.py`).

No JavaScript, no external files: plain SVG with presentation attributes (allowed by the
workspace's Content-Security-Policy), large type and strong contrast for a projector, and a
title and description for screen readers. The numbers stand in a table beside every chart.
A count below 5 is never drawn to scale: it appears as a hatched stub labelled "< 5".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from bot.reporting.privacy import SMALL, shown, visible

INK = "#1b2a3a"
BAR = "#1f5f99"
ACCENT = "#c2410c"
MUTED = "#6b7785"
GRID = "#d5dbe2"
FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    accent: bool = False  # drawn in the warning colour (e.g. "could not reach")


@dataclass
class Chart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    kind: str = "horizontal"  # horizontal | columns
    unit: str = ""

    @property
    def top(self) -> int:
        return max([b.count for b in self.bars if visible(b.count)] + [SMALL])


def svg(chart: Chart, chart_id: str) -> str:
    if chart.kind == "columns":
        return _columns(chart, chart_id)
    return _horizontal(chart, chart_id)


def _frame(chart: Chart, chart_id: str, width: int, height: int, body: list[str]) -> str:
    title = escape(chart.title)
    summary = ", ".join(f"{b.label}: {shown(b.count)}" for b in chart.bars[:20])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="{escape(FONT)}" class="chart">'
        f'<title id="{chart_id}-t">{title}</title>'
        f'<desc id="{chart_id}-d">{escape(summary)}</desc>'
        f'<defs><pattern id="{chart_id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#eef1f4"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{MUTED}" stroke-width="3"/></pattern></defs>'
        + "".join(body)
        + "</svg>"
    )


def _horizontal(chart: Chart, chart_id: str) -> str:
    row, label_width, value_width, width = 34, 300, 70, 900
    bars = chart.bars or [Bar("–", 0)]
    height = row * len(bars) + 16
    span = width - label_width - value_width - 20
    body = []
    for i, bar in enumerate(bars):
        y = 8 + i * row
        label = bar.label if len(bar.label) <= 28 else bar.label[:27] + "…"
        body.append(
            f'<text x="{label_width - 10}" y="{y + row / 2 + 6}" text-anchor="end" '
            f'font-size="18" fill="{INK}">{escape(label)}</text>'
        )
        if visible(bar.count):
            length = max(2.0, span * bar.count / chart.top)
            colour = ACCENT if bar.accent else BAR
            body.append(
                f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
                f'fill="{colour}" rx="2"/>'
            )
        else:
            length = max(6.0, span * SMALL / chart.top)
            body.append(
                f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
                f'fill="url(#{chart_id}-hatch)" stroke="{MUTED}" stroke-dasharray="4 3"/>'
            )
        body.append(
            f'<text x="{label_width + length + 8:.1f}" y="{y + row / 2 + 6}" font-size="18" '
            f'font-weight="600" fill="{INK}">{escape(shown(bar.count))}</text>'
        )
    return _frame(chart, chart_id, width, height, body)


def _columns(chart: Chart, chart_id: str) -> str:
    width, height, left, bottom, top_pad = 900, 320, 56, 56, 30
    bars = chart.bars or [Bar("–", 0)]
    span_x = width - left - 10
    span_y = height - bottom - top_pad
    slot = span_x / len(bars)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="{GRID}" stroke-width="2"/>',
        f'<text x="{left - 8}" y="{top_pad + 6}" text-anchor="end" font-size="16" '
        f'fill="{MUTED}">{chart.top}</text>',
        f'<line x1="{left}" y1="{top_pad}" x2="{width - 10}" y2="{top_pad}" stroke="{GRID}" '
        'stroke-dasharray="4 4"/>',
    ]
    every = max(1, round(len(bars) / 13))  # at most about 13 labels under the axis
    for i, bar in enumerate(bars):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        if visible(bar.count):
            h = max(2.0, span_y * bar.count / chart.top)
            fill = f'fill="{ACCENT if bar.accent else BAR}"'
        else:
            h = max(4.0, span_y * SMALL / chart.top)
            fill = f'fill="url(#{chart_id}-hatch)" stroke="{MUTED}" stroke-dasharray="3 2"'
        y = height - bottom - h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" {fill}/>')
        if len(bars) <= 16:
            body.append(
                f'<text x="{x + w / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="15" '
                f'font-weight="600" fill="{INK}">{escape(shown(bar.count))}</text>'
            )
        if i % every == 0:
            body.append(
                f'<text x="{x + w / 2:.1f}" y="{height - bottom + 22}" text-anchor="middle" '
                f'font-size="14" fill="{INK}">{escape(bar.label)}</text>'
            )
    return _frame(chart, chart_id, width, height, body)
