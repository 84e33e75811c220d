"""A box scanned at the distribution desk or the kit desk takes its whole contents."""

from __future__ import annotations

import pytest

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput, KamavorError
from kamavor.sorting import services as sorting
from kamavor.stock import services
from kamavor.stock.models import Balance, Document, Lot, Movement
from kamavor.stock.services import IntakeLine, LotLine
from tests.factories import donate, make_household, on_hand


def packed(w, *lines: tuple) -> object:
    """A box at the point holding (item, quantity, expiry) taken from fresh loose stock, with
    as much again left loose beside it."""
    box = services.create_container(point=w.point, by=w.volunteer)
    for item, quantity, expiry in lines:
        donate(w, IntakeLine(item, quantity * 2, expiry))
    loose = {(lot.item_id, lot.expiry): lot for lot in Lot.objects.loose().filter(point=w.point)}
    services.pack(
        container=box,
        lines=[LotLine(loose[(item.pk, expiry)], quantity) for item, quantity, expiry in lines],
        by=w.volunteer,
    )
    return box


def held(box) -> list[tuple]:
    return [(b.lot.item.code, b.quantity) for b in services.contents(box)]


def loose_units(w, item) -> int:
    return sum(
        Balance.objects.filter(lot__point=w.point, lot__item=item, lot__container=None).values_list(
            "quantity", flat=True
        )
    )


def test_a_box_handed_out_takes_its_whole_contents_once(w):
    box = packed(w, (w.soap, 6, None), (w.toothpaste, 2, w.later(200)))
    household = make_household(w)
    document = sorting.hand_out_container(
        container=box, household=household, by=w.volunteer, idempotency_key="box-1"
    )
    assert document.kind == Document.Kind.DISTRIBUTION and document.household_id == household.pk
    lines = sorted((x.item.code, x.quantity, x.lot.container_id) for x in document.lines.all())
    assert lines == [("soap-bar", 6, box.pk), ("toothpaste", 2, box.pk)]
    assert held(box) == []
    # Only the box's lots were taken: the loose stock beside it is whole.
    assert loose_units(w, w.soap) == 6 and loose_units(w, w.toothpaste) == 2
    assert on_hand(w.point, w.soap) == 6
    moved = Movement.objects.count()
    again = sorting.hand_out_container(
        container=box, household=household, by=w.volunteer, idempotency_key="box-1"
    )
    assert again.pk == document.pk and Movement.objects.count() == moved


def test_an_empty_or_expired_box_is_refused_and_nothing_changes(w):
    household = make_household(w)
    empty = services.create_container(point=w.point, by=w.volunteer)
    with pytest.raises(InvalidInput, match="empty"):
        sorting.hand_out_container(container=empty, household=household, by=w.volunteer)
    box = packed(w, (w.soap, 3, None), (w.rice, 2, w.later(5)))
    # The rice in the box has expired since it was packed.
    Lot.objects.filter(container=box, item=w.rice).update(expiry=w.later(-3))
    moved = Movement.objects.count()
    with pytest.raises(KamavorError, match="expired"):
        sorting.hand_out_container(
            container=box, household=household, by=w.volunteer, idempotency_key="box-2"
        )
    assert Movement.objects.count() == moved
    assert sorted(held(box)) == [("rice-1kg", 2), ("soap-bar", 3)]


def test_a_key_used_for_another_household_is_refused(w):
    box = packed(w, (w.soap, 2, None))
    first, second = make_household(w), make_household(w)
    sorting.hand_out_container(
        container=box, household=first, by=w.volunteer, idempotency_key="box-3"
    )
    with pytest.raises(IdempotencyKeyReused):
        sorting.hand_out_container(
            container=box, household=second, by=w.volunteer, idempotency_key="box-3"
        )


def test_a_box_of_components_becomes_kits_from_its_own_lots(w):
    box = packed(w, (w.soap, 5, None), (w.toothpaste, 3, w.later(90)))
    assert sorting.kits_in(box, w.hygiene_kit) == 2
    document = sorting.build_kits_from_container(
        container=box, kit=w.hygiene_kit, by=w.volunteer, idempotency_key="kit-1"
    )
    assert document.kind == Document.Kind.KIT_BUILD
    assert on_hand(w.point, w.hygiene_kit) == 2
    # Two kits took 4 soap and 2 toothpaste out of the box; one of each is left in it.
    assert sorted(held(box)) == [("soap-bar", 1), ("toothpaste", 1)]
    assert loose_units(w, w.soap) == 5 and loose_units(w, w.toothpaste) == 3
    kit_lot = Lot.objects.get(point=w.point, item=w.hygiene_kit)
    assert kit_lot.expiry == w.later(90) and kit_lot.container_id is None
    moved = Movement.objects.count()
    again = sorting.build_kits_from_container(
        container=box, kit=w.hygiene_kit, by=w.volunteer, idempotency_key="kit-1"
    )
    assert again.pk == document.pk and Movement.objects.count() == moved
    with pytest.raises(InvalidInput, match="components"):
        sorting.build_kits_from_container(container=box, kit=w.hygiene_kit, by=w.volunteer)
