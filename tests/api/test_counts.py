"""Counts, disposals and kit builds over the API: the coordinator's corrections and the
sorting desk's kits."""

from __future__ import annotations

from kamavor.stock.models import Document
from kamavor.stock.services import IntakeLine
from tests.api.conftest import assert_error
from tests.factories import donate, ledger, lot_of, on_hand

# ---------------------------------------------------------------- counts


def test_a_count_books_the_differences(w, api):
    donate(w, IntakeLine(w.soap, 10))
    soap = lot_of(w, w.soap)
    response = api(w.coordinator).post(
        "/counts",
        {
            "point": w.point.pk,
            "reason": "weekly count",
            "lines": [
                {"lot": soap.pk, "counted": 8},
                {"item": w.jacket.pk, "size": "98", "counted": 3},
                {"item": w.rice.pk, "expiry": str(w.later(60)), "counted": 0},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["reason"]) == ("count", "weekly count")
    assert [(line["quantity"], line["expected_quantity"]) for line in body["lines"]] == [
        (8, 10),
        (3, 0),
        (0, 0),
    ]
    assert on_hand(w.point, w.soap) == 8 and on_hand(w.point, w.jacket) == 3
    assert api(w.volunteer).get(f"/counts/{body['id']}").json()["id"] == body["id"]


def test_a_count_is_a_coordinators_call(w, api):
    donate(w, IntakeLine(w.soap, 10))
    body = {
        "point": w.point.pk,
        "reason": "r",
        "lines": [{"lot": lot_of(w, w.soap).pk, "counted": 1}],
    }
    before = ledger()
    assert_error(api(w.volunteer).post("/counts", body), 403, "forbidden")
    assert_error(api(w.partner).post("/counts", body), 403, "forbidden")
    assert_error(api(w.outsider).post("/counts", body), 400, "unknown_point")
    assert_error(api().post("/counts", body), 401, "unauthenticated")
    assert ledger() == before


def test_a_count_refuses_unclear_lines(w, api):
    donate(w, IntakeLine(w.soap, 10))
    soap = lot_of(w, w.soap)
    donate(w, IntakeLine(w.soap, 3), point=w.other_point, by=w.outsider)
    foreign = lot_of(w, w.soap, point=w.other_point)
    before = ledger()
    cases = [
        ([{"counted": 1}], 422, "invalid"),  # neither lot nor item
        ([{"lot": soap.pk, "item": w.soap.pk, "counted": 1}], 422, "invalid"),
        ([{"lot": soap.pk, "size": "98", "counted": 1}], 422, "invalid"),
        ([{"lot": soap.pk, "counted": -1}], 400, "invalid"),
        ([{"lot": soap.pk, "counted": "8"}], 422, "invalid"),
        ([{"lot": foreign.pk, "counted": 1}], 400, "unknown_lot"),
        ([{"item": 987654, "counted": 1}], 400, "unknown_item"),
        ([{"item": w.rice.pk, "counted": 1}], 400, "invalid"),  # no expiry
        ([{"lot": soap.pk, "counted": 8}], 400, "invalid"),  # a difference needs a reason
    ]
    for lines, status, code in cases:
        response = api(w.coordinator).post("/counts", {"point": w.point.pk, "lines": lines})
        assert_error(response, status, code)
    assert ledger() == before


def test_one_count_is_shown_to_its_organisation_only(w, api):
    body = (
        api(w.coordinator)
        .post("/counts", {"point": w.point.pk, "lines": [{"item": w.soap.pk, "counted": 0}]})
        .json()
    )
    path = f"/counts/{body['id']}"
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")
    assert_error(api().get(path), 401, "unauthenticated")


# ---------------------------------------------------------------- disposals


def test_a_disposal_takes_goods_out_with_a_reason(w, api):
    donate(w, IntakeLine(w.rice, 4, expiry=w.later(3)))
    rice = lot_of(w, w.rice)
    body = {"point": w.point.pk, "reason": "mice", "lines": [{"lot": rice.pk, "quantity": 3}]}
    response = api(w.coordinator).post("/disposals", body)
    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["reason"]) == ("disposal", "mice")
    assert on_hand(w.point, w.rice) == 1


def test_a_disposal_is_refused_without_reason_stock_or_the_role(w, api):
    donate(w, IntakeLine(w.soap, 2))
    lines = [{"lot": lot_of(w, w.soap).pk, "quantity": 1}]
    body = {"point": w.point.pk, "reason": "wet", "lines": lines}
    before = ledger()
    assert_error(api(w.volunteer).post("/disposals", body), 403, "forbidden")
    assert_error(api(w.partner).post("/disposals", body), 403, "forbidden")
    assert_error(api(w.outsider).post("/disposals", body), 400, "unknown_point")
    assert_error(api().post("/disposals", body), 401, "unauthenticated")
    client = api(w.coordinator)
    assert_error(client.post("/disposals", {**body, "reason": " "}), 400, "invalid")
    assert_error(client.post("/disposals", {"point": w.point.pk, "lines": lines}), 422, "invalid")
    too_many = {**body, "lines": [{"lot": lines[0]["lot"], "quantity": 3}]}
    assert_error(client.post("/disposals", too_many), 409, "not_enough_stock")
    assert ledger() == before and on_hand(w.point, w.soap) == 2


# ---------------------------------------------------------------- kit builds


def test_kits_are_built_from_the_earliest_expiring_components(w, api):
    donate(
        w,
        IntakeLine(w.soap, 5),
        IntakeLine(w.toothpaste, 1, expiry=w.later(30)),
        IntakeLine(w.toothpaste, 1, expiry=w.later(400)),
    )
    body = {"point": w.point.pk, "kit": w.hygiene_kit.pk, "quantity": 2}
    response = api(w.volunteer).post("/kit-builds", body)
    assert response.status_code == 201, response.content
    document = response.json()
    assert document["kind"] == "kit_build"
    assert on_hand(w.point, w.hygiene_kit) == 2 and on_hand(w.point, w.soap) == 1
    assert lot_of(w, w.hygiene_kit).expiry == w.later(30)
    shown = api(w.volunteer).get(f"/kit-builds/{document['id']}").json()
    assert {line["item"] for line in shown["lines"]} == {
        w.hygiene_kit.pk,
        w.soap.pk,
        w.toothpaste.pk,
    }
    assert_error(api(w.outsider).get(f"/kit-builds/{document['id']}"), 404, "not_found")
    assert_error(api(w.partner).get(f"/kit-builds/{document['id']}"), 403, "forbidden")


def test_a_kit_build_is_refused_when_it_cannot_be_done(w, api):
    donate(w, IntakeLine(w.soap, 1))
    client = api(w.volunteer)
    before = ledger()
    kit = {"point": w.point.pk, "kit": w.hygiene_kit.pk, "quantity": 1}
    assert_error(client.post("/kit-builds", kit), 409, "not_enough_stock")
    assert_error(client.post("/kit-builds", {**kit, "kit": w.soap.pk}), 400, "invalid")
    assert_error(client.post("/kit-builds", {**kit, "kit": 987654}), 400, "unknown_item")
    assert_error(client.post("/kit-builds", {**kit, "quantity": 0}), 400, "invalid")
    assert_error(client.post("/kit-builds", {**kit, "quantity": True}), 422, "invalid")
    assert_error(api(w.partner).post("/kit-builds", kit), 403, "forbidden")
    assert_error(api(w.outsider).post("/kit-builds", kit), 400, "unknown_point")
    assert_error(api().post("/kit-builds", kit), 401, "unauthenticated")
    assert ledger() == before
    assert not Document.objects.filter(kind="kit_build").exists()
