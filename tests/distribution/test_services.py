"""record_distribution and repeat_warnings: the ledger side of handing goods to households."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput, NotEnoughStock
from kamavor.distribution.services import (
    last_visits,
    record_distribution,
    repeat_warnings,
)
from kamavor.households.models import Household
from kamavor.households.services import lineage_ids
from kamavor.stock.models import Document, Movement
from kamavor.stock.services import LotLine, can_reverse, reverse_document
from tests.distribution.factories import make_household, stock_up
from tests.factories import ledger, on_hand


def serve(w, household, *lines, by=None, key="visit-1", point=None, note=""):
    return record_distribution(
        point=point or w.point,
        household=household,
        lines=list(lines),
        by=by or w.volunteer,
        note=note,
        idempotency_key=key,
    )


def test_it_hands_out_through_the_ledger(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 10)
    rice = stock_up(w, w.rice, 5)
    before = household.last_activity_at
    document = serve(w, household, LotLine(soap, 3), LotLine(rice, 5), note="first visit")
    assert document.kind == Document.Kind.DISTRIBUTION
    assert document.household == household
    assert document.number.startswith("H-")
    assert document.status == Document.Status.POSTED
    assert on_hand(w.point, w.soap) == 7 and on_hand(w.point, w.rice) == 0
    movements = Movement.objects.filter(document=document)
    assert sorted(movements.values_list("kind", "quantity")) == [
        ("distribution", -5),
        ("distribution", -3),
    ]
    household.refresh_from_db()
    assert household.last_activity_at > before


def test_it_posts_once_per_idempotency_key(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 10)
    first = serve(w, household, LotLine(soap, 4), key="k")
    again = serve(w, household, LotLine(soap, 4), key="k")
    assert first.pk == again.pk
    assert on_hand(w.point, w.soap) == 6
    with pytest.raises(IdempotencyKeyReused):
        serve(w, household, LotLine(soap, 1), key="k")


def test_it_refuses_an_expired_lot(w, travel):
    household = make_household(w)
    rice = stock_up(w, w.rice, 5, expiry=w.later(3))
    travel(10)
    counts = ledger()
    with pytest.raises(InvalidInput) as error:
        serve(w, household, LotLine(rice, 1))
    assert "expired" in error.value.message and "do not hand it out" in error.value.message
    assert ledger() == counts


def test_it_refuses_a_lot_of_another_point(w):
    household = make_household(w)
    elsewhere = stock_up(w, w.soap, 5, point=w.warehouse)
    with pytest.raises(InvalidInput, match="not at"):
        serve(w, household, LotLine(elsewhere, 1))
    assert on_hand(w.warehouse, w.soap) == 5


def test_it_refuses_more_than_the_point_has(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 2)
    with pytest.raises(NotEnoughStock):
        serve(w, household, LotLine(soap, 3))
    assert on_hand(w.point, w.soap) == 2
    assert not Document.objects.filter(kind="distribution").exists()


def test_one_short_lot_takes_nothing_from_the_others(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 5)
    rice = stock_up(w, w.rice, 1)
    with pytest.raises(NotEnoughStock, match="1 on hand, 2 needed"):
        serve(w, household, LotLine(soap, 3), LotLine(rice, 2))
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.rice)) == (5, 1)
    assert not Movement.objects.filter(kind="distribution").exists()


def test_it_refuses_a_merged_household_naming_the_one_it_lives_on_as(w):
    survivor = make_household(w)
    middle = make_household(w, status=Household.Status.MERGED, merged_into=survivor)
    merged = make_household(w, status=Household.Status.MERGED, merged_into=middle)
    soap = stock_up(w, w.soap, 5)
    with pytest.raises(InvalidInput) as error:
        serve(w, merged, LotLine(soap, 1))
    assert error.value.code == "household_merged"
    assert survivor.display_code in error.value.message
    assert merged.display_code in error.value.message
    assert on_hand(w.point, w.soap) == 5


def test_it_refuses_a_closed_household_and_one_of_another_organisation(w):
    soap = stock_up(w, w.soap, 5)
    closed = make_household(w, status=Household.Status.CLOSED)
    with pytest.raises(InvalidInput) as error:
        serve(w, closed, LotLine(soap, 1), key="a")
    assert error.value.code == "household_inactive"
    theirs = make_household(w, org=w.other_org)
    with pytest.raises(InvalidInput) as error:
        serve(w, theirs, LotLine(soap, 1), key="b")
    assert error.value.code == "household_elsewhere"
    assert on_hand(w.point, w.soap) == 5


@pytest.mark.parametrize("persona", ["partner", "outsider"])
def test_it_refuses_who_may_not_distribute_here(w, persona):
    household = make_household(w)
    soap = stock_up(w, w.soap, 5)
    with pytest.raises(PermissionDenied):
        serve(w, household, LotLine(soap, 1), by=getattr(w, persona))


@pytest.mark.parametrize(
    ("quantity", "message"), [(0, "more than zero"), (-1, "more than zero"), ("2", "whole")]
)
def test_it_refuses_bad_lines(w, quantity, message):
    household = make_household(w)
    soap = stock_up(w, w.soap, 5)
    with pytest.raises(InvalidInput, match=message):
        serve(w, household, LotLine(soap, quantity))
    with pytest.raises(InvalidInput, match="at least one line"):
        serve(w, household)


def test_the_volunteer_may_reverse_their_own_mistake(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 5)
    document = serve(w, household, LotLine(soap, 2))
    assert can_reverse(w.volunteer, document)
    reverse_document(document=document, by=w.volunteer, reason="wrong household")
    assert on_hand(w.point, w.soap) == 5
    # A reversed distribution no longer counts as received.
    assert repeat_warnings(household, [w.soap], 30) == {}


def test_repeat_warnings_name_what_was_received_within_the_period(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 10)
    rice = stock_up(w, w.rice, 10)
    serve(w, household, LotLine(soap, 2), LotLine(rice, 1), key="one")
    serve(w, household, LotLine(soap, 1), key="two", note="one more for the baby")
    warnings = repeat_warnings(household, [w.soap, w.rice, w.toothpaste], 30)
    assert set(warnings) == {w.soap.pk, w.rice.pk}
    assert warnings[w.soap.pk].quantity == 3
    assert warnings[w.soap.pk].within_days == 30
    # Per-item periods; an item outside its period is no repeat.
    later = timezone.now() + dt.timedelta(days=10)
    warnings = repeat_warnings(
        household, [w.soap, w.rice], {w.soap.pk: 30, w.rice.pk: 7}, now=later
    )
    assert set(warnings) == {w.soap.pk}
    # Another household received nothing.
    assert repeat_warnings(make_household(w), [w.soap, w.rice], 30) == {}


def test_repeat_warnings_include_households_merged_into_this_one(w):
    survivor = make_household(w)
    absorbed = make_household(w)
    soap = stock_up(w, w.soap, 10)
    serve(w, absorbed, LotLine(soap, 2))
    Household.objects.filter(pk=absorbed.pk).update(
        status=Household.Status.MERGED, merged_into=survivor
    )
    assert set(lineage_ids(survivor)) == {survivor.pk, absorbed.pk}
    assert set(repeat_warnings(survivor, [w.soap.pk], 30)) == {w.soap.pk}
    assert [d.household_id for d in last_visits(survivor)] == [absorbed.pk]


def test_a_repeat_within_the_period_needs_a_reason(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 3), key="first")
    counts = ledger()
    with pytest.raises(InvalidInput) as refused:
        serve(w, household, LotLine(soap, 2), key="second")
    assert refused.value.code == "repeat_needs_reason" and refused.value.field == "note"
    assert "already received" in refused.value.message and "Soap" in refused.value.message
    assert ledger() == counts and on_hand(w.point, w.soap) == 7
    # Blank space is no reason either; a reason posts it, with the reason as the note.
    with pytest.raises(InvalidInput):
        serve(w, household, LotLine(soap, 2), key="third", note="   ")
    again = serve(w, household, LotLine(soap, 2), key="fourth", note="Lost in the flood")
    assert again.note == "Lost in the flood" and on_hand(w.point, w.soap) == 5


def test_no_reason_is_needed_after_the_period_or_for_other_items(w):
    household = make_household(w)
    soap = stock_up(w, w.soap, 10)
    rice = stock_up(w, w.rice, 10)
    first = serve(w, household, LotLine(soap, 3), key="first")
    serve(w, household, LotLine(rice, 2), key="rice")  # another item: no repeat
    Document.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    Movement.objects.filter(document=first).update(at=timezone.now() - dt.timedelta(days=31))
    serve(w, household, LotLine(soap, 3), key="next-month")
    assert on_hand(w.point, w.soap) == 4
