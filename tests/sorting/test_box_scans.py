"""A box scanned at the distribution desk or the kit desk takes its whole contents."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput, KamavorError
from kamavor.sorting import services as sorting
from kamavor.stock import services
from kamavor.stock.models import Document, Lot, Movement
from tests.factories import desk, make_household, on_hand, text
from tests.sorting.factories import held, loose_units, packed


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


def test_the_distribution_desk_hands_out_a_scanned_box(w):
    box = packed(w, (w.soap, 4, None))
    household = make_household(w)
    volunteer = desk(w.volunteer)
    visit = reverse("distribution:visit", args=[w.point.pk, household.code])
    page = text(volunteer.get(visit))
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page.split('id="hand-out-box"')[1])[1]
    url = reverse("sorting:hand_out", args=[w.point.pk, household.code])
    unknown = volunteer.post(url, {"box": "ZZZZZZZ", "key": key})
    assert (
        unknown["Location"] == visit and Document.objects.filter(kind="distribution").count() == 0
    )
    response = volunteer.post(url, {"box": box.code.lower(), "key": key})
    document = Document.objects.get(kind="distribution")
    assert response["Location"] == reverse("distribution:receipt", args=[w.point.pk, document.pk])
    assert document.household_id == household.pk and held(box) == []
    # A second press of the same form answers the same hand-out.
    assert volunteer.post(url, {"box": box.code, "key": key})["Location"] == response["Location"]
    assert desk(w.outsider).post(url, {"box": box.code, "key": "x" * 32}).status_code == 404
