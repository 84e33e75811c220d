"""Occupancy: check-in, check-out, move; counters; headcounts derived from the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core.errors import Conflict, InvalidInput
from kamavor.privacy.models import AuditEntry
from kamavor.shelters import services
from kamavor.shelters.models import Headcount, Placement, Shelter
from tests.factories import make_household
from tests.shelters.helpers import counters_match, make_shelter

TODAY = timezone.localdate


@pytest.fixture
def shelter(w):
    return make_shelter(w.org, "School No. 5", by=w.coordinator, units={"Room 1": 4, "Gym": 20})


def test_check_in_places_the_family_together_and_sets_where_it_stays(w, shelter):
    household = make_household(w)  # three people
    placement = services.place_household(household=household, shelter=shelter, by=w.coordinator)
    assert placement.unit.name == "Room 1"  # the unit it fills best
    assert placement.people == 3
    household.refresh_from_db()
    assert household.shelter_id == shelter.pk
    assert counters_match(shelter) and shelter.occupied == 3
    assert AuditEntry.objects.filter(household=household, note="check-in").exists()


def test_placing_is_idempotent(w, shelter):
    household = make_household(w)
    first = services.place_household(
        household=household, shelter=shelter, by=w.coordinator, idempotency_key="k1"
    )
    again = services.place_household(
        household=household, shelter=shelter, by=w.coordinator, idempotency_key="k1"
    )
    assert first.pk == again.pk and Placement.objects.count() == 1
    assert counters_match(shelter) and shelter.occupied == 3
    with pytest.raises(Conflict) as error:
        services.place_household(household=household, shelter=shelter, by=w.coordinator)
    assert error.value.code == "already_placed"


def test_no_family_is_split_and_no_bed_counted_twice(w, shelter):
    room = shelter.units.get(name="Room 1")
    services.place_household(household=make_household(w), shelter=shelter, unit=room,
                             by=w.coordinator)  # fmt: skip
    with pytest.raises(Conflict) as error:
        services.place_household(household=make_household(w), shelter=shelter, unit=room,
                                 by=w.coordinator)  # fmt: skip
    assert error.value.code == "no_free_beds"
    assert counters_match(shelter) and shelter.occupied == 3


def test_a_unit_of_another_shelter_is_refused(w, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Dorm": 10})
    household = make_household(w)
    with pytest.raises(InvalidInput) as error:
        services.place_household(household=household, shelter=shelter,
                                 unit=other.units.get(), by=w.coordinator)  # fmt: skip
    assert error.value.code == "unit_of_other_shelter"
    assert not Placement.objects.exists()


def test_check_out_before_check_in_is_refused(w, shelter):
    household = make_household(w)
    placement = services.place_household(
        household=household, shelter=shelter, by=w.coordinator, on=TODAY() - dt.timedelta(days=2)
    )
    with pytest.raises(InvalidInput) as error:
        services.check_out(placement=placement, by=w.coordinator, on=TODAY() - dt.timedelta(days=3))
    assert error.value.code == "check_out_before_check_in"
    placement.refresh_from_db()
    assert placement.checked_out_on is None
    assert counters_match(shelter) and shelter.occupied == 3


def test_check_out_frees_the_beds_and_clears_where_it_stays(w, shelter):
    household = make_household(w)
    placement = services.place_household(household=household, shelter=shelter, by=w.coordinator)
    services.check_out(placement=placement, by=w.coordinator)
    household.refresh_from_db()
    assert household.shelter_id is None
    assert counters_match(shelter) and shelter.occupied == 0
    services.check_out(placement=placement, by=w.coordinator)  # a retry changes nothing
    assert counters_match(shelter) and shelter.occupied == 0
    with pytest.raises(Conflict):
        services.check_out(placement=placement, by=w.coordinator, on=TODAY() - dt.timedelta(1))


def test_move_takes_the_family_to_another_shelter(w, shelter):
    other = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Dorm": 10})
    household = make_household(w)
    placement = services.place_household(household=household, shelter=shelter, by=w.coordinator)
    moved = services.move_household(placement=placement, shelter=other, by=w.coordinator)
    household.refresh_from_db()
    assert household.shelter_id == other.pk and moved.shelter_id == other.pk
    assert counters_match(shelter) and shelter.occupied == 0
    assert counters_match(other) and other.occupied == 3


def test_a_failed_move_leaves_the_family_where_it_was(w, shelter):
    full = make_shelter(w.org, "Tiny", by=w.coordinator, units={"Box": 1})
    household = make_household(w)
    placement = services.place_household(household=household, shelter=shelter, by=w.coordinator)
    with pytest.raises(Conflict):
        services.move_household(placement=placement, shelter=full, by=w.coordinator)
    placement.refresh_from_db()
    household.refresh_from_db()
    assert placement.checked_out_on is None and household.shelter_id == shelter.pk
    assert counters_match(shelter) and shelter.occupied == 3


def test_the_partner_confirms_a_headcount(w, shelter):
    services.set_partner(shelter=shelter, by=w.coordinator, partner=w.partner)
    services.place_household(household=make_household(w), shelter=shelter, by=w.coordinator)
    headcount = services.confirm_headcount(shelter=shelter, by=w.partner, people=2)
    assert (headcount.people, headcount.derived, headcount.night) == (2, 3, TODAY())
    services.confirm_headcount(shelter=shelter, by=w.partner, people=3)
    assert Headcount.objects.get().people == 3
    with pytest.raises(InvalidInput):
        services.confirm_headcount(shelter=shelter, by=w.partner, people=-1)
    with pytest.raises(InvalidInput):
        services.confirm_headcount(
            shelter=shelter, by=w.partner, people=1, night=TODAY() + dt.timedelta(days=1)
        )
    assert Headcount.objects.get().people == 3


# A history: for each household, (check-in day, stay length or None for still there).
STAYS = st.lists(
    st.tuples(st.integers(0, 20), st.one_of(st.none(), st.integers(0, 10))), max_size=8
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stays=STAYS, night=st.integers(-2, 32))
def test_headcount_of_any_night_follows_the_history(w, stays, night):
    """For any history of check-ins and check-outs, the headcount of any night is the people
    whose stay covers it (in on or before that night, out after it)."""
    with transaction.atomic():  # each example in a savepoint, rolled back at its end
        _check_history(w, stays, night)
        transaction.set_rollback(True)


def _check_history(w, stays, night):
    shelter = make_shelter(w.org, "Hall", by=w.coordinator, units={"Hall": 200})
    start = TODAY() - dt.timedelta(days=40)
    expected = 0
    the_night = start + dt.timedelta(days=night)
    for n, (day, length) in enumerate(stays):
        household = make_household(w, female_18_59=1 + n % 3)
        checked_in = start + dt.timedelta(days=day)
        placement = services.place_household(
            household=household, shelter=shelter, by=w.coordinator, on=checked_in
        )
        out = None
        if length is not None:
            out = checked_in + dt.timedelta(days=length)
            services.check_out(placement=placement, by=w.coordinator, on=out)
        if checked_in <= the_night and (out is None or out > the_night):
            expected += household.size
    assert services.headcount_on(shelter=shelter, night=the_night) == expected
    assert counters_match(shelter)


def test_a_placement_costs_a_fixed_number_of_queries(w, shelter, django_assert_num_queries):
    """The desk's hot path: the claim, two guarded UPDATEs, the household and the audit entry,
    whatever the number of shelters, units and placements."""
    unit = shelter.units.get(name="Gym")
    shelter = Shelter.objects.with_point().get(pk=shelter.pk)
    households = [make_household(w) for _ in range(2)]
    services.place_household(household=households[0], shelter=shelter, unit=unit, by=w.coordinator)
    with django_assert_num_queries(7):  # savepoint, insert, 2 updates, household, audit, release
        services.place_household(
            household=households[1], shelter=shelter, unit=unit, by=w.coordinator,
            idempotency_key="desk-1",
        )  # fmt: skip
