"""HXL exports: a tag row under the header, valid under libhxl's own schema, aggregated by
organisation, point and area, and no count of households under five."""

from __future__ import annotations

import hxl
import pytest
from django.urls import reverse

from kamavor.distribution.services import ItemLine, record_distribution
from kamavor.needs.services import LineIn, create_request
from kamavor.reports.exports import as_bytes, read_back
from kamavor.stock.services import IntakeLine
from tests.factories import desk, donate, make_household


def _get(client, kind: str, fmt: str = "csv", **params) -> bytes:
    response = client.get(reverse("reports:hxl", args=[kind, fmt]), params)
    assert response.status_code == 200
    return as_bytes(response)


def _valid(data: bytes, fmt: str = "csv") -> list[list]:
    rows = read_back(data, fmt)
    tagged = hxl.data(hxl.input.ArrayInput(rows))
    errors = []
    assert hxl.schema(callback=errors.append).validate(tagged), [str(e) for e in errors]
    report = hxl.validate(tagged)
    assert report["is_valid"] and report["stats"]["total"] == 0, report
    assert [column.display_tag for column in tagged.columns] == rows[1]
    return rows


def _serve(w, households: int) -> None:
    donate(w, IntakeLine(w.soap, 50), IntakeLine(w.rice, 50, expiry=w.later(100)))
    for _n in range(households):
        record_distribution(
            point=w.point, household=make_household(w), by=w.coordinator, idempotency_key=None,
            lines=[ItemLine(w.soap, 2), ItemLine(w.rice, 1)],
        )  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_3w_counts_households_reached_per_point_and_category(w, fmt):
    _serve(w, 6)
    rows = _valid(_get(desk(w.coordinator), "3w", fmt), fmt)
    assert rows[1][:5] == ["#org+name", "#loc+name", "#adm1+name", "#sector+name", "#activity+name"]
    by_sector = {row[3]: row for row in rows[2:]}
    assert set(by_sector) == {"Food", "Hygiene"}
    hygiene = by_sector["Hygiene"]
    assert hygiene[:3] == ["Yerevan Food Bank", "Coworking hub", "Yerevan"]
    assert int(hygiene[5]) == 6 and int(hygiene[6]) == 12


def test_small_counts_of_households_are_suppressed(w):
    _serve(w, 3)
    create_request(
        by=w.coordinator, household=make_household(w), lines=[LineIn(item=w.soap, quantity=2)]
    )
    client = desk(w.coordinator)
    for kind in ("3w", "needs"):
        rows = _valid(_get(client, kind))
        columns = [n for n, tag in enumerate(rows[1]) if "households" in tag]
        assert columns and rows[2:]
        for row in rows[2:]:
            assert all(row[n] == "" or int(row[n]) >= 5 for n in columns)
            assert all(value != "3" for value in row)  # the units beside them too


def test_stock_and_needs_validate_and_stay_in_scope(w):
    donate(w, IntakeLine(w.soap, 7))
    donate(w, IntakeLine(w.soap, 9), point=w.other_point, by=w.outsider)
    rows = _valid(_get(desk(w.coordinator), "stock"))
    assert [(row[1], int(row[-1])) for row in rows[2:]] == [("Coworking hub", 7)]
    rows = _valid(_get(desk(w.outsider), "stock"))
    assert [(row[1], int(row[-1])) for row in rows[2:]] == [("Goris school", 9)]
    _valid(_get(desk(w.coordinator), "needs", organisation=w.org.pk))
    client = desk(w.coordinator)
    assert (
        client.get(
            reverse("reports:hxl", args=["stock", "csv"]), {"point": w.other_point.pk}
        ).status_code
        == 404
    )
    assert desk(w.volunteer).get(reverse("reports:hxl", args=["3w", "csv"])).status_code == 403
    assert client.get(reverse("reports:hxl", args=["nope", "csv"])).status_code == 404
