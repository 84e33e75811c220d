"""The distribution API: hand-outs, deliveries, their scoping, idempotency and errors."""

from __future__ import annotations

import pytest

from kamavor.distribution.api import DistributionOut, HandedLineOut
from kamavor.needs.services import LineIn, create_request
from kamavor.network.models import Member
from kamavor.stock.models import Document
from tests.api.conftest import assert_error
from tests.distribution.factories import make_household, make_shelter, shelter_request, stock_up
from tests.factories import ledger, make_member, on_hand


@pytest.fixture
def served(w):
    household = make_household(w)
    soon = stock_up(w, w.rice, 3, expiry=w.later(20))
    stock_up(w, w.rice, 10, expiry=w.later(200))
    soap = stock_up(w, w.soap, 10)
    return household, soon, soap


def test_it_hands_out_by_item_first_expiry_first_out(w, api, served):
    household, soon, soap = served
    request = create_request(
        by=w.volunteer, household=household, lines=[LineIn(quantity=2, item=w.soap)]
    )
    body = {
        "point": w.point.pk,
        "household": household.display_code,
        "lines": [{"item": w.rice.pk, "quantity": 5}, {"lot": soap.pk, "quantity": 2}],
    }
    response = api(w.volunteer).post("/distributions", body, key="k1")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "distribution" and data["household"] == household.display_code
    assert (data["lines"][0]["lot"], data["lines"][0]["quantity"]) == (soon.pk, 3)
    assert data["lines"][-1]["fulfils"] == [
        {"request": request.pk, "request_line": request.lines.get().pk, "quantity": 2}
    ]
    counts = ledger()
    again = api(w.volunteer).post("/distributions", body, key="k1")
    assert again.status_code == 201 and again.json() == data  # the very same answer
    assert ledger() == counts
    assert on_hand(w.point, w.rice) == 8
    assert_error(
        api(w.volunteer).post("/distributions", {**body, "note": "x"}, key="k1"),
        422,
        "idempotency_key_reused",
    )
    listed = api(w.volunteer).get("/distributions", point=w.point.pk).json()
    assert [d["id"] for d in listed] == [data["id"]]
    # Answered from what was written, as the stored hand-out reads, key for key.
    assert list(data) == list(DistributionOut.model_fields)
    assert list(data["lines"][-1]) == list(HandedLineOut.model_fields)
    assert api(w.volunteer).get(f"/distributions/{data['id']}").json() == data
    assert_error(api(w.outsider).get(f"/distributions/{data['id']}"), 404, "not_found")
    assert_error(api(w.partner).get(f"/distributions/{data['id']}"), 403, "forbidden")
    assert_error(api().get("/distributions"), 401, "unauthenticated")


def test_it_refuses_bad_distributions(w, api, served):
    household, soon, _soap = served
    base = {"point": w.point.pk, "household": household.code}
    client = api(w.volunteer)
    counts = ledger()
    cases = [
        ({**base, "lines": [{"item": w.rice.pk, "quantity": 99}]}, 409, "not_enough_stock"),
        ({**base, "lines": [{"item": 999_999, "quantity": 1}]}, 400, "unknown_item"),
        ({**base, "lines": [{"lot": 999_999, "quantity": 1}]}, 400, "unknown_lot"),
        ({**base, "lines": [{"lot": soon.pk, "item": w.rice.pk, "quantity": 1}]}, 422, "invalid"),
        ({**base, "lines": [{"lot": soon.pk, "quantity": "1"}]}, 422, "invalid"),
        ({**base, "lines": [{"lot": soon.pk, "quantity": 0}]}, 400, "invalid"),
        ({**base, "lines": []}, 400, "no_lines"),
        ({**base, "point": w.other_point.pk, "lines": []}, 400, "unknown_point"),
        ({**base, "household": "KX4M7QAT", "lines": []}, 400, "mistyped_household_code"),
    ]
    for body, status, code in cases:
        assert_error(client.post("/distributions", body), status, code)
    other = make_household(w, org=w.other_org)
    assert_error(
        client.post("/distributions", {**base, "household": other.code, "lines": []}),
        400,
        "unknown_household",
    )
    assert_error(api(w.partner).post("/distributions", {**base, "lines": []}), 403, "forbidden")
    assert ledger() == counts


@pytest.fixture
def order(w):
    shelter = make_shelter(w.org)
    request = shelter_request(w, shelter, LineIn(quantity=6, item=w.soap))
    stock_up(w, w.soap, 10)
    return shelter, request


