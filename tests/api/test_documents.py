"""Donations, purchases, and any document by id: posting, reading, reversing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kamavor.stock.models import Document, Movement
from kamavor.stock.services import IntakeLine
from tests.api.conftest import assert_error
from tests.factories import donate, ledger, lot_of, on_hand


def donation(w, **fields) -> dict:
    return {
        "point": w.point.pk,
        "lines": [
            {"item": w.rice.pk, "quantity": 10, "expiry": str(w.later(200))},
            {"item": w.jacket.pk, "quantity": 2, "size": "110", "condition": "used"},
            {"item": w.soap.pk, "quantity": 7},
        ],
        **fields,
    }


def purchase(w, **fields) -> dict:
    return {
        "point": w.point.pk,
        "supplier": "SAS supermarket",
        "lines": [{"item": w.soap.pk, "quantity": 10, "unit_cost": "350.50"}],
        **fields,
    }


# ---------------------------------------------------------------- donations


def test_a_donation_goes_into_stock(w, api):
    response = api(w.volunteer).post("/donations", donation(w, donor="Anna", note="at the door"))
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get(pk=body["id"])
    assert (document.kind, document.status, document.donor) == ("donation", "posted", "Anna")
    assert body["number"] == document.number
    assert (body["point"], body["created_by"], body["note"]) == (
        w.point.pk,
        "lilit-volunteer",
        "at the door",
    )
    assert [(line["item_name"], line["quantity"]) for line in body["lines"]] == [
        ("Rice, 1 kg", 10),
        ("Child's winter jacket", 2),
        ("Soap bar", 7),
    ]
    assert body["lines"][1]["condition"] == "used" and body["lines"][1]["size"] == "110"
    assert on_hand(w.point, w.rice) == 10 and on_hand(w.point, w.soap) == 7
    assert lot_of(w, w.jacket, size="110", condition="used").balance.quantity == 2
    assert Movement.objects.filter(document=document).count() == 3


def test_item_names_follow_the_requests_language(w, api):
    body = api(w.volunteer, language="hy").post("/donations", donation(w)).json()
    assert body["lines"][0]["item_name"] == "Բրինձ, 1 կգ"


def test_a_donation_is_refused_to_partners_outsiders_and_anonymous(w, api):
    before = ledger()
    assert_error(api(w.partner).post("/donations", donation(w)), 403, "forbidden")
    # Another organisation's point is refused exactly like a point that does not exist.
    outsider = assert_error(api(w.outsider).post("/donations", donation(w)), 400, "unknown_point")
    missing = donation(w, point=987654)
    assert api(w.outsider).post("/donations", missing).json() == outsider
    assert_error(api().post("/donations", donation(w)), 401, "unauthenticated")
    assert ledger() == before


def test_a_donation_to_another_organisations_point_is_unknown(w, api):
    before = ledger()
    body = assert_error(
        api(w.coordinator).post("/donations", donation(w, point=w.other_point.pk)),
        400,
        "unknown_point",
    )
    assert body["field"] == "point"
    assert ledger() == before


def test_the_donation_list_shows_this_organisations_donations(w, api):
    ours = [donate(w, IntakeLine(w.soap, n)) for n in (1, 2, 3)]
    at_warehouse = donate(w, IntakeLine(w.soap, 4), point=w.warehouse)
    donate(w, IntakeLine(w.soap, 5), point=w.other_point, by=w.outsider)
    client = api(w.volunteer)
    ids = [d["id"] for d in client.get("/donations").json()]
    assert ids == [at_warehouse.pk, *[d.pk for d in reversed(ours)]]  # newest first
    assert [d["id"] for d in client.get("/donations", point=w.warehouse.pk).json()] == [
        at_warehouse.pk
    ]
    assert len(client.get("/donations", limit=2).json()) == 2
    assert_error(client.get("/donations", point=w.other_point.pk), 404, "not_found")
    assert_error(client.get("/donations", limit=101), 422, "invalid")
    assert api(w.partner).get("/donations").json() == []
    assert_error(api().get("/donations"), 401, "unauthenticated")


def test_one_donation_is_shown_to_its_organisation_only(w, api):
    document = donate(w, IntakeLine(w.soap, 3))
    path = f"/donations/{document.pk}"
    assert api(w.volunteer).get(path).json()["lines"][0]["quantity"] == 3
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")
    assert_error(api().get(path), 401, "unauthenticated")
    assert_error(api(w.volunteer).get(f"/purchases/{document.pk}"), 404, "not_found")


def test_a_volunteer_reverses_their_own_donation_once(w, api):
    document = api(w.volunteer).post("/donations", donation(w)).json()
    response = api(w.volunteer).post(f"/donations/{document['id']}/reverse", {"reason": "typo"})
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert (reversal["kind"], reversal["reverses"], reversal["reason"]) == (
        "reversal",
        document["id"],
        "typo",
    )
    assert on_hand(w.point, w.rice) == 0 and on_hand(w.point, w.soap) == 0
    shown = api(w.volunteer).get(f"/donations/{document['id']}").json()
    assert (shown["status"], shown["reversed_by"]) == ("reversed", reversal["id"])
    before = ledger()
    again = api(w.coordinator).post(f"/donations/{document['id']}/reverse")
    assert_error(again, 409, "conflict")
    assert ledger() == before


def test_a_donation_reversal_is_refused_where_the_role_or_organisation_does_not_allow(w, api):
    document = donate(w, IntakeLine(w.soap, 3), by=w.coordinator)
    path = f"/donations/{document.pk}/reverse"
    before = ledger()
    assert_error(api(w.volunteer).post(path), 403, "forbidden")  # not their own
    assert_error(api(w.partner).post(path), 403, "forbidden")
    assert_error(api(w.outsider).post(path), 404, "not_found")
    assert_error(api().post(path), 401, "unauthenticated")
    assert ledger() == before


# ---------------------------------------------------------------- purchases


def test_a_purchase_records_supplier_cost_and_dram(w, api):
    response = api(w.coordinator).post("/purchases", purchase(w))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["supplier"], body["currency"]) == (
        "purchase",
        "SAS supermarket",
        "AMD",
    )
    assert Decimal(body["lines"][0]["unit_cost"]) == Decimal("350.50")
    assert Document.objects.get(pk=body["id"]).lines.get().unit_cost == Decimal("350.50")
    assert on_hand(w.point, w.soap) == 10
    euro = api(w.coordinator).post("/purchases", purchase(w, currency="eur")).json()
    assert euro["currency"] == "EUR"


def test_a_purchase_is_a_coordinators_call(w, api):
    before = ledger()
    assert_error(api(w.volunteer).post("/purchases", purchase(w)), 403, "forbidden")
    assert_error(api(w.partner).post("/purchases", purchase(w)), 403, "forbidden")
    assert_error(api(w.outsider).post("/purchases", purchase(w)), 400, "unknown_point")
    assert_error(api().post("/purchases", purchase(w)), 401, "unauthenticated")
    assert ledger() == before


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"supplier": ""}, 400),
        ({"currency": "dram"}, 400),
        ({"lines": [{"item": 1, "quantity": 1}]}, 422),  # no unit cost
        ({"lines": [{"item": 1, "quantity": 1, "unit_cost": "1.005"}]}, 422),
        ({"lines": [{"item": 1, "quantity": 1, "unit_cost": -1}]}, 400),
        ({"lines": [{"item": 1, "quantity": 1, "unit_cost": "NaN"}]}, 422),
    ],
    ids=["no-supplier", "bad-currency", "no-cost", "fraction-of-a-luma", "negative", "nan"],
)
def test_a_purchase_needs_a_supplier_a_currency_and_costs(w, api, change, status):
    if "lines" in change:
        change["lines"][0]["item"] = w.soap.pk
    before = ledger()
    assert_error(api(w.coordinator).post("/purchases", purchase(w, **change)), status, "invalid")
    assert ledger() == before


def test_purchases_are_listed_shown_and_reversed(w, api):
    client = api(w.coordinator)
    document = client.post("/purchases", purchase(w)).json()
    client.post("/donations", donation(w))
    assert [d["id"] for d in client.get("/purchases").json()] == [document["id"]]
    assert client.get(f"/purchases/{document['id']}").json()["supplier"] == "SAS supermarket"
    assert_error(api(w.outsider).get(f"/purchases/{document['id']}"), 404, "not_found")
    assert_error(api(w.partner).get(f"/purchases/{document['id']}"), 403, "forbidden")
    assert_error(api(w.volunteer).post(f"/purchases/{document['id']}/reverse"), 403, "forbidden")
    reversal = client.post(f"/purchases/{document['id']}/reverse", {"reason": "returned"})
    assert reversal.status_code == 201
    assert on_hand(w.point, w.soap) == 7  # the donation's soap stays


# ---------------------------------------------------------------- any document


def test_any_document_is_shown_by_id(w, api):
    document = donate(w, IntakeLine(w.soap, 3))
    body = api(w.volunteer).get(f"/documents/{document.pk}").json()
    assert (body["id"], body["kind"]) == (document.pk, "donation")
    assert_error(api(w.outsider).get(f"/documents/{document.pk}"), 404, "not_found")
    assert_error(api(w.partner).get(f"/documents/{document.pk}"), 403, "forbidden")
    assert_error(api(w.volunteer).get("/documents/987654"), 404, "not_found")
    assert_error(api().get(f"/documents/{document.pk}"), 401, "unauthenticated")


def test_any_document_is_reversed_by_id(w, api):
    document = api(w.coordinator).post("/purchases", purchase(w)).json()
    path = f"/documents/{document['id']}/reverse"
    assert_error(api(w.outsider).post(path), 404, "not_found")
    assert_error(api(w.volunteer).post(path), 403, "forbidden")
    response = api(w.coordinator).post(path, {"reason": "wrong shop"}, key="undo-1")
    assert response.status_code == 201
    again = api(w.coordinator).post(path, {"reason": "wrong shop"}, key="undo-1")
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]
    assert on_hand(w.point, w.soap) == 0
    assert Document.objects.filter(kind="reversal").count() == 1


def test_a_reversal_is_refused_when_the_stock_has_left(w, api):
    document = donate(w, IntakeLine(w.soap, 5))
    api(w.coordinator).post(
        "/disposals",
        {
            "point": w.point.pk,
            "reason": "wet",
            "lines": [{"lot": lot_of(w, w.soap).pk, "quantity": 4}],
        },
    )
    before = ledger()
    response = api(w.coordinator).post(f"/documents/{document.pk}/reverse")
    assert_error(response, 409, "not_enough_stock")
    assert ledger() == before


def test_document_lists_take_a_fixed_number_of_queries(w, api, django_assert_max_num_queries):
    for n in range(1, 11):
        donate(w, IntakeLine(w.soap, n), IntakeLine(w.rice, n, expiry=w.later(n + 30)))
    client = api(w.volunteer)
    client.get("/points")  # the token's first use is recorded once
    with django_assert_max_num_queries(6):
        documents = client.get("/donations").json()
    assert len(documents) == 10 and all(len(d["lines"]) == 2 for d in documents)


def test_a_replay_answers_exactly_what_the_first_request_answered(w, api):
    """The first answer is built from what was written, a replay from what is stored: the
    client cannot tell them apart."""
    client = api(w.coordinator)
    purchase = {
        "point": w.point.pk,
        "supplier": "Market",
        "lines": [
            {"item": w.soap.pk, "quantity": 4, "unit_cost": "1.5"},
            {"item": w.rice.pk, "quantity": 2, "unit_cost": "900", "expiry": "2030-01-31"},
        ],
    }
    donation = {"point": w.point.pk, "donor": "Anna", "lines": [{"item": w.soap.pk, "quantity": 3}]}
    for path, body in (("/purchases", purchase), ("/donations", donation)):
        first = client.post(path, body, key=f"once-{path}")
        again = client.post(path, body, key=f"once-{path}")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert first.json() == client.get(f"{path}/{first.json()['id']}").json()


def test_one_line_of_a_document_is_reversed_through_the_api(w, api):
    from kamavor.stock.services import IntakeLine
    from tests.factories import donate, on_hand

    document = donate(w, IntakeLine(w.soap, 5), IntakeLine(w.rice, 3, expiry=w.later(90)))
    wrong = document.lines.get(item=w.rice)
    client = api(w.coordinator)
    url = f"/documents/{document.pk}/reverse"
    response = client.post(url, {"reason": "lentils", "line": wrong.pk}, key="r1")
    assert response.status_code == 201, response.content
    again = client.post(url, {"reason": "lentils", "line": wrong.pk}, key="r1")
    assert again.json()["id"] == response.json()["id"]
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.rice)) == (5, 0)
    assert_error(client.post(url, {"line": wrong.pk}, key="r2"), 409, "conflict")
    assert_error(client.post(url, {"line": 10**6}, key="r3"), 400, "unknown_line")
    shown = client.get(f"/documents/{document.pk}").json()
    assert shown["status"] == "posted" and shown["reversed_by"] == response.json()["id"]
