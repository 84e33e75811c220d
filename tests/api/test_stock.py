"""Stock on hand over the API: per point, per lot (first expiry first out), network-wide."""

from __future__ import annotations

from kamavor.stock import services
from kamavor.stock.services import IntakeLine, LotLine
from tests.api.conftest import assert_error
from tests.factories import donate, lot_of


def stock_rows(response) -> dict[int, int]:
    assert response.status_code == 200, response.content
    return {row["item"]: row["quantity"] for row in response.json()}


def test_point_stock_sums_the_lots_of_each_item(w, api):
    donate(w, IntakeLine(w.rice, 4, expiry=w.later(10)), IntakeLine(w.rice, 6, expiry=w.later(90)))
    donate(w, IntakeLine(w.soap, 3))
    donate(w, IntakeLine(w.soap, 50), point=w.warehouse)
    response = api(w.volunteer, language="hy").get(f"/points/{w.point.pk}/stock")
    assert stock_rows(response) == {w.rice.pk: 10, w.soap.pk: 3}
    rice = next(row for row in response.json() if row["item"] == w.rice.pk)
    assert (rice["item_code"], rice["item_name"], rice["unit"]) == (
        "rice-1kg",
        "Բրինձ, 1 կգ",
        "piece",
    )


def test_point_stock_leaves_out_items_with_none_left(w, api):
    donate(w, IntakeLine(w.soap, 3))
    services.dispose(
        point=w.point, lines=[LotLine(lot_of(w, w.soap), 3)], by=w.coordinator, reason="wet"
    )
    assert stock_rows(api(w.volunteer).get(f"/points/{w.point.pk}/stock")) == {}


def test_point_stock_is_refused_outside_the_organisation_and_to_partners(w, api):
    path = f"/points/{w.point.pk}/stock"
    assert_error(api().get(path), 401, "unauthenticated")
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")


def test_lots_come_first_expiry_first_out(w, api):
    donate(
        w,
        IntakeLine(w.soap, 2),
        IntakeLine(w.rice, 5, expiry=w.later(100)),
        IntakeLine(w.rice, 5, expiry=w.later(10)),
        IntakeLine(w.jacket, 1, size="110"),
    )
    lots = api(w.volunteer).get(f"/points/{w.point.pk}/lots").json()
    assert [(lot["item_code"], lot["expiry"]) for lot in lots[:2]] == [
        ("rice-1kg", str(w.later(10))),
        ("rice-1kg", str(w.later(100))),
    ]
    assert {lot["expiry"] for lot in lots[2:]} == {None}  # undated lots last
    jacket = next(lot for lot in lots if lot["item"] == w.jacket.pk)
    assert (jacket["size"], jacket["quantity"], jacket["expired"]) == ("110", 1, False)


def test_lots_filter_by_item_and_expiry(w, api, travel):
    soon, later = str(w.later(2)), str(w.later(20))
    donate(
        w,
        IntakeLine(w.soap, 2),
        IntakeLine(w.rice, 1, expiry=w.later(2)),
        IntakeLine(w.rice, 1, expiry=w.later(20)),
        IntakeLine(w.toothpaste, 1, expiry=w.later(60)),
    )
    travel(5)  # the first rice lot is now past its date; the second expires in 15 days
    client = api(w.volunteer)
    path = f"/points/{w.point.pk}/lots"

    def expiries(**params) -> list:
        response = client.get(path, **params)
        assert response.status_code == 200, response.content
        return [(lot["item_code"], lot["expiry"], lot["expired"]) for lot in response.json()]

    assert expiries(expired="true") == [("rice-1kg", soon, True)]
    assert expiries(expiring_within_days=15) == [("rice-1kg", later, False)]
    assert expiries(expiring_within_days=14) == []
    assert ("soap-bar", None, False) in expiries(expired="false")
    assert len(expiries(expired="false")) == 3
    assert [e[1] for e in expiries(item=w.rice.pk)] == [soon, later]
    assert len(expiries(limit=1)) == 1


def test_lots_are_refused_outside_the_organisation_and_to_partners(w, api):
    path = f"/points/{w.point.pk}/lots"
    assert_error(api().get(path), 401, "unauthenticated")
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")
    assert_error(api(w.volunteer).get(path, expiring_within_days=-1), 422, "invalid")


