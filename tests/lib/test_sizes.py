"""Sizes sort as a person reads them, and a child's size names the age band it fits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kamavor.lib import entitlements
from kamavor.lib.sizes import (
    ANY,
    age_band_for,
    age_band_of_size,
    size_key,
    sort_sizes,
)


def test_numeric_sizes_sort_by_number_not_as_text():
    assert sort_sizes(["164", "98", "110", "92"]) == ["92", "98", "110", "164"]
    assert sort_sizes(["45-47", "39-41", "42-44"]) == ["39-41", "42-44", "45-47"]
    assert sort_sizes(["XL", "S", "3XL", "M", "XS", "XXL", "L"]) == [
        "XS", "S", "M", "L", "XL", "XXL", "3XL",
    ]  # fmt: skip
    assert sort_sizes(["one size", "L", "40"]) == ["40", "L", "one size"]


@given(st.lists(st.integers(min_value=1, max_value=300)))
def test_any_numbers_sort_as_numbers(numbers):
    assert sort_sizes([str(n) for n in numbers]) == [str(n) for n in sorted(numbers)]
    assert all(isinstance(size_key(str(n)), tuple) for n in numbers)


def test_a_childs_size_names_its_age_band():
    assert [age_band_of_size(s) for s in ("86", "92", "98", "110", "116", "146", "152")] == [
        "0_2", "0_2", "3_5", "3_5", "6_11", "6_11", "12_17",
    ]  # fmt: skip
    assert [age_band_of_size(s) for s in ("22", "24", "30", "35", "37", "16-18")] == [
        "0_2", "3_5", "6_11", "6_11", "12_17", "0_2",
    ]  # fmt: skip
    assert {age_band_of_size(s) for s in ("S", "XL", "3XL", "4", "")} == {ANY}


def test_dues_are_planned_by_age_band_only_where_sizes_tell_ages_apart():
    child = ["92", "98", "104", "110", "116", "122", "128"]
    assert age_band_for(child, "6_11") == "6_11"
    assert age_band_for(child, "18_59") == ANY
    assert age_band_for(["S", "M", "L"], "6_11") == ANY


def test_entitlements_split_by_age_band_add_up():
    rule = entitlements.Rule(eligibility="children_3_11", per="person", quantity=2)
    two_of_six_to_eleven = {"female_6_11": 1, "male_6_11": 1, "male_3_5": 1, "female_18_59": 1}
    parts = entitlements.entitled_by_age_band(two_of_six_to_eleven, rule)
    assert parts == {"3_5": 2, "6_11": 4}  # the two children of 6-11: one line, with the sum
    capped = entitlements.Rule(eligibility="children", per="person", quantity=2, cap=3)
    assert entitlements.entitled_by_age_band(two_of_six_to_eleven, capped) == {"3_5": 2, "6_11": 1}
    household = entitlements.Rule(eligibility="all", per="household", quantity=2)
    assert entitlements.entitled_by_age_band(two_of_six_to_eleven, household) == {"all": 2}
