"""The building's needs through the requests flow; public pages never show a hidden shelter's
address; the board's counters equal a recount."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.needs.models import Request
from kamavor.shelters import services
from kamavor.shelters.models import Placement
from tests.factories import desk, make_household, text
from tests.shelters.helpers import counters_match, make_shelter
from tests.volunteers.helpers import make_shift


@pytest.fixture
def shelter(w):
    found = make_shelter(w.org, "Old factory", by=w.coordinator, units={"Hall": 40})
    services.set_partner(shelter=found, by=w.coordinator, partner=w.partner)
    return found


def test_the_partner_asks_for_what_the_building_needs(w, shelter):
    response = desk(w.partner).post(
        reverse("shelters:building_request", args=[shelter.pk]),
        {"item": w.soap.pk, "quantity": "30", "reason": "cleaning the toilets", "key": "b1"},
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.shelter_id == shelter.pk and request.number_of_people == 40
    assert request.reason == "For the building: cleaning the toilets"
    assert request.lines.get().quantity == 30
    # In the requests desk like any other shelter request.
    page = desk(w.partner).get(reverse("needs:requests"))
    assert "cleaning the toilets" in text(page)


def test_building_requests_through_the_api_are_idempotent(w, api, shelter):
    body = {"lines": [{"item": w.soap.pk, "quantity": 4}], "reason": "mattresses"}
    first = api(w.partner).post(f"/shelters/{shelter.pk}/requests", body, key="r1")
    again = api(w.partner).post(f"/shelters/{shelter.pk}/requests", body, key="r1")
    assert first.status_code == 201 and first.json() == again.json()
    assert Request.objects.count() == 1
    assert api(w.volunteer).post(f"/shelters/{shelter.pk}/requests", body).status_code == 403


def test_public_pages_never_show_a_shelter_or_its_address(w, shelter, client):
    point = shelter.point
    point.address = "12 Secret Street"
    point.save(update_fields=["address"])
    shift = make_shift(w, point=point, task="other")  # work on the building
    for url in (
        "/en/",
        "/en/shifts/",
        reverse("public:signup", kwargs={"lang": "en", "shift_id": shift.pk}),
        f"/en/{point.slug}/",
    ):
        page = text(client.get(url))
        assert "12 Secret Street" not in page and "Old factory" not in page, url


def test_the_kept_counters_equal_a_recount_after_any_mix_of_moves(w, shelter):
    other = make_shelter(w.org, "School", by=w.coordinator, units={"A": 6, "B": 6})
    placements = [
        services.place_household(household=make_household(w), shelter=shelter, by=w.coordinator)
        for _ in range(4)
    ]
    services.move_household(placement=placements[0], shelter=other, by=w.coordinator)
    services.check_out(placement=placements[1], by=w.coordinator)
    moved = Placement.objects.current().get(household=placements[0].household)
    services.move_household(placement=moved, shelter=shelter, by=w.coordinator)
    assert counters_match(shelter) and counters_match(other)
    assert shelter.occupied == 9 and other.occupied == 0
