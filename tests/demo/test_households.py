"""The demo's households look like displaced families, not like test data."""

from __future__ import annotations

import random

from kamavor.demo.households import build_households, composition_and_flags
from kamavor.households.models import Household, PersonalData
from kamavor.lib import household_codes
from kamavor.network.models import Point
from tests.factories import make_point


def test_compositions_average_about_three_people_and_a_third_are_flagged():
    rng = random.Random(7)
    families = [composition_and_flags(rng) for _ in range(5000)]
    mean = sum(sum(counts.values()) for counts, _flags in families) / len(families)
    flagged = sum(1 for _counts, flags in families if flags) / len(families)
    assert 3.1 <= mean <= 3.5
    assert 0.2 <= flagged <= 0.4
    assert all(sum(counts.values()) >= 1 for counts, _flags in families)


def test_it_builds_households_in_shelters_and_some_with_personal_data(w):
    shelter = make_point(w.org, "Hotel shelter", Point.Kind.SHELTER)
    created = build_households(120, random.Random(3))
    assert len(created) == 120 and Household.objects.count() == 120
    assert all(household_codes.is_valid(h.code) for h in created)
    assert Household.objects.filter(shelter=shelter).exists()
    assert 10 <= PersonalData.objects.count() <= 70
    assert build_households(120, random.Random(3)) == []  # a refresh adds none
