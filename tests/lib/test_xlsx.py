"""The streaming XLSX writer: openpyxl reads back every value, typed, whatever the text."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from kamavor.lib import xlsx


def _read(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_it_keeps_types_and_the_header_rows():
    when = dt.datetime(2026, 3, 1, 14, 30)
    rows = [[1, "Բրինձ", dt.date(2026, 3, 1), when, 2.5, None, True]]
    data = b"".join(xlsx.stream([["N", "Item"], ["n", "item"]], rows, sheet="a:b/c"))
    read = _read(data)
    assert read[0][:2] == ["N", "Item"] and read[1][:2] == ["n", "item"]
    assert read[2] == [1, "Բրինձ", dt.datetime(2026, 3, 1), when, 2.5, None, 1]
    assert load_workbook(io.BytesIO(data)).worksheets[0]["A1"].font.b


def test_it_streams_in_chunks():
    chunks = list(xlsx.stream([["n"]], ([n] for n in range(3 * xlsx.BATCH)), sheet="s"))
    assert len(chunks) > 3
    assert [row[0] for row in _read(b"".join(chunks))[1:]] == list(range(3 * xlsx.BATCH))


def test_columns_are_lettered_like_spreadsheets():
    assert [xlsx.column(n) for n in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_any_text_reads_back_as_text(texts):
    data = b"".join(xlsx.stream([["h"]], [texts], sheet="s"))
    legal = [xlsx._ILLEGAL.sub("", t) for t in texts]
    back = _read(data)[1] if any(legal) else []
    expected = [t or None for t in legal]
    while expected and expected[-1] is None:
        expected.pop()
    assert back[: len(expected)] == expected
