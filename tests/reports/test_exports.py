"""Exports of the desks' lists: offered on every list, filtered as the screen, read back equal,
scoped to the member's organisation, with nothing personal but in the audited export."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamavor.households.services import Personal
from kamavor.network.models import Point
from kamavor.privacy.models import AuditEntry
from kamavor.reports.exports import as_bytes, read_back
from kamavor.stock.services import IntakeLine
from tests.factories import desk, donate, lot_of, make_household

NAME, PHONE, DOCUMENT = "Անահիտ Պետրոսյան", "+37491555123", "AN0654321"


def _export(client, path: str, fmt: str, **params) -> list[list]:
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].rstrip('"').endswith(f".{fmt}")
    return read_back(as_bytes(response), fmt)


def _url(key: str, fmt: str, point: Point | None = None) -> str:
    if point is None:
        return reverse("reports:export_list", kwargs={"key": key, "fmt": fmt})
    return reverse("reports:export_at_point", kwargs={"point_id": point.pk, "key": key, "fmt": fmt})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_the_stock_page_with_both_header_rows(w, fmt):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(90)))
    rows = _export(desk(w.coordinator), _url("stock", fmt, w.point), fmt)
    assert rows[0][:2] == ["Item code", "Item"]
    assert rows[1] == ["item_code", "item", "category", "unit", "quantity", "lots"]
    by_code = {row[0]: row for row in rows[2:]}
    assert set(by_code) == {"rice-1kg", "soap-bar"}
    assert by_code["soap-bar"][1] == "Soap bar"
    assert int(by_code["soap-bar"][4]) == 7 and int(by_code["rice-1kg"][4]) == 5


def test_it_filters_as_the_screen_does(w):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(90)))
    client = desk(w.coordinator)
    screen = client.get(reverse("stock:point_stock", args=[w.point.pk]), {"q": "Мыло"})
    link = screen.context["export_links"][0]["url"]
    assert "q=" in link
    rows = read_back(as_bytes(client.get(link)), "csv")
    assert [row[0] for row in rows[2:]] == ["soap-bar"]
    assert rows[2][4] == "7" and "7" in screen.content.decode()


def test_headers_follow_the_readers_language(w):
    donate(w, IntakeLine(w.soap, 7))
    client = desk(w.coordinator)
    rows = read_back(
        as_bytes(client.get(_url("stock", "csv", w.point), HTTP_ACCEPT_LANGUAGE="ru")), "csv"
    )
    assert rows[1][0] == "item_code"  # the machine row never changes
    assert rows[2][1] == "Мыло"


LIST_SCREENS = [
    ("stock:point_stock", True, "stock"),
    ("stock:expiry", True, "lots"),
    ("stock:intake", True, "documents"),
    ("stock:transfers", True, "documents"),
    ("stock:counts", True, "documents"),
    ("stock:kits", True, "documents"),
    ("distribution:desk", True, "documents"),
    ("distribution:deliveries", True, "documents"),
    ("volunteers:shifts", True, "shifts"),
    ("volunteers:hours", True, "hours"),
    ("stock:organisation_stock", False, "all-stock"),
    ("households:index", False, "households"),
    ("needs:requests", False, "requests"),
    ("allocation:plans", False, "plans"),
]


@pytest.mark.parametrize(("name", "at_point", "key"), LIST_SCREENS)
def test_every_list_offers_its_export_and_it_downloads(w, name, at_point, key):
    client = desk(w.coordinator)
    page = client.get(reverse(name, args=[w.point.pk] if at_point else []))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Export CSV" in body and "Export XLSX" in body
    for link in page.context["export_links"]:
        assert f"/{key}.{link['format']}" in link["url"]
        response = client.get(link["url"])
        assert response.status_code == 200
        rows = read_back(as_bytes(response), link["format"])
        assert len(rows) >= 2 and all(rows[1])


def test_the_lot_history_exports_its_movements(w):
    donate(w, IntakeLine(w.soap, 7))
    donate(w, IntakeLine(w.soap, 3))
    lot = lot_of(w, w.soap)
    client = desk(w.coordinator)
    page = client.get(reverse("stock:lot", args=[w.point.pk, lot.pk]))
    link = next(link for link in page.context["export_links"] if link["format"] == "xlsx")
    rows = read_back(as_bytes(client.get(link["url"])), "xlsx")
    assert [row[rows[1].index("quantity")] for row in rows[2:]] == [3, 7]
    assert [row[rows[1].index("balance_after")] for row in rows[2:]] == [10, 7]


def test_a_member_never_exports_another_organisations_data(w):
    donate(w, IntakeLine(w.soap, 7))
    make_household(w)
    outsider = desk(w.outsider)
    assert outsider.get(_url("stock", "csv", w.point)).status_code == 404
    assert outsider.get(_url("movements", "xlsx", w.point)).status_code == 404
    rows = read_back(as_bytes(outsider.get(_url("households", "csv"))), "csv")
    assert rows[2:] == []
    rows = read_back(as_bytes(outsider.get(_url("all-stock", "csv"))), "csv")
    assert rows[2:] == []
    assert desk().get(_url("stock", "csv", w.point)).status_code == 302
    assert desk(w.partner).get(_url("stock", "csv", w.point)).status_code == 403
    assert desk(w.coordinator).get(_url("nothing", "csv", w.point)).status_code == 404
    assert desk(w.coordinator).get(_url("stock", "pdf", w.point)).status_code == 404


def _personal_household(w):
    return make_household(
        w, personal=Personal(collector_name=NAME, phone=PHONE, document=DOCUMENT,
                             basis="consent", consent=True, notice_language="hy"),
    )  # fmt: skip


def _secrets() -> list[bytes]:
    return [s.encode() for s in (NAME, "Անահիտ", PHONE, "91555123", DOCUMENT)]


def test_no_personal_value_is_in_any_list_export(w):
    household = _personal_household(w)
    donate(w, IntakeLine(w.soap, 7))
    client = desk(w.admin)
    seen = b""
    for key, at_point in [("households", False), ("requests", False), ("stock", True),
                          ("documents", True), ("movements", True), ("hours", True)]:  # fmt: skip
        for fmt in ("csv", "xlsx"):
            response = client.get(_url(key, fmt, w.point if at_point else None))
            data = as_bytes(response)
            if fmt == "xlsx":
                data = repr(read_back(data, fmt)).encode()
            seen += data
    assert household.display_code.encode() in seen
    for secret in _secrets():
        assert secret not in seen
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_personal_export_is_separate_and_audited(w):
    household = _personal_household(w)
    url = reverse("reports:personal_download")
    assert desk(w.volunteer).post(url, {"format": "csv"}).status_code == 404
    outsider = read_back(as_bytes(desk(w.outsider).post(url, {"format": "csv"})), "csv")
    assert outsider[2:] == []  # the outsider's own organisation has none
    client = desk(w.coordinator)
    assert client.get(url).status_code == 405  # never a link
    assert client.get(reverse("reports:personal")).status_code == 200
    rows = read_back(as_bytes(client.post(url, {"format": "xlsx"})), "xlsx")
    record = dict(zip(rows[1], rows[2], strict=True))  # by the machine header row
    assert len(rows[0]) == len(rows[1]) == len(rows[2])
    assert [household.display_code, NAME, PHONE, DOCUMENT] == [
        record["household_code"],
        record["collector_name"],
        record["phone"],
        record["document"],
    ]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, household=household)
    assert entry.user == w.coordinator and set(entry.fields) == {
        "collector_name",
        "phone",
        "document",
    }


def test_the_export_reads_a_fixed_number_of_queries(w, django_assert_num_queries):
    client = desk(w.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            as_bytes(client.get(_url("movements", "csv", w.point)))
        return len(queries)

    donate(w, IntakeLine(w.soap, 1))
    few = count()
    for n in range(30):
        donate(w, IntakeLine(w.soap, n + 1), IntakeLine(w.rice, 1, expiry=w.later(n + 30)))
    assert count() == few


def test_cells_that_look_like_formulas_stay_text(w):
    from kamavor.stock import services

    services.post_purchase(
        point=w.point, lines=[IntakeLine(w.soap, 2)], by=w.coordinator, supplier="=HYPERLINK(1)"
    )
    client = desk(w.coordinator)
    rows = read_back(
        as_bytes(client.get(_url("documents", "csv", w.point), {"kind": "purchase"})), "csv"
    )
    assert rows[2][rows[1].index("supplier")] == "'=HYPERLINK(1)"
    data = as_bytes(client.get(_url("documents", "xlsx", w.point), {"kind": "purchase"}))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    supplier = sheet.cell(row=3, column=rows[1].index("supplier") + 1)
    assert supplier.value == "=HYPERLINK(1)" and supplier.data_type == "s"  # text, not a formula


@pytest.mark.parametrize(
    ("key", "at_point", "queries"),
    [("stock", True, 8), ("movements", True, 8), ("documents", True, 7), ("households", False, 6),
     ("requests", False, 9), ("shifts", True, 6)],
)  # fmt: skip
def test_each_export_reads_a_pinned_number_of_queries(
    w, django_assert_num_queries, key, at_point, queries
):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(90)))
    make_household(w)
    client = desk(w.coordinator)
    client.get(reverse("stock:point_stock", args=[w.point.pk]))  # the session is warm
    with django_assert_num_queries(queries):
        as_bytes(client.get(_url(key, "csv", w.point if at_point else None)))
