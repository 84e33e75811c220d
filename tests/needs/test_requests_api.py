"""Requests through the API: who may ask for whom, who sees what, and bad input."""

from __future__ import annotations

import pytest

from kamavor.needs.models import Request
from tests.api.conftest import assert_error
from tests.needs.helpers import make_household, make_shelter


@pytest.fixture
def places(w):
    return {
        "shelter": make_shelter(w.org, "School No. 5 shelter"),
        "other_shelter": make_shelter(w.other_org, "Goris hostel"),
        "household": make_household(w),
        "other_household": make_household(w, org=w.other_org),
    }


def household_body(w, household, **extra):
    return {
        "household": household.display_code,
        "urgency": "high",
        "reason": "arrived without winter clothes",
        "lines": [{"item": w.jacket.pk, "size": "110", "quantity": 1}],
        **extra,
    }


def shelter_body(w, shelter, **extra):
    return {
        "shelter": shelter.pk,
        "number_of_people": 40,
        "lines": [
            {"item": w.soap.pk, "quantity": 120},
            {"category": w.rice.category_id, "quantity": 30},
        ],
        **extra,
    }


def test_it_records_a_household_request(w, api, places):
    response = api(w.volunteer).post("/requests", household_body(w, places["household"]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["urgency"] == "high"
    assert body["household"] == places["household"].display_code
    assert [(x["item"], x["size"], x["quantity"]) for x in body["lines"]] == [
        (w.jacket.pk, "110", 1)
    ]
    request = Request.objects.get(pk=body["id"])
    assert request.household == places["household"] and request.organisation == w.org


def test_a_partner_asks_for_its_own_shelter(w, api, places):
    response = api(w.partner).post("/requests", shelter_body(w, places["shelter"]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["shelter"] == places["shelter"].pk and body["number_of_people"] == 40
    assert body["lines"][1]["category"] == w.rice.category_id


def test_a_retry_with_the_same_key_records_it_once(w, api, places):
    client = api(w.partner)
    first = client.post("/requests", shelter_body(w, places["shelter"]), key="k-1")
    again = client.post("/requests", shelter_body(w, places["shelter"]), key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Request.objects.count() == 1
    other = client.post("/requests", shelter_body(w, places["shelter"], reason="x"), key="k-1")
    assert_error(other, 422, "idempotency_key_reused")


def test_it_refuses_what_a_role_may_not_ask(w, api, places):
    # A partner asks for shelters, not households; a volunteer for households, not shelters.
    assert_error(
        api(w.partner).post("/requests", household_body(w, places["household"])), 403, "forbidden"
    )
    assert_error(api(w.volunteer).post("/requests", shelter_body(w, places["shelter"])),
                 403, "forbidden")  # fmt: skip
    assert Request.objects.count() == 0


def test_it_refuses_another_organisations_household_or_shelter_as_unknown(w, api, places):
    client = api(w.coordinator)
    assert_error(
        client.post("/requests", household_body(w, places["other_household"])),
        400,
        "unknown_household",
    )
    assert_error(
        client.post("/requests", shelter_body(w, places["other_shelter"])), 400, "unknown_point"
    )
    # A point that is not a shelter is no shelter.
    assert_error(client.post("/requests", shelter_body(w, w.point)), 400, "unknown_point")
    assert Request.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"lines": []}, 400, "no_lines"),
        ({"lines": [{"item": 10**9, "quantity": 1}]}, 400, "unknown_item"),
        ({"lines": [{"category": 10**9, "quantity": 1}]}, 400, "unknown_category"),
        ({"lines": [{"quantity": 1}]}, 400, "invalid"),
        ({"lines": [{"item": 1, "category": 1, "quantity": 1}]}, 400, "invalid"),
        ({"lines": [{"item": 1, "quantity": 0}]}, 400, "invalid"),
        ({"lines": [{"item": 1, "quantity": "2"}]}, 422, "invalid"),
        ({"urgency": "yesterday"}, 422, "invalid"),
        ({"number_of_people": 3}, 400, "invalid"),
        ({"household": "KX4M"}, 400, "invalid_household_code"),
        ({"shelter": 1}, 400, "no_target"),
        ({"reason": "x" * 301}, 400, "invalid"),
        ({"reason": "nul\x00"}, 422, "invalid"),
        ({"surprise": 1}, 422, "invalid"),
    ],
)
def test_it_refuses_bad_input(w, api, places, change, status, code):
    body = household_body(w, places["household"]) | change
    for line in body["lines"]:
        if line.get("item") == 1:
            line["item"] = w.soap.pk
        if line.get("category") == 1:
            line["category"] = w.soap.category_id
    assert_error(api(w.coordinator).post("/requests", body), status, code)
    assert Request.objects.count() == 0


def test_a_size_the_item_does_not_have_is_refused(w, api, places):
    body = household_body(w, places["household"])
    body["lines"][0]["size"] = "XXXL"
    assert_error(api(w.volunteer).post("/requests", body), 400, "invalid")


def test_a_shelter_request_needs_the_number_of_people(w, api, places):
    body = shelter_body(w, places["shelter"])
    del body["number_of_people"]
    assert_error(api(w.partner).post("/requests", body), 400, "invalid")


def _make_requests(w, api, places) -> dict[str, int]:
    return {
        "household": api(w.volunteer)
        .post("/requests", household_body(w, places["household"]))
        .json()["id"],
        "shelter": api(w.partner)
        .post("/requests", shelter_body(w, places["shelter"]))
        .json()["id"],
        "other": api(w.outsider)
        .post("/requests", household_body(w, places["other_household"]))
        .json()["id"],
    }


def test_each_persona_sees_only_its_requests(w, api, places):
    ids = _make_requests(w, api, places)

    def seen(user):
        return {x["id"] for x in api(user).get("/requests").json()}

    assert seen(w.coordinator) == seen(w.volunteer) == {ids["household"], ids["shelter"]}
    assert seen(w.partner) == {ids["shelter"]}
    assert seen(w.outsider) == {ids["other"]}
    assert api(w.partner).get(f"/requests/{ids['household']}").status_code == 404
    assert api(w.outsider).get(f"/requests/{ids['shelter']}").status_code == 404
    assert api(w.partner).get(f"/requests/{ids['shelter']}").status_code == 200
    assert_error(api().get("/requests"), 401, "unauthenticated")


def test_open_requests_come_most_urgent_first(w, api, places):
    client = api(w.coordinator)
    for urgency in ("low", "critical", "normal"):
        client.post("/requests", household_body(w, places["household"], urgency=urgency))
    urgencies = [x["urgency"] for x in client.get("/requests", open="true").json()]
    assert urgencies == ["critical", "normal", "low"]


def test_cancel_is_scoped_and_repeatable(w, api, places):
    ids = _make_requests(w, api, places)
    assert_error(api(w.outsider).post(f"/requests/{ids['shelter']}/cancel"), 404, "not_found")
    assert_error(api(w.partner).post(f"/requests/{ids['household']}/cancel"), 404, "not_found")
    assert_error(api(w.volunteer).post(f"/requests/{ids['shelter']}/cancel"), 403, "forbidden")
    for _twice in range(2):
        response = api(w.partner).post(f"/requests/{ids['shelter']}/cancel")
        assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert Request.objects.get(pk=ids["household"]).state == "open"
    assert_error(api(w.coordinator).get(f"/requests/{2**70}"), 404, "not_found")


def test_standards_and_dues(w, api, places):
    from tests.needs.helpers import make_standard

    make_standard("soap-monthly", w.soap, quantity=3, source="Sphere Handbook 2018")
    standards = api(w.partner).get("/standards").json()
    assert [(s["code"], s["item"]["code"], s["source"]) for s in standards] == [
        ("soap-monthly", "soap-bar", "Sphere Handbook 2018")
    ]
    household = places["household"]  # three people
    dues = api(w.volunteer).get(f"/households/{household.code}/dues")
    assert dues.status_code == 200
    assert [(d["standard"], d["entitled"], d["received"], d["due"]) for d in dues.json()] == [
        ("soap-monthly", 9, 0, 9)
    ]
    assert_error(api(w.outsider).get(f"/households/{household.code}/dues"), 404, "not_found")
    assert_error(api(w.partner).get(f"/households/{household.code}/dues"), 403, "forbidden")
