"""The stock services: each posting moves the ledger and its balances together, or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.core.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
    NotEnoughStock,
)
from kamavor.stock import services
from kamavor.stock.models import Document, Lot, Movement
from kamavor.stock.services import CountLine, IntakeLine, LotLine
from tests.factories import on_hand


def donate(w, *lines, by=None, key=None, point=None):
    return services.post_donation(
        point=point or w.point, lines=list(lines), by=by or w.volunteer, idempotency_key=key
    )


def test_it_posts_a_donation_into_lots(w):
    doc = donate(
        w,
        IntakeLine(w.rice, 10, expiry=w.later(200)),
        IntakeLine(w.rice, 5, expiry=w.later(90)),
        IntakeLine(w.soap, 7),
        IntakeLine(w.jacket, 2, size="110"),
    )
    assert doc.kind == Document.Kind.DONATION
    assert doc.status == Document.Status.POSTED
    assert on_hand(w.point, w.rice) == 15
    assert Lot.objects.filter(item=w.rice, point=w.point).count() == 2
    assert on_hand(w.point, w.jacket) == 2
    assert Movement.objects.filter(document=doc).count() == 4


def test_it_merges_same_attributes_into_one_lot(w):
    donate(w, IntakeLine(w.soap, 3))
    donate(w, IntakeLine(w.soap, 4))
    assert Lot.objects.filter(item=w.soap, point=w.point).count() == 1
    assert on_hand(w.point, w.soap) == 7


def test_it_returns_the_first_document_for_a_repeated_key(w):
    first = donate(w, IntakeLine(w.soap, 3), key="k-1")
    again = donate(w, IntakeLine(w.soap, 3), key="k-1")
    assert again.pk == first.pk
    assert on_hand(w.point, w.soap) == 3


def test_it_refuses_a_reused_key_with_another_body(w):
    donate(w, IntakeLine(w.soap, 3), key="k-2")
    with pytest.raises(IdempotencyKeyReused):
        donate(w, IntakeLine(w.soap, 4), key="k-2")
    assert on_hand(w.point, w.soap) == 3


@pytest.mark.parametrize("quantity", [0, -1, 10**7, 2.5, "3", True])
def test_it_refuses_bad_quantities(w, quantity):
    with pytest.raises(InvalidInput):
        donate(w, IntakeLine(w.soap, quantity))
    assert not Movement.objects.exists()


def test_it_needs_expiry_where_tracked_and_refuses_expired_goods(w):
    with pytest.raises(InvalidInput, match="expiry"):
        donate(w, IntakeLine(w.rice, 1))
    with pytest.raises(InvalidInput, match="expired"):
        donate(w, IntakeLine(w.rice, 1, expiry=w.later(-1)))
    assert not Document.objects.exists()


def test_it_needs_a_known_size(w):
    with pytest.raises(InvalidInput):
        donate(w, IntakeLine(w.jacket, 1))
    with pytest.raises(InvalidInput):
        donate(w, IntakeLine(w.jacket, 1, size="XXL"))


def test_nothing_is_half_written_when_a_later_line_fails(w):
    with pytest.raises(InvalidInput):
        donate(w, IntakeLine(w.soap, 1), IntakeLine(w.rice, 1))
    assert not Document.objects.exists() and not Movement.objects.exists()


def test_it_refuses_the_outsider_and_the_partner(w):
    with pytest.raises(PermissionDenied):
        donate(w, IntakeLine(w.soap, 1), by=w.outsider)
    with pytest.raises(PermissionDenied):
        donate(w, IntakeLine(w.soap, 1), by=w.partner)


def test_purchase_records_supplier_cost_and_dram(w):
    doc = services.post_purchase(
        point=w.point,
        by=w.coordinator,
        supplier="SAS supermarket",
        lines=[IntakeLine(w.soap, 10, unit_cost=350)],
    )
    assert doc.currency == "AMD"
    assert doc.lines.get().unit_cost == 350
    with pytest.raises(PermissionDenied):
        services.post_purchase(
            point=w.point, by=w.volunteer, supplier="x", lines=[IntakeLine(w.soap, 1)]
        )


def test_transfer_is_sent_then_received_with_differences(w):
    donate(w, IntakeLine(w.soap, 10))
    lot = Lot.objects.get(item=w.soap, point=w.point)
    draft = services.create_transfer(
        source=w.point, destination=w.warehouse, lines=[LotLine(lot, 6)], by=w.coordinator
    )
    assert on_hand(w.point, w.soap) == 10
    sent = services.send_transfer(transfer=draft, by=w.coordinator)
    assert sent.status == Document.Status.SENT
    assert on_hand(w.point, w.soap) == 4
    line = sent.lines.get()
    received = services.receive_transfer(transfer=sent, received={line.pk: 5}, by=w.volunteer)
    assert received.status == Document.Status.RECEIVED
    assert on_hand(w.warehouse, w.soap) == 5
    line.refresh_from_db()
    assert (line.quantity, line.received_quantity) == (6, 5)
    with pytest.raises(Conflict):
        services.receive_transfer(transfer=sent, received=None, by=w.volunteer)


def test_a_transfer_cannot_take_more_than_the_lot_holds(w):
    donate(w, IntakeLine(w.soap, 2))
    lot = Lot.objects.get(item=w.soap, point=w.point)
    draft = services.create_transfer(
        source=w.point, destination=w.warehouse, lines=[LotLine(lot, 3)], by=w.coordinator
    )
    with pytest.raises(NotEnoughStock):
        services.send_transfer(transfer=draft, by=w.coordinator)
    assert on_hand(w.point, w.soap) == 2


def test_count_turns_differences_into_movements(w):
    donate(w, IntakeLine(w.soap, 10))
    lot = Lot.objects.get(item=w.soap, point=w.point)
    with pytest.raises(InvalidInput):
        services.post_count(point=w.point, lines=[CountLine(8, lot=lot)], by=w.coordinator)
    doc = services.post_count(
        point=w.point,
        by=w.coordinator,
        reason="weekly count",
        lines=[CountLine(8, lot=lot), CountLine(3, item=w.jacket, size="98")],
    )
    assert on_hand(w.point, w.soap) == 8
    assert on_hand(w.point, w.jacket) == 3
    assert [line.expected_quantity for line in doc.lines.order_by("pk")] == [10, 0]


def test_disposal_needs_a_reason(w):
    donate(w, IntakeLine(w.rice, 4, expiry=w.later(3)))
    lot = Lot.objects.get(item=w.rice, point=w.point)
    with pytest.raises(InvalidInput):
        services.dispose(point=w.point, lines=[LotLine(lot, 1)], by=w.coordinator, reason="")
    services.dispose(point=w.point, lines=[LotLine(lot, 1)], by=w.coordinator, reason="damaged")
    assert on_hand(w.point, w.rice) == 3


def test_kits_are_built_fefo_and_unbuilt(w):
    donate(
        w,
        IntakeLine(w.soap, 5),
        IntakeLine(w.toothpaste, 1, expiry=w.later(30)),
        IntakeLine(w.toothpaste, 1, expiry=w.later(400)),
    )
    doc = services.build_kit(point=w.point, kit=w.hygiene_kit, quantity=2, by=w.volunteer)
    kit_lot = Lot.objects.get(item=w.hygiene_kit, point=w.point)
    assert kit_lot.expiry == w.later(30)
    assert on_hand(w.point, w.hygiene_kit) == 2
    assert on_hand(w.point, w.soap) == 1
    assert on_hand(w.point, w.toothpaste) == 0
    assert doc.kind == Document.Kind.KIT_BUILD
    with pytest.raises(NotEnoughStock):
        services.build_kit(point=w.point, kit=w.hygiene_kit, quantity=1, by=w.volunteer)
    services.unbuild_kit(point=w.point, lot=kit_lot, quantity=1, by=w.coordinator)
    assert on_hand(w.point, w.hygiene_kit) == 1
    assert on_hand(w.point, w.soap) == 3


def test_suggest_picks_is_first_expiry_first_out_and_skips_expired(w):
    donate(w, IntakeLine(w.rice, 5, expiry=w.later(100)), IntakeLine(w.rice, 5, expiry=w.later(10)))
    picks = services.suggest_picks(point=w.point, item=w.rice, quantity=7)
    assert [(lot.expiry, q) for lot, q in picks] == [(w.later(10), 5), (w.later(100), 2)]
    later = dt.date.today() + dt.timedelta(days=50)
    picks = services.suggest_picks(point=w.point, item=w.rice, quantity=7, today=later)
    assert [(lot.expiry, q) for lot, q in picks] == [(w.later(100), 5)]


def test_reversal_undoes_a_donation_once(w):
    doc = donate(w, IntakeLine(w.soap, 5))
    reversal = services.reverse_document(document=doc, by=w.volunteer, reason="typo")
    assert reversal.reverses_id == doc.pk
    assert on_hand(w.point, w.soap) == 0
    doc.refresh_from_db()
    assert doc.status == Document.Status.REVERSED
    with pytest.raises(Conflict):
        services.reverse_document(document=doc, by=w.coordinator)


def test_a_volunteer_reverses_only_their_own_postings(w):
    doc = donate(w, IntakeLine(w.soap, 5), by=w.coordinator)
    with pytest.raises(PermissionDenied):
        services.reverse_document(document=doc, by=w.volunteer)
    with pytest.raises(PermissionDenied):
        services.reverse_document(document=doc, by=w.outsider)


def test_reversal_is_refused_when_the_stock_has_left(w):
    doc = donate(w, IntakeLine(w.soap, 5))
    lot = Lot.objects.get(item=w.soap, point=w.point)
    services.dispose(point=w.point, lines=[LotLine(lot, 4)], by=w.coordinator, reason="wet")
    with pytest.raises(NotEnoughStock):
        services.reverse_document(document=doc, by=w.coordinator)
    doc.refresh_from_db()
    assert doc.status == Document.Status.POSTED
    assert on_hand(w.point, w.soap) == 1


def test_a_closed_point_takes_no_postings(w):
    w.point.active = False
    try:
        with pytest.raises(InvalidInput, match="closed"):
            donate(w, IntakeLine(w.soap, 1))
    finally:
        w.point.active = True
    assert not Document.objects.exists()


def test_document_numbers_tell_kinds_apart(w):
    doc = donate(w, IntakeLine(w.soap, 5))
    lot = Lot.objects.get(item=w.soap, point=w.point)
    disposal = services.dispose(
        point=w.point, lines=[LotLine(lot, 1)], by=w.coordinator, reason="x"
    )
    assert doc.number.startswith("D-") and disposal.number.startswith("W-")


def test_one_wrong_line_is_reversed_once_and_the_rest_later(w):
    from kamavor.core.errors import Conflict
    from kamavor.stock.services import reverse_document

    document = donate(w, IntakeLine(w.soap, 5), IntakeLine(w.rice, 3, expiry=w.later(90)))
    wrong = document.lines.get(item=w.rice)
    reversal = reverse_document(
        document=document, by=w.coordinator, reason="rice was lentils", line=wrong,
        idempotency_key="line-1",
    )  # fmt: skip
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.rice)) == (5, 0)
    document.refresh_from_db()
    assert document.status == Document.Status.POSTED  # the good line stands
    assert list(reversal.movements.values_list("item_id", "quantity")) == [(w.rice.pk, -3)]
    again = reverse_document(
        document=document, by=w.coordinator, reason="rice was lentils", line=wrong,
        idempotency_key="line-1",
    )  # fmt: skip
    assert again.pk == reversal.pk and on_hand(w.point, w.rice) == 0  # a retry: once
    with pytest.raises(Conflict):
        reverse_document(document=document, by=w.coordinator, line=wrong, idempotency_key="x")
    rest = reverse_document(document=document, by=w.coordinator, reason="all wrong")
    assert list(rest.movements.values_list("item_id", "quantity")) == [(w.soap.pk, -5)]
    document.refresh_from_db()
    assert document.status == Document.Status.REVERSED
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.rice)) == (0, 0)
