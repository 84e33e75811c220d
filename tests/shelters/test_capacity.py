"""Capacity: units with beds, facilities, partners; bad input changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.network.models import Member
from kamavor.shelters import services
from kamavor.shelters.access import Need, get_shelter_for
from kamavor.shelters.models import Facility, Unit
from tests.factories import make_household, make_member
from tests.shelters.helpers import make_shelter


@pytest.fixture
def shelter(w):
    return make_shelter(w.org, "School No. 5", by=w.coordinator, units={"Room 1": 4, "Gym": 20})


def test_it_keeps_the_shelters_beds_and_access_from_its_units(w, shelter):
    assert shelter.beds == 24 and not shelter.wheelchair
    services.save_unit(
        shelter=shelter, by=w.coordinator, name="Ground room", beds=3, wheelchair=True
    )
    shelter.refresh_from_db()
    assert shelter.beds == 27 and shelter.wheelchair
    room = shelter.units.get(name="Room 1")
    services.save_unit(shelter=shelter, by=w.coordinator, unit=room, name="Room 1", beds=6)
    shelter.refresh_from_db()
    assert shelter.beds == 29


def test_it_refuses_negative_beds_and_changes_nothing(w, shelter):
    with pytest.raises(InvalidInput) as error:
        services.save_unit(shelter=shelter, by=w.coordinator, name="Attic", beds=-2)
    assert error.value.code == "negative_number" and "negative" in error.value.message
    assert not Unit.objects.filter(name="Attic").exists()
    shelter.refresh_from_db()
    assert shelter.beds == 24


def test_it_refuses_a_unit_of_another_shelter(w, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Dorm": 10})
    dorm = other.units.get()
    with pytest.raises(InvalidInput) as error:
        services.save_unit(shelter=shelter, by=w.coordinator, unit=dorm, name="Dorm", beds=50)
    assert error.value.code == "unit_of_other_shelter"
    dorm.refresh_from_db()
    assert dorm.beds == 10 and dorm.shelter_id == other.pk


def test_beds_cannot_go_below_the_people_placed(w, shelter):
    room = shelter.units.get(name="Room 1")
    services.place_household(household=make_household(w), shelter=shelter, unit=room,
                             by=w.coordinator)  # fmt: skip
    with pytest.raises(Conflict):
        services.save_unit(shelter=shelter, by=w.coordinator, unit=room, name="Room 1", beds=2)
    with pytest.raises(Conflict):
        services.save_unit(shelter=shelter, by=w.coordinator, unit=room, name="Room 1", beds=4,
                           active=False)  # fmt: skip
    room.refresh_from_db()
    assert room.beds == 4 and room.active


def test_facilities_are_recorded_with_their_state(w, shelter):
    services.set_facility(shelter=shelter, by=w.coordinator, kind="toilets", state="missing")
    services.set_facility(
        shelter=shelter, by=w.coordinator, kind="toilets", state="working", count=4
    )
    facility = Facility.objects.get(shelter=shelter)
    assert (facility.kind, facility.state, facility.count) == ("toilets", "working", 4)
    with pytest.raises(InvalidInput):
        services.set_facility(shelter=shelter, by=w.coordinator, kind="pool", state="working")


def test_a_linked_partner_edits_its_shelter_and_sees_no_other(w, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator)
    services.set_partner(shelter=shelter, by=w.coordinator, partner=w.partner)
    assert get_shelter_for(w.partner, shelter.pk, Need.EDIT) == shelter
    services.save_unit(shelter=shelter, by=w.partner, name="Tent A", beds=8, kind="tent")
    with pytest.raises(Http404):
        get_shelter_for(w.partner, other.pk)
    with pytest.raises(PermissionDenied):
        get_shelter_for(w.partner, shelter.pk, Need.PLACE)
    with pytest.raises(PermissionDenied):
        services.set_partner(shelter=shelter, by=w.partner, partner=w.partner, linked=False)
    with pytest.raises(Http404):
        get_shelter_for(w.outsider, shelter.pk)
    with pytest.raises(PermissionDenied):
        get_shelter_for(w.volunteer, shelter.pk)


def test_only_partners_of_the_organisation_can_be_linked(w, shelter):
    stranger = make_member(w.other_org, "far-partner", Member.Role.PARTNER)
    with pytest.raises(InvalidInput):
        services.set_partner(shelter=shelter, by=w.coordinator, partner=stranger)
    with pytest.raises(InvalidInput):
        services.set_partner(shelter=shelter, by=w.coordinator, partner=w.volunteer)
    assert not shelter.partners.exists()
