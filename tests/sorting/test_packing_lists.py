"""Packing lists: a dry run per row in the user's language, then one posting; bad files change
nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kamavor.stock.models import Balance, Document, Movement
from kamavor.stock.services import IntakeLine
from tests.factories import donate


def csv_file(text: str, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def check(client, w, upload, **data):
    return client.post(reverse("sorting:upload_check", args=[w.point.pk]), {"file": upload, **data})


@pytest.fixture
def desk(client, w):
    client.force_login(w.volunteer)
    return client


GOOD = (
    "item;quantity;expiry;size;condition\n"
    "Рис, 1 кг;10;12.2099;;\n"
    "Օճառ;5;;;\n"
    "2000000000022;2;;;\n"
    "detskaya zimnyaya kurtka;3;;110;used\n"
)


def test_it_shows_a_dry_run_then_posts_the_donation_once(desk, w):
    page = check(desk, w, csv_file(GOOD)).content.decode()
    assert 'id="dry-run-ok"' in page and "4 rows, 20 units" in page
    assert "Child&#x27;s winter jacket" in page and "Rice, 1 kg" in page
    assert not Document.objects.exists()
    response = desk.post(reverse("sorting:upload_post", args=[w.point.pk]))
    document = Document.objects.get()
    assert response["Location"] == reverse("stock:document", args=[document.pk])
    assert document.kind == "donation" and document.lines.count() == 4
    assert Balance.objects.get(item=w.soap, point=w.point).quantity == 7
    # Posting again (a double click) posts nothing more.
    desk.post(reverse("sorting:upload_post", args=[w.point.pk]))
    assert Document.objects.count() == 1


def test_it_reads_xlsx_with_headers_in_armenian(desk, w):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ապրանք", "Քանակ"])
    sheet.append(["soap-bar", 4])
    data = io.BytesIO()
    book.save(data)
    upload = SimpleUploadedFile("list.xlsx", data.getvalue())
    assert 'id="dry-run-ok"' in check(desk, w, upload).content.decode()
    desk.post(reverse("sorting:upload_post", args=[w.point.pk]))
    assert Balance.objects.get(item=w.soap, point=w.point).quantity == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name;amount\nsoap;1\n", "needs the columns"),
        ("item;quantity;colour\nsoap;1;red\n", "Unknown columns: colour"),
        ("item;quantity\nblorfquux;1\n", "No item in the catalogue matches “blorfquux”"),
        ("item;quantity\nsoap;-1\n", "whole number from 1"),
        ("item;quantity;expiry\nrice-1kg;1;soon\n", "“soon” is not a date"),
        ("item;quantity;expiry\nrice-1kg;1;01.2001\n", "expired on"),
        ("item;quantity\njacket-child-winter;1\n", "needs a size"),
        ("item;quantity\n", "header but no rows"),
    ],
)
def test_bad_files_get_a_clear_error_and_change_nothing(desk, w, text, message):
    page = check(desk, w, csv_file(text)).content.decode()
    assert message in page
    assert 'id="post-list"' not in page
    response = desk.post(reverse("sorting:upload_post", args=[w.point.pk]))
    assert response.status_code == 302
    assert not Document.objects.exists() and not Movement.objects.exists()


def test_it_refuses_what_is_not_a_spreadsheet_and_a_50_mb_file(desk, w):
    png = SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    assert "not a spreadsheet" in check(desk, w, png).content.decode()
    huge = SimpleUploadedFile("big.csv", b"item;quantity\n" + b"soap;1\n" * (50 * 2**20 // 7))
    assert "too large" in check(desk, w, huge).content.decode()
    assert not Document.objects.exists()


def test_the_dry_run_speaks_russian_and_armenian(desk, w):
    text = "item;quantity\nblorfquux;1\n"
    ru = desk.post(
        reverse("sorting:upload_check", args=[w.point.pk]),
        {"file": csv_file(text)},
        HTTP_ACCEPT_LANGUAGE="ru",
    ).content.decode()
    assert "Нет товара в каталоге" in ru
    hy = desk.post(
        reverse("sorting:upload_check", args=[w.point.pk]),
        {"file": csv_file(text)},
        HTTP_ACCEPT_LANGUAGE="hy",
    ).content.decode()
    assert "Կատալոգում" in hy


def test_a_packing_list_becomes_a_transfer_from_loose_stock(desk, w):
    donate(w, IntakeLine(w.soap, 10))
    client = desk
    client.force_login(w.coordinator)
    page = check(client, w, csv_file("item;quantity\nsoap;4\n"), destination=w.warehouse.pk)
    assert 'id="dry-run-ok"' in page.content.decode()
    client.post(reverse("sorting:upload_post", args=[w.point.pk]))
    transfer = Document.objects.get(kind="transfer")
    assert transfer.destination == w.warehouse and transfer.status == "draft"
    assert list(transfer.lines.values_list("quantity", flat=True)) == [4]
    short = check(client, w, csv_file("item;quantity\nsoap;40\n"), destination=w.warehouse.pk)
    assert "Only 10 of" in short.content.decode()


def test_two_thousand_rows_validate_and_post_as_one_donation(desk, w):
    """(bench/sorting.py times it.)"""
    rows = "".join(f"soap-bar;{n % 9 + 1}\nrice-1kg;1;12.2099\n" for n in range(1000))
    text = "item;quantity;expiry\n" + rows.replace("soap-bar;", "soap-bar;").replace(
        "\nrice", ";\nrice"
    )
    page = check(desk, w, csv_file(text)).content.decode()
    assert 'id="dry-run-ok"' in page, page[-2000:]
    desk.post(reverse("sorting:upload_post", args=[w.point.pk]))
    assert Document.objects.get().lines.count() == 2000
