"""Desks placing at the same moment on real, separate connections (threads), on SQLite and on
PostgreSQL: capacity is never exceeded, the last bed goes to one desk, a household is placed
once."""

from __future__ import annotations

import pytest
from django.db import connection

from kamavor.core.errors import Conflict
from kamavor.shelters import services
from kamavor.shelters.models import Placement
from tests.factories import build_world, make_household
from tests.shelters.helpers import counters_match, make_shelter
from tests.stock.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_desks_never_fill_more_beds_than_there_are():
    w = build_world()
    shelter = make_shelter(w.org, "School No. 5", by=w.coordinator, units={"Room": 7})
    households = [make_household(w) for _ in range(8)]  # three people each: two fit

    def placing(household):
        return lambda: services.place_household(
            household=household, shelter=shelter, by=w.coordinator
        )

    results = run_together(*(placing(h) for h in households))
    placed = [r for r in results if isinstance(r, Placement)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(placed) == 2 and len(refused) == 6, results
    assert all(r.code == "no_free_beds" for r in refused)
    assert counters_match(shelter) and shelter.occupied == 6 <= shelter.beds


def test_two_desks_and_the_last_bed():
    w = build_world()
    shelter = make_shelter(w.org, "Hostel", by=w.coordinator, units={"Room": 3})
    unit = shelter.units.get()
    first, second = make_household(w), make_household(w)
    results = run_together(
        lambda: services.place_household(
            household=first, shelter=shelter, unit=unit, by=w.coordinator
        ),
        lambda: services.place_household(household=second, shelter=shelter, unit=unit, by=w.admin),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Placement"], results
    assert counters_match(shelter) and shelter.occupied == 3


def test_one_household_from_two_desks_is_placed_once():
    w = build_world()
    shelter = make_shelter(w.org, "Gym", by=w.coordinator, units={"Hall": 50})
    household = make_household(w)
    results = run_together(
        *(
            lambda: services.place_household(household=household, shelter=shelter, by=w.coordinator)
            for _ in range(3)
        )
    )
    placed = [r for r in results if isinstance(r, Placement)]
    assert len(placed) == 1, results
    assert all(r.code == "already_placed" for r in results if isinstance(r, Conflict)), results
    assert counters_match(shelter) and shelter.occupied == 3


def test_it_runs_on_the_configured_database():
    assert connection.vendor in {"sqlite", "postgresql"}
