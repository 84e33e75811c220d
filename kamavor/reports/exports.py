"""Tables as downloads: CSV and XLSX, streamed, with two header rows.

Every export is a `Table`: its columns (a stable machine key and a label in the reader's
language) and an iterator of rows. The first row holds the labels, the second the machine keys
(stable across languages and versions, so that a script can read any export in any language);
data follow. Rows are produced while the response is written, so a 100,000-row export never
sits in memory as a whole: CSV goes out line by line, XLSX a few hundred rows at a time
(kamavor.lib.xlsx).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamavor.lib import xlsx

FORMATS = ("csv", "xlsx")
BATCH = 500  # CSV lines per chunk of the response
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell that starts like a formula is read as text by spreadsheets only with a quote before it.
_FORMULA = re.compile(r"^[=+\-@\t\r]")


@dataclass(frozen=True)
class Column:
    """A column: its machine key (stable, in the second header row) and its label."""

    key: str
    label: str | Promise


# The columns every kind of export shares, once: machine key, HXL hashtag and label. Lists
# name a column by its key; the HXL exports by its hashtag (kamavor.reports.hxl).
SHARED = {
    "organisation": ("#org+name", _("Organisation")),
    "point": ("#loc+name", _("Point")),
    "area": ("#adm1+name", _("Area (marz or region)")),
    "category": ("#sector+name", _("Category")),
    "item": ("#item+name", _("Item")),
    "item_code": ("#item+code", _("Item code")),
    "unit": ("#meta+unit", _("Unit")),
}


def shared(*keys: str, hxl: bool = False) -> list[Column]:
    """The shared columns of these keys, in this order, keyed by machine key or hashtag."""
    return [Column(SHARED[key][0] if hxl else key, SHARED[key][1]) for key in keys]


@dataclass
class Table:
    """What an export holds: a file name (without extension), columns and rows."""

    name: str
    columns: list[Column]
    rows: Iterable[tuple]

    @property
    def labels(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    @property
    def keys(self) -> list[str]:
        return [column.key for column in self.columns]


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed, never runs as a formula: in a CSV file any of
    = + - @ may start one, so such text gets a quote first."""
    return "'" + value if _FORMULA.match(value) else value


def cell(value: Any, *, xlsx: bool = False) -> Any:
    """A value as a spreadsheet cell: numbers stay numbers, moments local, text made safe."""
    return _converter(xlsx=xlsx)(value)


def _converter(*, xlsx: bool) -> Callable[[Any], Any]:
    """A fast cell converter for one export: the time zone read once, a dispatch on the type
    (100,000 rows of ten cells are a million calls)."""
    zone = timezone.get_current_timezone()

    def moment(value: dt.datetime) -> Any:
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        value = value.replace(tzinfo=None, microsecond=0)
        return value if xlsx else value.isoformat(sep=" ")

    def text(value: Any) -> str:
        return str(value) if xlsx else safe_text(str(value))

    def same(value: Any) -> Any:
        return value if xlsx else str(value)

    by_type: dict[type, Callable[[Any], Any]] = {
        int: same,
        float: same,
        Decimal: same,
        bool: lambda value: int(value) if xlsx else str(int(value)),
        type(None): lambda value: None if xlsx else "",
        dt.datetime: moment,
        dt.date: lambda value: value if xlsx else value.isoformat(),
        str: lambda value: value if xlsx else safe_text(value),
    }

    def convert(value: Any) -> Any:
        return by_type.get(type(value), text)(value)

    return convert


class _Line:
    """A file-like object that hands back what csv.writer writes (one line at a time)."""

    def write(self, text: str) -> str:
        return text


def csv_lines(table: Table, *, header_rows: Iterable[list[str]] | None = None) -> Iterator[str]:
    """The table as CSV text, a few hundred lines at a time; a BOM first, so spreadsheets read
    UTF-8."""
    writer = csv.writer(_Line())
    convert = _converter(xlsx=False)
    yield "\ufeff"
    for header in header_rows if header_rows is not None else (table.labels, table.keys):
        yield writer.writerow(header)
    batch: list[str] = []
    for row in table.rows:
        batch.append(writer.writerow([convert(value) for value in row]))
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """The table as an XLSX workbook, streamed (see kamavor.lib.xlsx: text goes in as inline
    strings, which no spreadsheet runs as a formula, so it needs no quote)."""
    convert = _converter(xlsx=True)
    rows = ([convert(value) for value in row] for row in table.rows)
    yield from xlsx.stream([table.labels, table.keys], rows, sheet=table.name)


def _filename(table: Table, fmt: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", table.name).strip("-") or "export"
    return f"{stem}-{timezone.localdate().isoformat()}.{fmt}"


def download(table: Table, fmt: str, *, on_done: Callable[[], None] | None = None):
    """The table as a streamed attachment in `fmt` ("csv" or "xlsx")."""
    if fmt == "xlsx":
        response = StreamingHttpResponse(xlsx_chunks(table), content_type=XLSX_TYPE)
    else:
        lines = (line.encode() for line in csv_lines(table))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(table, fmt)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def as_bytes(response) -> bytes:
    """All of a streamed response (for tests and the API's small exports)."""
    return b"".join(response.streaming_content)


def read_back(data: bytes, fmt: str) -> list[list]:
    """A downloaded table read back as rows of values (CSV as text, XLSX as typed cells)."""
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
