"""Placing a household into another organisation's shelter, where both agree: the shelter
accepts households from the network, and a coordinator of the household's own organisation
places it. Without the flag the other organisation's shelter does not exist for them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.shelters.models import Placement, Shelter
from tests.api.conftest import assert_error
from tests.factories import desk, make_household
from tests.shelters.helpers import counters_match, make_shelter


@pytest.fixture
def theirs(w):
    """A shelter of the other organisation (its coordinator is `w.outsider`)."""
    return make_shelter(w.other_org, "Goris hotel", by=w.outsider, units={"Room 1": 6})


def _accept(w, shelter: Shelter) -> None:
    page = desk(w.outsider).post(
        reverse("shelters:settings", args=[shelter.pk]),
        {"day_capacity": "0", "hide_address": "1", "accepts_network": "1"},
    )
    assert page.status_code == 302
    shelter.refresh_from_db()
    assert shelter.accepts_network


def test_no_placement_into_a_shelter_that_does_not_accept(w, api, theirs):
    household = make_household(w)
    body = {"household": household.display_code, "shelter": theirs.pk}
    assert_error(api(w.coordinator).post("/placements", body, key="n1"), 400, "unknown_shelter")
    assert not Placement.objects.exists()


def test_a_coordinator_places_into_an_accepting_shelter_and_takes_it_out(w, api, theirs):
    _accept(w, theirs)
    household = make_household(w)
    body = {"household": household.display_code, "shelter": theirs.pk}
    assert_error(api(w.volunteer).post("/placements", body, key="n2"), 400, "unknown_shelter")
    placed = api(w.coordinator).post("/placements", body, key="n3")
    assert placed.status_code == 201, placed.content
    again = api(w.coordinator).post("/placements", body, key="n3")
    assert again.json() == placed.json()
    theirs.refresh_from_db()
    assert theirs.occupied == 3 and counters_match(theirs)
    household.refresh_from_db()
    assert household.shelter_id == theirs.pk
    # The shelter's own coordinator sees its resident; the household's may move it home.
    residents = api(w.outsider).get(f"/shelters/{theirs.pk}/residents").json()
    assert len(residents["items"] if isinstance(residents, dict) else residents) == 1
    ours = make_shelter(w.org, "Old factory", by=w.coordinator, units={"Hall": 10})
    moved = api(w.coordinator).post(
        f"/placements/{placed.json()['id']}/move", {"shelter": ours.pk}, key="n4"
    )
    assert moved.status_code == 201, moved.content
    assert counters_match(theirs) and counters_match(ours) and theirs.occupied == 0


def test_the_desk_suggests_an_accepting_shelter_and_places_there(w, theirs):
    household = make_household(w)
    client = desk(w.coordinator)
    page = client.get(reverse("shelters:desk"), {"code": household.code})
    assert page.context["suggestions"] == []  # not accepting yet: it does not exist for them
    _accept(w, theirs)
    page = client.get(reverse("shelters:desk"), {"code": household.code})
    [suggestion] = page.context["suggestions"]
    assert suggestion.shelter.pk == theirs.pk and "network" in suggestion.reasons
    assert f"a shelter of {w.other_org.name}" in page.content.decode()
    body = {"code": household.code, "shelter": theirs.pk, "unit": suggestion.unit.pk, "key": "d1"}
    client.post(reverse("shelters:place"), body)
    placed = Placement.objects.get(household=household)
    assert placed.shelter_id == theirs.pk and counters_match(theirs)


def test_the_desk_suggests_its_own_shelter_before_an_equal_one_of_the_network(w, theirs):
    _accept(w, theirs)
    ours = make_shelter(w.org, "Old factory", by=w.coordinator, units={"Hall": 10})
    household = make_household(w)
    page = desk(w.coordinator).get(reverse("shelters:desk"), {"code": household.code})
    assert [s.shelter.pk for s in page.context["suggestions"]] == [ours.pk, theirs.pk]


def test_a_volunteer_cannot_place_into_the_network_from_the_desk(w, theirs):
    _accept(w, theirs)
    household = make_household(w)
    body = {"code": household.code, "shelter": theirs.pk, "key": "d2"}
    desk(w.volunteer).post(reverse("shelters:place"), body)
    assert not Placement.objects.exists()
