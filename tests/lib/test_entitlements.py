"""Properties of the entitlement arithmetic: never negative, monotone, capped, banded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib.entitlements import (
    FIELDS,
    GROUPS,
    PER,
    Rule,
    due_now,
    eligible_people,
    entitled,
    household_size,
)

compositions = st.fixed_dictionaries({name: st.integers(0, 12) for name in FIELDS})
rules = st.builds(
    Rule,
    eligibility=st.sampled_from(sorted(GROUPS)),
    per=st.sampled_from(PER),
    quantity=st.integers(0, 20),
    cap=st.none() | st.integers(0, 50),
)


@st.composite
def banded_rules(draw):
    low = draw(st.none() | st.integers(0, 15))
    high = draw(st.none() | st.integers(low or 0, 30))
    return Rule(
        eligibility=draw(st.sampled_from(sorted(GROUPS))),
        per=draw(st.sampled_from(PER)),
        quantity=draw(st.integers(0, 20)),
        cap=draw(st.none() | st.integers(0, 50)),
        size_min=low,
        size_max=high,
    )


@given(compositions, banded_rules())
def test_it_is_never_negative_and_respects_the_cap(composition, rule):
    amount = entitled(composition, rule)
    assert amount >= 0
    if rule.cap is not None:
        assert amount <= rule.cap


@given(compositions, rules, st.sampled_from(FIELDS), st.integers(1, 5))
def test_it_never_falls_when_someone_joins(composition, rule, field, more):
    bigger = {**composition, field: composition[field] + more}
    assert entitled(bigger, rule) >= entitled(composition, rule)


@given(compositions, rules, st.sampled_from(FIELDS), st.integers(1, 5))
def test_a_household_rule_ignores_size_once_someone_is_eligible(composition, rule, field, more):
    rule = Rule(eligibility=rule.eligibility, per="household", quantity=rule.quantity, cap=None)
    bigger = {**composition, field: composition[field] + more}
    if eligible_people(composition, rule.eligibility):
        assert entitled(bigger, rule) == entitled(composition, rule) == rule.quantity


@given(compositions, rules)
def test_a_person_rule_counts_each_eligible_person(composition, rule):
    rule = Rule(eligibility=rule.eligibility, per="person", quantity=rule.quantity, cap=None)
    people = eligible_people(composition, rule.eligibility)
    assert entitled(composition, rule) == rule.quantity * people


@given(compositions, banded_rules())
def test_nobody_eligible_means_nothing(composition, rule):
    empty = dict.fromkeys(FIELDS, 0)
    assert entitled(empty, rule) == 0
    others = {
        name: (0 if name in GROUPS[rule.eligibility] else n) for name, n in composition.items()
    }
    assert entitled(others, rule) == 0


@given(compositions, st.sampled_from(FIELDS), st.integers(1, 5))
def test_banded_food_parcels_never_fall_as_the_household_grows(composition, field, more):
    # The default food parcel rules: 1 for 1-5 people, 2 for 6-10, 3 for 11 and over.
    bands = [Rule(per="household", quantity=1, size_min=1, size_max=5),
             Rule(per="household", quantity=2, size_min=6, size_max=10),
             Rule(per="household", quantity=3, size_min=11)]  # fmt: skip
    bigger = {**composition, field: composition[field] + more}

    def parcels(c):
        return sum(entitled(c, rule) for rule in bands)

    assert parcels(bigger) >= parcels(composition)
    # Exactly one band applies to any household with somebody in it.
    if household_size(composition):
        assert sum(1 for rule in bands if entitled(composition, rule)) == 1


def test_women_of_menstruating_age_are_the_girls_and_women_of_12_to_59():
    composition = dict.fromkeys(FIELDS, 0) | {
        "female_12_17": 1,
        "female_18_59": 2,
        "female_60": 1,
        "male_18_59": 3,
        "female_6_11": 1,
    }
    assert entitled(composition, Rule(eligibility="women_12_49", quantity=2)) == 6


def test_a_missing_field_or_negative_count_counts_as_nobody():
    assert entitled({"female_18_59": 2}, Rule(quantity=3)) == 6
    assert entitled({"female_18_59": -4, "male_18_59": 1}, Rule(quantity=3)) == 3


@given(st.integers(0, 1000), st.integers(-5, 1000))
def test_due_now_is_what_is_left_and_never_negative(entitlement, received):
    due = due_now(entitlement, received)
    assert 0 <= due <= entitlement
    assert due == max(0, entitlement - max(0, received))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"eligibility": "martians"},
        {"per": "week"},
        {"quantity": -1},
        {"cap": -1},
        {"size_min": 5, "size_max": 4},
        {"size_min": -1},
    ],
)
def test_it_refuses_a_nonsense_rule(kwargs):
    with pytest.raises(ValueError):
        Rule(**kwargs)
