"""The entitlement totals the household services keep equal a recomputation from the households."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.households.models import COMPOSITION_FIELDS, Household
from kamavor.households.services import Profile, merge_households, update_household
from kamavor.needs.models import EntitlementTotal
from kamavor.needs.totals import (
    _summed,
    entitlement_totals,
    rebuild_entitlement_totals,
    rule_key,
)
from tests.factories import make_household
from tests.needs.helpers import make_household as bulk_household
from tests.needs.helpers import make_standard


@pytest.fixture
def standards(w):
    """Rules of every shape: per person, per household with a cap, a size band, a group."""
    return [
        make_standard("soap", w.soap, quantity=3),
        make_standard("kit", w.hygiene_kit, per="household", quantity=2, cap=1),
        make_standard("rice-small", w.rice, quantity=5, per="household", size_max=3),
        make_standard("rice-large", w.rice, quantity=9, per="household", size_min=4),
        make_standard("paste", w.toothpaste, eligibility="children", quantity=1, cap=2),
    ]


def kept(w) -> dict[tuple[int, int], int]:
    rows = EntitlementTotal.objects.filter(organisation__in=[w.org, w.other_org])
    return {(r.organisation_id, r.standard_id): r.units for r in rows}


def recomputed(w, standards) -> dict[tuple[int, int], int]:
    sums = _summed([w.org.pk, w.other_org.pk], standards)
    return {
        (org, s.pk): sums.get((org, s.pk), 0)
        for org in (w.org.pk, w.other_org.pk)
        for s in standards
    }


compositions = st.fixed_dictionaries(
    {name: st.integers(0, 2) for name in ("female_0_2", "male_6_11", "female_18_59", "male_60")}
).filter(lambda c: sum(c.values()) > 0)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.booleans(), compositions),
        st.tuples(st.just("correct"), st.integers(0, 50), compositions),
        st.tuples(st.just("merge"), st.integers(0, 50), st.integers(0, 50)),
    ),
    max_size=10,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_kept_totals_equal_a_recomputation(w, standards, steps):
    with transaction.atomic():
        make_household(w)  # one household before the rows were first summed
        entitlement_totals([w.org.pk, w.other_org.pk], standards)
        households = []
        for step in steps:
            if step[0] == "register":
                org = w.org if step[1] else w.other_org
                households.append(make_household(w, org=org, **step[2]))
            elif step[0] == "correct" and households:
                household = Household.objects.get(pk=households[step[1] % len(households)].pk)
                by = w.coordinator if household.organisation_id == w.org.pk else w.outsider
                if household.status == Household.Status.ACTIVE:
                    update_household(household=household, profile=Profile(step[2]), by=by)
            elif step[0] == "merge" and len(households) > 1:
                keep, merge = (
                    Household.objects.get(pk=households[i % len(households)].pk) for i in step[1:]
                )
                same = keep.organisation_id == merge.organisation_id and keep.pk != merge.pk
                active = {keep.status, merge.status} == {Household.Status.ACTIVE}
                if same and active:
                    by = w.coordinator if keep.organisation_id == w.org.pk else w.outsider
                    merge_households(keep=keep, merge=merge, by=by)
        assert kept(w) == recomputed(w, standards)
        transaction.set_rollback(True)


def test_a_correction_that_leaves_the_composition_changes_no_total(w, standards):
    household = make_household(w)
    entitlement_totals([w.org.pk], standards)
    before = kept(w)
    composition = {name: getattr(household, name) for name in COMPOSITION_FIELDS}
    update_household(
        household=household, profile=Profile(composition, notes="ok"), by=w.coordinator
    )
    assert kept(w) == before


def test_an_edited_standard_is_summed_again(w, standards):
    make_household(w, female_18_59=2)
    soap = standards[0]
    assert entitlement_totals([w.org.pk], [soap])[w.org.pk][soap.pk] == 6
    soap.quantity = 4
    soap.save()
    assert entitlement_totals([w.org.pk], [soap])[w.org.pk][soap.pk] == 8
    assert EntitlementTotal.objects.get(organisation=w.org, standard=soap).rule == rule_key(soap)


def test_households_written_around_the_services_are_summed_by_a_rebuild(w, standards):
    entitlement_totals([w.org.pk, w.other_org.pk], standards)
    bulk_household(w, female_18_59=3)  # a bulk load does not go through the services
    assert kept(w) != recomputed(w, standards)
    rebuild_entitlement_totals()
    assert kept(w) == recomputed(w, standards)


def test_the_totals_are_read_in_one_query_once_summed(w, standards, django_assert_num_queries):
    make_household(w)
    entitlement_totals([w.org.pk], standards)
    with django_assert_num_queries(1):
        totals = entitlement_totals([w.org.pk], standards)
    assert totals[w.org.pk] == {
        s: v for (o, s), v in recomputed(w, standards).items() if o == w.org.pk
    }


def test_a_bulk_registration_keeps_the_totals(w, standards):
    from kamavor.households.services import check_registration, register_households

    make_household(w)
    entitlement_totals([w.org.pk, w.other_org.pk], standards)
    checked = [
        check_registration(
            organisation=w.org, profile=Profile({"female_18_59": 1, "male_6_11": n}), personal=None
        )
        for n in range(3)
    ]
    register_households(organisation=w.org, checked=checked, by=w.coordinator)
    assert kept(w) == recomputed(w, standards)


def test_undoing_a_merge_counts_the_household_again(w, standards):
    from kamavor.households.merging import unmerge_household

    keep, merge = make_household(w), make_household(w, female_0_2=1, male_60=2)
    entitlement_totals([w.org.pk, w.other_org.pk], standards)
    merge_households(keep=keep, merge=merge, by=w.coordinator)
    assert kept(w) == recomputed(w, standards)
    unmerge_household(household=Household.objects.get(pk=merge.pk), by=w.coordinator)
    assert kept(w) == recomputed(w, standards)
