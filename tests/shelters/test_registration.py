"""A shelter chosen when a household is registered (or corrected) is a check-in: the placement
service takes the beds, keeps the history and the counters, or the registration changes
nothing. A shelter that counts no beds stays a plain "where it stays"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.households.models import Household
from kamavor.network.models import Point
from kamavor.shelters.models import Placement
from tests.api.conftest import assert_error
from tests.factories import desk, make_household, make_point
from tests.shelters.helpers import counters_match, make_shelter

FAMILY = {"female_18_59": 1, "male_18_59": 1, "male_6_11": 2}


@pytest.fixture
def shelter(w):
    return make_shelter(w.org, "Old factory", by=w.coordinator, units={"Hall": 6, "Room": 4})


def _body(w, shelter, **changes) -> dict:
    return {"point": w.point.pk, "composition": FAMILY, "shelter": shelter.pk, **changes}


def test_registering_into_a_shelter_places_the_family_once(w, api, shelter):
    client = api(w.coordinator)
    response = client.post("/households", _body(w, shelter.point), key="r1")
    assert response.status_code == 201, response.content
    again = client.post("/households", _body(w, shelter.point), key="r1")
    assert again.json()["code"] == response.json()["code"]
    household = Household.objects.get()
    placement = Placement.objects.get()
    assert placement.household == household and placement.people == 4
    assert placement.unit.name == "Room" and placement.checked_out_on is None  # fills it best
    assert household.shelter_id == shelter.pk
    shelter.refresh_from_db()
    assert shelter.occupied == 4 and counters_match(shelter)


def test_no_free_beds_means_no_household(w, api, shelter):
    # The shelter has 6 and 4 beds: a family of seven fits nowhere together.
    body = _body(w, shelter.point, composition={"female_18_59": 3, "male_18_59": 4})
    assert_error(api(w.coordinator).post("/households", body, key="r2"), 409, "no_free_beds")
    assert not Household.objects.exists() and not Placement.objects.exists()
    shelter.refresh_from_db()
    assert shelter.occupied == 0


def test_a_volunteer_cannot_take_a_bed_by_registering(w, api, shelter):
    response = api(w.volunteer).post("/households", _body(w, shelter.point), key="r3")
    assert_error(response, 400, "placement_not_allowed")
    assert not Household.objects.exists()


def test_a_shelter_without_beds_stays_a_plain_choice(w, api):
    dormitory = make_point(w.org, "Dormitory 3", Point.Kind.SHELTER)
    response = api(w.volunteer).post("/households", _body(w, dormitory), key="r4")
    assert response.status_code == 201 and response.json()["shelter"] == dormitory.pk
    assert not Placement.objects.exists()


def test_the_registration_form_places_through_the_service(w, shelter):
    form = {
        "point": w.point.pk,
        "female_18_59": "1",
        "male_0_2": "1",
        "shelter": shelter.pk,
        "basis": "consent",
        "notice_language": "hy",
        "key": "form-1",
    }
    response = desk(w.coordinator).post(reverse("households:register"), form)
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert placement.people == 2 and placement.household.shelter_id == shelter.pk
    assert counters_match(shelter)


def test_choosing_a_shelter_in_a_correction_is_a_check_in(w, shelter):
    household = make_household(w)
    edit = reverse("households:edit", args=[household.code])
    data = {"female_18_59": "1", "male_18_59": "1", "female_3_5": "1", "shelter": shelter.pk}
    assert desk(w.coordinator).post(edit, data).status_code == 302
    assert Placement.objects.get().household == household and counters_match(shelter)
    # From then on only check-out or a move changes it.
    other = make_shelter(w.org, "School 2", by=w.coordinator, units={"Gym": 10})
    page = desk(w.coordinator).post(edit, {**data, "shelter": other.pk})
    assert page.status_code == 200 and Placement.objects.count() == 1
