"""Small charts as inline SVG: horizontal bars, columns per day, a line. No Django, no script.

Each function takes plain numbers and labels and returns an `<svg>` string that draws itself
with the page's CSS colours (`currentColor` and two classes), carries a title and a
description for screen readers (`role="img"`), and stays a few kilobytes: 90 days of two
series are 180 rectangles, with coordinates rounded to one decimal. The caller shows the same
numbers as a table beside the chart; the SVG is the picture, not the record.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH = 640
BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 200
AXIS = 28


def _n(value: float) -> str:
    """A coordinate, short: 12.5, 12 (never 12.000000001)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _open(width: int, height: int, title: str, description: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d" class="chart">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]


def nice_top(value: float) -> int:
    """The top of a scale: 1, 2 or 5 times a power of ten, at least the value (and 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def bars(
    rows: Sequence[tuple[str, int]], *, title: str, description: str, ident: str = "bars"
) -> str:
    """One horizontal bar per row (label, value), longest scale at the largest value."""
    top = nice_top(max((value for _label, value in rows), default=0))
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    span = WIDTH - LABEL_WIDTH - 70
    parts = _open(WIDTH, height, title, description, ident)
    for n, (label, value) in enumerate(rows):
        y = GAP + n * (BAR_HEIGHT + GAP)
        length = span * max(value, 0) / top
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_n(length)}" height="{BAR_HEIGHT}" '
            f'class="s0"/><text x="{_n(LABEL_WIDTH + length + 4)}" y="{y + 13}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    description: str,
    ident: str = "columns",
    height: int = 180,
) -> str:
    """Columns per label (a day) for one or more series side by side, with a legend, a scale
    (0 and its top) and the first and last labels under the axis."""
    count = max(len(labels), 1)
    top = nice_top(max((v for _name, values in series for v in values), default=0))
    plot = height - AXIS - 16
    left, right = 44, WIDTH - 8
    slot = (right - left) / count
    width = max(slot / max(len(series), 1) - (1 if slot > 4 else 0), 0.5)
    parts = _open(WIDTH, height, title, description, ident)
    base = 16 + plot
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" class="axis"/>'
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>'
        f'<text x="{left - 4}" y="22" text-anchor="end">{top}</text>'
    )
    for s, (_name, values) in enumerate(series):
        for n, value in enumerate(values):
            h = plot * max(value, 0) / top
            if h <= 0:
                continue
            x = left + n * slot + s * width
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(base - h)}" width="{_n(width)}" height="{_n(h)}" '
                f'class="s{s}"/>'
            )
    if labels:
        parts.append(
            f'<text x="{left}" y="{base + 16}">{escape(labels[0])}</text>'
            f'<text x="{right}" y="{base + 16}" text-anchor="end">{escape(labels[-1])}</text>'
        )
    parts.append(_legend(series, y=10, x=left))
    parts.append("</svg>")
    return "".join(parts)


def line(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    title: str,
    description: str,
    ident: str = "line",
    height: int = 160,
) -> str:
    """One line over the labels (a day each), with the scale from 0 to its top."""
    top = nice_top(max(values, default=0))
    plot = height - AXIS - 8
    left, right = 44, WIDTH - 8
    step = (right - left) / max(len(values) - 1, 1)
    base = 8 + plot
    points = " ".join(
        f"{_n(left + n * step)},{_n(base - plot * max(v, 0) / top)}" for n, v in enumerate(values)
    )
    parts = _open(WIDTH, height, title, description, ident)
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" class="axis"/>'
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>'
        f'<text x="{left - 4}" y="16" text-anchor="end">{top}</text>'
        f'<polyline points="{points}" class="l0" fill="none"/>'
    )
    if labels:
        parts.append(
            f'<text x="{left}" y="{base + 16}">{escape(labels[0])}</text>'
            f'<text x="{right}" y="{base + 16}" text-anchor="end">{escape(labels[-1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: Sequence[tuple[str, Sequence[int]]], *, y: int, x: int) -> str:
    parts = []
    for s, (name, _values) in enumerate(series):
        if len(series) < 2:
            break
        offset = x + 12 + s * 160
        parts.append(
            f'<rect x="{offset}" y="{y - 8}" width="10" height="10" class="s{s}"/>'
            f'<text x="{offset + 14}" y="{y + 1}">{escape(name)}</text>'
        )
    return "".join(parts)