def test_stock_shows_each_visible_point(w, api):
    donate(w, IntakeLine(w.soap, 3))
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 1, expiry=w.later(9)), point=w.warehouse)
    donate(w, IntakeLine(w.soap, 100), point=w.other_point, by=w.outsider)
    rows = api(w.volunteer).get("/stock", item=w.soap.pk).json()
    assert [(row["point_name"], row["item_code"], row["quantity"]) for row in rows] == [
        ("Coworking hub", "soap-bar", 3),
        ("Main warehouse", "soap-bar", 7),
    ]
    everything = api(w.volunteer).get("/stock").json()
    assert len(everything) == 3
    outsider = api(w.outsider).get("/stock").json()
    assert [(row["point"], row["quantity"]) for row in outsider] == [(w.other_point.pk, 100)]
    assert api(w.partner).get("/stock").json() == []
    assert_error(api().get("/stock"), 401, "unauthenticated")


def test_a_lot_shows_its_movements_newest_first(w, api):
    first = donate(w, IntakeLine(w.soap, 5))
    second = donate(w, IntakeLine(w.soap, 2))
    lot = lot_of(w, w.soap)
    services.dispose(point=w.point, lines=[LotLine(lot, 1)], by=w.coordinator, reason="torn")
    response = api(w.volunteer).get(f"/lots/{lot.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["quantity"] == 6
    moves = [(m["kind"], m["quantity"], m["balance_after"]) for m in body["movements"]]
    assert moves == [("disposal", -1, 6), ("donation", 2, 7), ("donation", 5, 5)]
    assert [m["document"] for m in body["movements"][1:]] == [second.pk, first.pk]
    assert body["movements"][0]["by"] == "gor-coordinator"
    assert len(api(w.volunteer).get(f"/lots/{lot.pk}", limit=2).json()["movements"]) == 2


def test_a_lot_is_refused_outside_the_organisation_and_to_partners(w, api):
    donate(w, IntakeLine(w.soap, 5))
    path = f"/lots/{lot_of(w, w.soap).pk}"
    assert_error(api().get(path), 401, "unauthenticated")
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")
    assert_error(api(w.volunteer).get("/lots/987654"), 404, "not_found")


def test_stock_lists_take_a_fixed_number_of_queries(w, api, django_assert_max_num_queries):
    for days in range(10, 20):
        donate(w, IntakeLine(w.rice, 1, expiry=w.later(days)), IntakeLine(w.soap, 1))
        donate(w, IntakeLine(w.toothpaste, 2, expiry=w.later(days)), point=w.warehouse)
    client = api(w.volunteer)
    client.get("/points")  # the token's first use is recorded once
    lot = lot_of(w, w.soap)
    with django_assert_max_num_queries(5):
        assert len(client.get(f"/points/{w.point.pk}/stock").json()) == 2
    with django_assert_max_num_queries(4):
        assert len(client.get(f"/points/{w.point.pk}/lots").json()) == 11
    with django_assert_max_num_queries(5):
        assert len(client.get("/stock").json()) == 3
    with django_assert_max_num_queries(5):
        assert len(client.get(f"/lots/{lot.pk}").json()["movements"]) == 10


def test_a_donation_adds_to_the_lot_of_its_expiry_among_many_and_opens_new_ones(w, api):
    """Only lots of the lines' expiry dates are read: the one dated alike is added to, a new
    date opens a lot, and an undated item still finds its lot."""
    import datetime as dt

    from kamavor.stock.ledger import existing_lots
    from kamavor.stock.models import Lot

    day = dt.date.today() + dt.timedelta(days=100)
    dates = [day + dt.timedelta(days=n) for n in range(5)]
    donate(w, *[IntakeLine(w.rice, 10, expiry=date) for date in dates], IntakeLine(w.soap, 4))
    before = {lot.expiry: lot.pk for lot in Lot.objects.filter(point=w.point, item=w.rice)}
    new_day = day + dt.timedelta(days=30)
    body = {
        "point": w.point.pk,
        "lines": [
            {"item": w.rice.pk, "quantity": 3, "expiry": dates[2].isoformat()},
            {"item": w.rice.pk, "quantity": 2, "expiry": new_day.isoformat()},
            {"item": w.soap.pk, "quantity": 1},
        ],
    }
    response = api(w.coordinator).post("/donations", body)
    assert response.status_code == 201, response.content
    lots = [line["lot"] for line in response.json()["lines"]]

    def held(item, **attributes) -> int:
        return lot_of(w, item, **attributes).balance.quantity

    assert lots[0] == before[dates[2]] and held(w.rice, expiry=dates[2]) == 13
    assert lots[1] not in before.values() and held(w.rice, expiry=new_day) == 2
    assert lots[2] == lot_of(w, w.soap).pk and held(w.soap) == 5
    assert Lot.objects.filter(point=w.point, item=w.rice).count() == 6

    lot = lot_of(w, w.rice, expiry=dates[3])
    key = (w.rice.pk, dates[3], lot.size, lot.condition)
    assert set(existing_lots(point=w.point, items=[w.rice], keys={key})) == {key}
    assert len(existing_lots(point=w.point, items=[w.rice])) == 6
