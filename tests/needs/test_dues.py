"""What a household is due now: entitlement by standard, less what it received in the period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.households.models import Household
from kamavor.needs import services
from kamavor.needs.models import Standard
from kamavor.needs.services import History, Receipt, dues_for, period_start
from tests.needs.helpers import (
    hand_out,
    make_household,
    make_standard,
)


@pytest.fixture
def soap_rule(w):
    return make_standard("soap", w.soap, quantity=3, period_days=30)


def _history(household, receipts) -> History:
    """Receipts as if read from the ledger over the last year."""
    return History((household.pk,), timezone.now() - dt.timedelta(days=365), tuple(receipts))


def _dues(household, **kwargs):
    return {due.standard.code: due for due in dues_for(household, **kwargs)}


def test_it_gives_each_eligible_person_their_share(w, soap_rule):
    household = make_household(w, female_18_59=2, male_6_11=1)
    due = _dues(household)["soap"]
    assert (due.entitled, due.received, due.due) == (9, 0, 9)
    assert due.item == w.soap


def test_it_leaves_out_standards_that_give_nothing(w):
    make_standard("pads", w.toothpaste, eligibility="women_12_49", quantity=2)
    make_standard("inactive", w.rice, active=False)
    household = make_household(w, male_18_59=1)
    assert dues_for(household) == []


def test_size_bands_pick_one_food_parcel_rule(w):
    make_standard("food-small", w.rice, per="household", quantity=1, size_min=1, size_max=5)
    make_standard("food-large", w.rice, per="household", quantity=2, size_min=6)
    small = make_household(w, female_18_59=2)
    large = make_household(w, female_18_59=2, male_3_5=4)
    assert {k: d.entitled for k, d in _dues(small).items()} == {"food-small": 1}
    assert {k: d.entitled for k, d in _dues(large).items()} == {"food-large": 2}


def test_it_subtracts_only_what_was_received_within_the_period(w, soap_rule):
    household = make_household(w, female_18_59=2)  # entitled to 6 a month
    now = timezone.now()
    receipts = [
        Receipt(w.soap.pk, now - dt.timedelta(days=2), 2),
        Receipt(w.soap.pk, now - dt.timedelta(days=29), 1),  # still this period
        Receipt(w.soap.pk, now - dt.timedelta(days=30), 5),  # the period before
        Receipt(w.rice.pk, now, 9),  # another item
    ]
    due = _dues(household, history=_history(household, receipts))["soap"]
    assert (due.entitled, due.received, due.due) == (6, 3, 3)


def test_it_counts_items_received_inside_kits(w, soap_rule):
    household = make_household(w, female_18_59=1)  # 3 soap a month; the hygiene kit holds 2
    receipts = [Receipt(w.hygiene_kit.pk, timezone.now(), 1, kit=True)]
    assert _dues(household, history=_history(household, receipts))["soap"].due == 1


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.integers(1, 8),
    handed=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 10)), max_size=6),
)
def test_due_is_entitlement_less_receipts_in_period_never_negative(w, people, handed):
    household = Household(female_18_59=people)
    rule = Standard(code="soap", item=w.soap, quantity=3, period_days=30)  # never saved
    on = timezone.localdate()
    receipts = [
        Receipt(w.soap.pk, timezone.now() - dt.timedelta(days=days), qty) for days, qty in handed
    ]
    services_received = sum(
        qty
        for days, qty in handed
        if timezone.now() - dt.timedelta(days=days) >= period_start(on, 30)
    )
    history = History((), timezone.now() - dt.timedelta(days=365), tuple(receipts))
    (due,) = dues_for(household, on=on, standards=[rule], history=history)
    assert due.received == services_received
    assert due.due == max(0, 3 * people - services_received)
    assert 0 <= due.due <= due.entitled


def test_the_period_is_the_last_period_days_calendar_days():
    on = dt.date(2023, 10, 30)
    start = period_start(on, 30)
    assert start.date() == dt.date(2023, 10, 1) and timezone.is_aware(start)
    assert period_start(on, 1).date() == on


def test_it_reads_what_the_ledger_handed_to_the_household(w, soap_rule):
    household = make_household(w, female_18_59=2)
    hand_out(w, household, w.soap, 2, days_ago=1)
    hand_out(w, household, w.soap, 4, days_ago=40)  # an earlier period
    other = make_household(w, female_18_59=2)
    hand_out(w, other, w.soap, 5)
    due = _dues(household)["soap"]
    assert (due.entitled, due.received, due.due) == (6, 2, 4)
    history = services.history_of(household, period_start(timezone.localdate(), 60))
    received = sorted((r.item_id, r.quantity) for r in history.receipts)
    assert received == [(w.soap.pk, 2), (w.soap.pk, 4)]


def test_it_counts_what_merged_households_received(w, soap_rule):
    household = make_household(w, female_18_59=2)
    merged = make_household(w, female_18_59=1)
    hand_out(w, merged, w.soap, 5)
    merged.status, merged.merged_into = Household.Status.MERGED, household
    merged.save(update_fields=["status", "merged_into"])
    deeper = make_household(w, female_18_59=1)
    hand_out(w, deeper, w.soap, 1)
    deeper.status, deeper.merged_into = Household.Status.MERGED, merged
    deeper.save(update_fields=["status", "merged_into"])
    assert _dues(household)["soap"].received == 6


def test_a_reversed_distribution_counts_for_nothing(w, soap_rule):
    from kamavor.stock.services import reverse_document

    household = make_household(w, female_18_59=2)
    document = hand_out(w, household, w.soap, 2)
    reverse_document(document=document, by=w.coordinator, reason="wrong household")
    assert _dues(household)["soap"].received == 0


def test_dues_take_four_queries_at_most(w, soap_rule, django_assert_num_queries):
    household = make_household(w, female_18_59=2)
    hand_out(w, household, w.hygiene_kit, 1)
    make_standard("kit", w.hygiene_kit, per="household")
    # standards, merged households, receipts, kit components (only when a kit was received)
    with django_assert_num_queries(4):
        dues_for(household)
    other = make_household(w, female_18_59=2)
    hand_out(w, other, w.soap, 1)
    with django_assert_num_queries(3):
        dues_for(other)
