"""Spreadsheet imports: a dry run with every row's outcome, then all or nothing, and the same
file twice changes nothing."""

from __future__ import annotations

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from kamavor.catalogue.models import Item
from kamavor.exchange.imports import check_import, post_import
from kamavor.exchange.models import Import
from kamavor.households.models import Household, PersonalData
from kamavor.needs.models import Standard
from kamavor.network.models import Point
from tests.factories import make_point, text

ITEMS = (
    "code;Armenian name;Russian name;English name;category;unit;expiry matters;barcodes\n"
    "pasta-500g;Մակարոն, 500 գ;Макароны, 500 г;Pasta, 500 g;food;pack;yes;4601234567893\n"
    "soap-bar;Օճառ;Мыло;Soap bar;hygiene;piece;no;2000000000022 2000000000039\n"
)


def upload(client, kind: str, content: bytes, name: str = "file.csv"):
    return client.post(
        "/desk/field/imports/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def test_an_item_file_is_checked_then_posted_and_twice_changes_nothing(w, client):
    client.force_login(w.coordinator)
    checked = upload(client, "items", ITEMS.encode())
    assert checked.status_code == 200
    page = text(checked)
    assert "2 rows: 1 new, 0 changed, 1 unchanged, 0 with errors." in page
    assert not Item.objects.filter(code="pasta-500g").exists()  # a dry run writes nothing
    record = Import.objects.get()
    assert record.status == "checked" and record.imported_by == w.coordinator
    posted = client.post("/desk/field/imports/", {"import": record.pk})
    assert posted.status_code == 200 and "The file was imported." in text(posted)
    pasta = Item.objects.get(code="pasta-500g")
    assert (pasta.name_ru, pasta.unit, pasta.tracks_expiry) == ("Макароны, 500 г", "pack", True)
    assert list(pasta.barcodes.values_list("code", flat=True)) == ["4601234567893"]
    record.refresh_from_db()
    assert (record.status, record.created, record.content_sealed) == ("posted", 1, "")
    again = upload(client, "items", ITEMS.encode())
    assert "2 rows: 0 new, 0 changed, 2 unchanged" in text(again)
    assert client.post("/desk/field/imports/", {"import": record.pk}).status_code == 200
    assert Item.objects.filter(code="pasta-500g").count() == 1


def test_a_file_with_a_failing_row_names_it_and_imports_nothing(w, client):
    client.force_login(w.coordinator)
    bad = ITEMS + "tea;Թեյ;Чай;Tea;drinks;piece;no;\n"
    page = text(upload(client, "items", bad.encode()))
    assert "Unknown category: drinks." in page and "with errors" in page
    assert "Post this file" not in page
    record = Import.objects.get()
    assert record.errors == 1 and record.content_sealed == ""
    assert text(client.post("/desk/field/imports/", {"import": record.pk})).count("already") == 1
    assert not Item.objects.filter(code__in=["pasta-500g", "tea"]).exists()


def test_files_that_are_no_spreadsheet_or_lack_columns_are_refused_clearly(w, client):
    client.force_login(w.coordinator)
    assert "not a spreadsheet" in text(upload(client, "items", b"\x89PNG\r\n\x1a\n\x00\x00"))
    page = text(upload(client, "items", b"code;name\nx;y\n"))
    assert "These columns are missing" in page
    ru = client.post(
        "/desk/field/imports/",
        {"kind": "items", "file": SimpleUploadedFile("f.csv", b"", "text/csv")},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert ru.status_code == 200
    assert not Import.objects.exists()


def households_xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Իգական 18-59", "Արական 6-11", "Shelter", "Name", "Phone", "Basis", "Consent"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_households_with_and_without_personal_fields(w):
    shelter = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    data = households_xlsx(
        [
            [1, 2, "Dormitory 3", None, None, None, None],
            [2, 0, None, "Anahit Petrosyan", "+374 91 234567", "consent", "yes"],
            [1, 1, None, "Armen Sargsyan", "+374 93 000111", "consent", "no"],
        ]
    )
    record, report = check_import(
        organisation=w.org, kind="households", data=data, filename="f.xlsx", by=w.coordinator
    )
    assert [(r.number, r.outcome) for r in report.rows] == [
        (2, "created"), (3, "created"), (4, "error"),
    ]  # fmt: skip
    assert not Household.objects.exists()
    fixed = households_xlsx(
        [
            [1, 2, "Dormitory 3", None, None, None, None],
            [2, 0, None, "Anahit Petrosyan", "+374 91 234567", "consent", "yes"],
            [1, 2, "Dormitory 3", None, None, None, None],  # another family written alike
        ]
    )
    record, report = check_import(
        organisation=w.org, kind="households", data=fixed, filename="f.xlsx", by=w.coordinator
    )
    assert report.ok and record.content_sealed and "Anahit" not in record.content_sealed
    post_import(record=record, by=w.coordinator)
    assert Household.objects.count() == 3
    assert Household.objects.filter(shelter=shelter, male_6_11=2).count() == 2
    personal = PersonalData.objects.get()
    assert "Anahit" not in personal.collector_name_sealed and personal.consent_at is not None
    record, report = check_import(
        organisation=w.org, kind="households", data=fixed, filename="f.xlsx", by=w.coordinator
    )
    assert [r.outcome for r in report.rows] == ["unchanged", "unchanged", "unchanged"]
    post_import(record=record, by=w.coordinator)
    assert Household.objects.count() == 3


def test_points_and_standards(w):
    points = (
        "name,kind,address,city,name_ru\n"
        "Arabkir hub,collection,Komitas 5,Yerevan,Хаб Арабкир\n"
        "Dormitory 7,կացարան,,Abovyan,\n"
    ).encode()
    record, report = check_import(
        organisation=w.org, kind="points", data=points, filename="p.csv", by=w.coordinator
    )
    assert report.ok
    post_import(record=record, by=w.coordinator)
    hub = Point.objects.get(organisation=w.org, name="Arabkir hub")
    assert (hub.kind, hub.name_ru, hub.slug) == ("collection", "Хаб Арабкир", "arabkir-hub")
    assert Point.objects.get(name="Dormitory 7").kind == "shelter"
    standards = (
        b"code,item,eligibility,per,quantity,period days\nsoap-monthly,soap-bar,all,person,1,30\n"
    )
    record, report = check_import(
        organisation=w.org, kind="standards", data=standards, filename="s.csv", by=w.coordinator
    )
    post_import(record=record, by=w.coordinator)
    assert Standard.objects.get(code="soap-monthly").quantity == 1


def test_only_coordinators_import_and_only_their_own_checked_file(w, client):
    client.force_login(w.volunteer)
    assert upload(client, "items", ITEMS.encode()).status_code == 403
    record, _report = check_import(
        organisation=w.org, kind="items", data=ITEMS.encode(), filename="f", by=w.coordinator
    )
    client.force_login(w.outsider)
    assert client.post("/desk/field/imports/", {"import": record.pk}).status_code == 404
    assert not Item.objects.filter(code="pasta-500g").exists()
