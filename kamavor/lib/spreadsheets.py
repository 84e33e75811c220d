"""Read an uploaded CSV or XLSX file into named columns and numbered rows.

Plain Python (csv and openpyxl, no Django), shared by every import: catalogue, points, standards,
households, packing lists. Organisations arrive with spreadsheets saved by Excel, LibreOffice or
Google Sheets, in Armenian, Russian or English, with semicolons or commas, with or without a BOM,
sometimes in Windows-1251 or UTF-16. `read_table` turns any of them into a `Table`: the caller's
column keys (matched against header names in any of the three languages, whatever the case and
spacing) and rows of stripped text, each with the row number a person sees in the spreadsheet.

Everything that stops a file from being read raises `SpreadsheetError` with a stable `code` and
its parameters, so that the caller can say it in the user's language; nothing here translates.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX file is a zip: refuse one that would unpack to far more than it weighs (a zip bomb).
MAX_UNPACK_RATIO = 40

NOT_A_SPREADSHEET = "not_a_spreadsheet"
EMPTY = "empty"
TOO_LARGE = "too_large"
TOO_MANY_ROWS = "too_many_rows"
MISSING_COLUMNS = "missing_columns"
UNKNOWN_COLUMNS = "unknown_columns"
DUPLICATE_COLUMNS = "duplicate_columns"
EXTRA_CELLS = "extra_cells"

_DELIMITERS = ",;\t|"
_SEPARATORS = re.compile(r"[\s_\-./]+")


class SpreadsheetError(ValueError):
    """A file that cannot be read as the table asked for.

    `code` is one of the module's constants, `row` the spreadsheet row it concerns (if any), and
    `columns` what it is about: the keys of missing columns, or the header names (as written in
    the file) of unknown or duplicated ones.
    """

    def __init__(
        self,
        code: str,
        *,
        row: int | None = None,
        columns: Sequence[str] = (),
        limit: int | None = None,
    ) -> None:
        self.code = code
        self.row = row
        self.columns = tuple(columns)
        self.limit = limit
        parts = [code]
        if row is not None:
            parts.append(f"row {row}")
        if self.columns:
            parts.append(", ".join(self.columns))
        if limit is not None:
            parts.append(f"limit {limit}")
        super().__init__(": ".join(parts))


@dataclass(frozen=True)
class Column:
    """A column the caller expects: its key and the header names that mean it (any language)."""

    key: str
    names: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class Row:
    """One data row: its number as the spreadsheet shows it (the header is row 1 in most files)
    and its values by column key, stripped, "" for an empty cell or an absent optional column."""

    number: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default) or default


@dataclass(frozen=True)
class Table:
    """The rows of a file, with the column keys its header held (`present`) and the header row's
    number. `kind` is "csv" or "xlsx"."""

    kind: str
    header_row: int
    present: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)


def normalise_header(text: str) -> str:
    """A header name as compared: NFC, case-folded, separators and spaces collapsed, a trailing
    "*" or ":" (marks of a required column) dropped. "Item name *", "item_name" and "ITEM NAME"
    are the same column; so are "Անուն" and "անուն"."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip().rstrip("*:").strip()
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def read_table(
    data: bytes,
    *,
    columns: Sequence[Column],
    filename: str = "",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    allow_unknown: bool = False,
) -> Table:
    """Read a CSV or XLSX file (told apart by content, not by name) into a `Table` of `columns`.

    The first non-empty row is the header. Entirely empty rows are skipped. Raises
    `SpreadsheetError` for a file that is no spreadsheet, is empty, weighs more than `max_bytes`,
    holds more than `max_rows` data rows, lacks a required column, repeats one, has a header the
    caller did not name (unless `allow_unknown`), or a row with values beyond the header.
    """
    kind, header_row, header, records = read_raw(data, filename=filename, max_bytes=max_bytes)
    positions = _match_header(header, columns, allow_unknown=allow_unknown)
    keys = [column.key for column in columns]
    rows: list[Row] = []
    width = len(header)
    for number, cells in records:
        if len(cells) > width and any(cell for cell in cells[width:]):
            raise SpreadsheetError(EXTRA_CELLS, row=number)
        if len(rows) >= max_rows:
            raise SpreadsheetError(TOO_MANY_ROWS, limit=max_rows)
        values = dict.fromkeys(keys, "")
        for key, position in positions.items():
            if position < len(cells):
                values[key] = cells[position]
        rows.append(Row(number=number, values=values))
    present = tuple(key for key in keys if key in positions)
    return Table(kind=kind, header_row=header_row, present=present, rows=rows)


