"""The SVG charts: well-formed, labelled for screen readers, scaled, escaped and small."""

from __future__ import annotations

from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_bars_are_labelled_and_scaled():
    svg = charts.bars([("Food <&>", 50), ("Hygiene", 100)], title="Stock", description="d")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Stock"
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[1] == 2 * widths[0]
    assert "Food &lt;&amp;&gt;" in svg


def test_columns_draw_one_rect_per_positive_value_and_stay_small():
    days = [f"2026-01-{n:02d}" for n in range(1, 91)]
    svg = charts.columns(
        days, [("in", list(range(90))), ("out", [5] * 90)], title="t", description="d"
    )
    rects = list(_parse(svg).iter(f"{SVG}rect"))
    assert len(rects) == 89 + 90 + 2  # zero draws nothing; two legend keys
    assert len(svg) < 20_000


def test_a_line_has_a_point_per_value():
    svg = charts.line(["a", "b", "c"], [0, 10, 5], title="t", description="d")
    points = _parse(svg).find(f"{SVG}polyline").get("points").split()
    assert len(points) == 3


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_the_scale_top_is_never_below_the_value(value):
    top = charts.nice_top(value)
    assert top >= value and top >= 1
    assert str(top).lstrip("0")[0] in "125"


def test_empty_charts_are_still_valid():
    for svg in (
        charts.bars([], title="t", description="d"),
        charts.columns([], [], title="t", description="d"),
        charts.line([], [], title="t", description="d"),
    ):
        assert _parse(svg).tag == f"{SVG}svg"
