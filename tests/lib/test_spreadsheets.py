"""An uploaded CSV or XLSX file reads into the caller's columns and numbered rows, or says why."""

from __future__ import annotations

import datetime
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib import spreadsheets
from kamavor.lib.spreadsheets import Column, SpreadsheetError, normalise_header, read_table

COLUMNS = (
    Column("name", ("Name", "Անուն", "Название")),
    Column("unit", ("Unit", "Միավոր", "Единица")),
    Column("barcode", ("Barcode", "Շտրիխկոդ", "Штрихкод"), required=False),
)


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_it_reads_a_comma_csv_into_keys_and_row_numbers():
    table = read_table(b"Name,Unit,Barcode\nRice,kg,4601234567893\nOil , l ,\n", columns=COLUMNS)
    assert table.kind == "csv"
    assert table.present == ("name", "unit", "barcode")
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"name": "Rice", "unit": "kg", "barcode": "4601234567893"}),
        (3, {"name": "Oil", "unit": "l", "barcode": ""}),
    ]


def test_it_sniffs_semicolons_and_tabs_and_reads_bom_and_cp1251():
    semicolon = "\ufeffНазвание;Единица\nРис;кг\n".encode()
    assert read_table(semicolon, columns=COLUMNS).rows[0].values["name"] == "Рис"
    commas_in_data = "Название;Единица\nРис, длинный;кг\n".encode()
    assert read_table(commas_in_data, columns=COLUMNS).rows[0]["name"] == "Рис, длинный"
    tabbed = "Անուն\tՄիավոր\nԲրինձ\tկգ\n".encode()
    assert read_table(tabbed, columns=COLUMNS).rows[0].values == {
        "name": "Բրինձ", "unit": "կգ", "barcode": ""
    }  # fmt: skip
    windows = "Название;Единица\nМасло подсолнечное;л\n".encode("cp1251")
    assert read_table(windows, columns=COLUMNS).rows[0]["name"] == "Масло подсолнечное"
    utf16 = "Name\tUnit\nRice\tkg\n".encode("utf-16")
    assert read_table(utf16, columns=COLUMNS).rows[0]["unit"] == "kg"


def test_a_quoted_cell_may_hold_the_delimiter_and_a_newline():
    table = read_table(b'Name,Unit\n"Rice, long grain","kg"\n"Two\nlines",pcs\n', columns=COLUMNS)
    assert [r["name"] for r in table.rows] == ["Rice, long grain", "Two\nlines"]
    assert [r.number for r in table.rows] == [2, 3]


def test_headers_match_whatever_the_case_spacing_and_marks():
    table = read_table(b"  NAME * , unit:\nRice,kg\n", columns=COLUMNS)
    assert table.present == ("name", "unit")
    assert normalise_header("Item_name") == normalise_header("item  NAME") == "item name"
    assert normalise_header("ԱՆՈՒՆ") == normalise_header("անուն")


def test_empty_rows_are_skipped_and_numbers_stay_those_of_the_sheet():
    table = read_table(b"\n\nName,Unit\n\nRice,kg\n,\nOil,l\n", columns=COLUMNS)
    assert table.header_row == 3
    assert [(r.number, r["name"]) for r in table.rows] == [(5, "Rice"), (7, "Oil")]


def test_it_reads_xlsx_with_numbers_and_dates_as_text():
    data = xlsx(
        [
            ["Անուն", "Միավոր", "Barcode"],
            ["Բրինձ", "կգ", 4601234567893],
            [None, None, None],
            ["Pasta", "kg", datetime.datetime(2026, 12, 2)],
        ]
    )
    table = read_table(data, columns=COLUMNS, filename="catalogue.xlsx")
    assert table.kind == "xlsx"
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"name": "Բրինձ", "unit": "կգ", "barcode": "4601234567893"}),
        (4, {"name": "Pasta", "unit": "kg", "barcode": "2026-12-02"}),
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", spreadsheets.EMPTY),
        (b"  \n\n", spreadsheets.EMPTY),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", spreadsheets.NOT_A_SPREADSHEET),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, spreadsheets.NOT_A_SPREADSHEET),
        (b"PK\x03\x04 broken zip", spreadsheets.NOT_A_SPREADSHEET),
        (b"Name,Unit,Colour\nRice,kg,red\n", spreadsheets.UNKNOWN_COLUMNS),
        (b"Name,Barcode\nRice,1\n", spreadsheets.MISSING_COLUMNS),
        (b"Name,Unit,name\nRice,kg,x\n", spreadsheets.DUPLICATE_COLUMNS),
    ],
)
def test_it_refuses_what_cannot_be_read_with_a_typed_error(data, code):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, columns=COLUMNS)
    assert caught.value.code == code


def test_errors_name_the_columns_and_the_row():
    with pytest.raises(SpreadsheetError) as missing:
        read_table(b"Barcode\n1\n", columns=COLUMNS)
    assert missing.value.columns == ("name", "unit")
    with pytest.raises(SpreadsheetError) as unknown:
        read_table(b"Name,Unit,Colour\n", columns=COLUMNS)
    assert unknown.value.columns == ("Colour",)
    with pytest.raises(SpreadsheetError) as extra:
        read_table(b"Name,Unit\nRice,kg\nOil,l,surprise\n", columns=COLUMNS)
    assert (extra.value.code, extra.value.row) == (spreadsheets.EXTRA_CELLS, 3)


def test_unknown_columns_may_be_allowed_and_are_then_ignored():
    table = read_table(b"Name,Unit,Notes\nRice,kg,x\n", columns=COLUMNS, allow_unknown=True)
    assert table.rows[0].values == {"name": "Rice", "unit": "kg", "barcode": ""}


def test_it_enforces_the_size_and_row_limits():
    with pytest.raises(SpreadsheetError) as size:
        read_table(b"Name,Unit\n" + b"Rice,kg\n" * 100, columns=COLUMNS, max_bytes=100)
    assert (size.value.code, size.value.limit) == (spreadsheets.TOO_LARGE, 100)
    data = b"Name,Unit\n" + b"Rice,kg\n" * 11
    assert len(read_table(data, columns=COLUMNS, max_rows=11).rows) == 11
    with pytest.raises(SpreadsheetError) as rows:
        read_table(data, columns=COLUMNS, max_rows=10)
    assert (rows.value.code, rows.value.limit) == (spreadsheets.TOO_MANY_ROWS, 10)


def test_an_xlsx_that_would_unpack_far_beyond_its_weight_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/big.xml", "0" * 5_000_000)
    with pytest.raises(SpreadsheetError) as caught:
        read_table(out.getvalue(), columns=COLUMNS, max_bytes=60_000)
    assert caught.value.code == spreadsheets.TOO_LARGE


cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12
).map(str.strip)


@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=20))
def test_what_a_csv_writer_writes_reads_back_the_same(rows):
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["Name", "Unit"])
    writer.writerows(rows)
    table = read_table(out.getvalue().encode(), columns=COLUMNS)
    expected = [(name, unit) for name, unit in rows if name or unit]
    assert [(r["name"], r["unit"]) for r in table.rows] == expected


def csv_writer(out):
    import csv

    return csv.writer(out, quoting=csv.QUOTE_ALL)