def read_raw(
    data: bytes, *, filename: str = "", max_bytes: int = MAX_BYTES
) -> tuple[str, int, list[str], Iterator[tuple[int, list[str]]]]:
    """The file's kind, header row number, header cells, and its non-empty data rows as
    (row number, stripped cells). For callers that map columns themselves."""
    if len(data) > max_bytes:
        raise SpreadsheetError(TOO_LARGE, limit=max_bytes)
    if not data.strip():
        raise SpreadsheetError(EMPTY)
    if data[:4] == b"PK\x03\x04":
        kind, records = "xlsx", _xlsx_records(data, max_bytes=max_bytes)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(
        (".xls", ".ods", ".numbers", ".pdf", ".docx")
    ):
        # An old .xls (or another office file): the user can "Save as" XLSX or CSV.
        raise SpreadsheetError(NOT_A_SPREADSHEET)
    else:
        kind, records = "csv", _csv_records(_decode(data))
    for number, cells in records:
        if any(cells):
            return kind, number, cells, (r for r in records if any(r[1]))
    raise SpreadsheetError(EMPTY)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SpreadsheetError(NOT_A_SPREADSHEET) from error
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel on a Russian Windows saves "CSV" in Windows-1251. A file that is not text at
            # all still decodes, but carries control bytes, caught below.
            try:
                text = data.decode("cp1251")
            except UnicodeDecodeError as error:
                raise SpreadsheetError(NOT_A_SPREADSHEET) from error
    if "\x00" in text or _control_share(text[:4096]) > 0.01:
        raise SpreadsheetError(NOT_A_SPREADSHEET)
    return text


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
    return bad / len(text)


def _delimiter(text: str) -> str:
    """The delimiter the header line uses most (headers seldom hold commas or semicolons, data
    often does); the sniffer decides only when the header holds none of them."""
    lines = [line for line in text[:65536].splitlines() if line.strip()]
    if not lines:
        return ","
    counts = {d: lines[0].count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for index, cells in enumerate(reader, start=1):
            yield index, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise SpreadsheetError(NOT_A_SPREADSHEET) from error


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _xlsx_records(data: bytes, *, max_bytes: int) -> Iterator[tuple[int, list[str]]]:
    import openpyxl  # imported here: a CSV import does not pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise SpreadsheetError(NOT_A_SPREADSHEET)
        if unpacked > max_bytes * MAX_UNPACK_RATIO:
            raise SpreadsheetError(TOO_LARGE, limit=max_bytes)
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SpreadsheetError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise SpreadsheetError(NOT_A_SPREADSHEET) from error
    return _sheet_rows(book)


def _sheet_rows(book) -> Iterator[tuple[int, list[str]]]:
    try:
        sheet = book.worksheets[0]
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            while cells and not cells[-1]:
                cells.pop()
            yield index, cells
    finally:
        book.close()


def _match_header(
    header: list[str], columns: Sequence[Column], *, allow_unknown: bool
) -> dict[str, int]:
    wanted: dict[str, str] = {}
    for column in columns:
        for name in (column.key, *column.names):
            wanted.setdefault(normalise_header(name), column.key)
    positions: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for position, name in enumerate(header):
        if not name:
            continue
        key = wanted.get(normalise_header(name))
        if key is None:
            unknown.append(name)
        elif key in positions:
            duplicated.append(name)
        else:
            positions[key] = position
    if duplicated:
        raise SpreadsheetError(DUPLICATE_COLUMNS, columns=duplicated)
    missing = [column.key for column in columns if column.required and column.key not in positions]
    if missing:
        raise SpreadsheetError(MISSING_COLUMNS, columns=missing)
    if unknown and not allow_unknown:
        raise SpreadsheetError(UNKNOWN_COLUMNS, columns=unknown)
    return positions