def test_the_delivery_flow(w, api, order):
    shelter, request = order
    coordinator = api(w.coordinator)
    body = {"request": request.pk, "point": w.point.pk}
    packed = coordinator.post("/deliveries", body, key="p")
    assert packed.status_code == 201, packed.content
    delivery = packed.json()
    assert delivery["status"] == "draft" and delivery["shelter"] == shelter.pk
    assert delivery["request"] == request.pk and delivery["number"].startswith("S-")
    assert coordinator.post("/deliveries", body, key="p").json()["id"] == delivery["id"]
    assert_error(api(w.partner).get(f"/deliveries/{delivery['id']}"), 404, "not_found")
    assert_error(api(w.partner).post(f"/deliveries/{delivery['id']}/send"), 404, "not_found")
    assert_error(api(w.volunteer).post(f"/deliveries/{delivery['id']}/send"), 403, "forbidden")
    sent = coordinator.post(f"/deliveries/{delivery['id']}/send", key="s")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert coordinator.post(f"/deliveries/{delivery['id']}/send", key="s").status_code == 200
    assert_error(coordinator.post(f"/deliveries/{delivery['id']}/send"), 409, "conflict")
    assert on_hand(w.point, w.soap) == 4

    partner = api(w.partner)
    assert [d["id"] for d in partner.get("/deliveries", status="sent").json()] == [delivery["id"]]
    line = delivery["lines"][0]["id"]
    assert_error(api(w.volunteer).post(f"/deliveries/{delivery['id']}/confirm"), 403, "forbidden")
    too_many = {"lines": [{"line": line, "received_quantity": 7}]}
    assert_error(partner.post(f"/deliveries/{delivery['id']}/confirm", too_many), 400, "invalid")
    body = {"lines": [{"line": line, "received_quantity": 4}], "note": "2 missing"}
    confirmed = partner.post(f"/deliveries/{delivery['id']}/confirm", body, key="c")
    assert confirmed.status_code == 200, confirmed.content
    data = confirmed.json()
    assert data["status"] == "received" and data["lines"][0]["received_quantity"] == 4
    assert data["lines"][0]["fulfils"][0]["quantity"] == 4
    again = partner.post(f"/deliveries/{delivery['id']}/confirm", body, key="c")
    assert again.status_code == 200
    got = api(w.partner).get(f"/requests/{request.pk}").json()
    assert got["state"] == "partly_fulfilled" and got["lines"][0]["fulfilled_quantity"] == 4


def test_deliveries_are_scoped(w, api, order):
    _shelter, request = order
    other_partner = make_member(w.other_org, "api-other-partner", Member.Role.PARTNER)
    packed = api(w.coordinator).post("/deliveries", {"request": request.pk, "point": w.point.pk})
    delivery = packed.json()["id"]
    api(w.coordinator).post(f"/deliveries/{delivery}/send")
    for user in (w.outsider, other_partner):
        assert api(user).get("/deliveries").json() == []
        assert_error(api(user).get(f"/deliveries/{delivery}"), 404, "not_found")
        assert_error(api(user).post(f"/deliveries/{delivery}/confirm"), 404, "not_found")
    assert_error(
        api(w.outsider).post("/deliveries", {"request": request.pk, "point": w.other_point.pk}),
        400,
        "unknown_request",
    )
    assert_error(
        api(w.partner).post("/deliveries", {"request": request.pk, "point": w.point.pk}),
        403,
        "forbidden",
    )
    assert_error(
        api(w.coordinator).post("/deliveries", {"request": request.pk, "point": w.point.pk}),
        409,
        "nothing_outstanding",
    )
    assert_error(
        api(w.coordinator).post("/deliveries", {"request": 999_999, "point": w.point.pk}),
        400,
        "unknown_request",
    )
    assert_error(api().get("/deliveries"), 401, "unauthenticated")
    assert Document.objects.filter(kind="delivery").count() == 1


def test_a_repeat_needs_a_reason_through_the_api(w, api, served):
    household, _soon, soap = served
    body = {
        "point": w.point.pk,
        "household": household.display_code,
        "lines": [{"lot": soap.pk, "quantity": 2}],
    }
    assert api(w.volunteer).post("/distributions", body, key="a").status_code == 201
    refused = api(w.volunteer).post("/distributions", body, key="b")
    assert_error(refused, 400, "repeat_needs_reason")
    assert on_hand(w.point, w.soap) == 8
    again = api(w.volunteer).post("/distributions", {**body, "note": "Lost"}, key="c")
    assert again.status_code == 201 and on_hand(w.point, w.soap) == 6
