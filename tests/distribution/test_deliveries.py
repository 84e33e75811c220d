"""Shelter deliveries: picked, packed, sent, confirmed with differences, counted on the request."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.core.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotEnoughStock
from kamavor.distribution import deliveries
from kamavor.distribution.models import Fulfilment
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn
from kamavor.stock.models import Document, Movement
from tests.distribution.factories import make_shelter, shelter_request, stock_up
from tests.factories import ledger, on_hand


@pytest.fixture
def order(w):
    """A shelter of the organisation asking for 10 rice and 6 hygiene items; stock at the point."""
    shelter = make_shelter(w.org)
    request = shelter_request(
        w, shelter, LineIn(quantity=10, item=w.rice), LineIn(quantity=6, category=w.soap.category)
    )
    soon = stock_up(w, w.rice, 4, expiry=w.later(30))
    late = stock_up(w, w.rice, 20, expiry=w.later(300))
    soap = stock_up(w, w.soap, 5)
    return shelter, request, soon, late, soap


def pack(w, request, key="pack", **kwargs):
    return deliveries.prepare_delivery(
        request=request, point=w.point, by=w.coordinator, idempotency_key=key, **kwargs
    )


def test_the_pick_list_is_first_expiry_first_out_and_names_what_is_short(w, order):
    _shelter, request, soon, late, soap = order
    picks = deliveries.pick_list(request=request, point=w.point)
    assert [(p.lot, p.quantity) for p in picks.picks] == [(soon, 4), (late, 6), (soap, 5)]
    hygiene = request.lines.get(category__isnull=False)
    assert picks.short == {hygiene.pk: 1}


def test_the_whole_flow_with_differences(w, order):
    shelter, request, soon, late, soap = order
    counts = ledger()
    delivery = pack(w, request, note="van 2")
    assert delivery.kind == Document.Kind.DELIVERY and delivery.number.startswith("S-")
    assert delivery.status == "draft" and delivery.destination == shelter
    assert delivery.request_id == request.pk
    assert ledger() == (counts[0] + 1, counts[1])  # a draft moves nothing
    assert Request.objects.get(pk=request.pk).state == "planned"

    deliveries.send_delivery(delivery=delivery, by=w.coordinator, idempotency_key="send")
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert on_hand(w.point, w.rice) == 14 and on_hand(w.point, w.soap) == 0
    kinds = set(Movement.objects.filter(document=delivery).values_list("kind", flat=True))
    assert kinds == {"distribution"}
    assert on_hand(shelter, w.rice) == 0  # a shelter holds no ledger stock

    lines = {line.lot_id: line for line in delivery.lines.all()}
    deliveries.confirm_delivery(
        delivery=delivery,
        received={lines[late.pk].pk: 5, lines[soap.pk].pk: 4},
        by=w.partner,
        note="one bag torn",
        idempotency_key="confirm",
    )
    delivery.refresh_from_db()
    assert delivery.status == "received" and delivery.received_by == w.partner
    assert "one bag torn" in delivery.note
    got = dict(delivery.lines.values_list("lot_id", "received_quantity"))
    assert got == {soon.pk: 4, late.pk: 5, soap.pk: 4}
    fulfilled = dict(request.lines.values_list("item_id", "fulfilled_quantity"))
    assert fulfilled == {w.rice.pk: 9, None: 4}
    assert Request.objects.get(pk=request.pk).state == "partly_fulfilled"
    # The next pick list packs only what is still wanted: 1 rice, 2 hygiene items.
    again = deliveries.pick_list(request=request, point=w.point)
    assert sum(p.quantity for p in again.picks) == 1 and sum(again.short.values()) == 2


def test_a_packed_delivery_is_not_packed_twice(w, order):
    _shelter, request, *_ = order
    first = pack(w, request, key="a")
    assert pack(w, request, key="a").pk == first.pk
    # Only what is neither fulfilled nor packed: the one hygiene item short the first time.
    second = pack(w, request, key="b")
    assert [(x.item_id, x.quantity) for x in second.lines.all()] == [(w.soap.pk, 1)]
    with pytest.raises(Conflict):
        pack(w, request, key="c")
    deliveries.cancel_delivery(delivery=first, by=w.coordinator)
    assert pack(w, request, key="d").lines.count() == 3


def test_it_packs_less_when_asked(w, order):
    _shelter, request, *_ = order
    rice = request.lines.get(item=w.rice)
    delivery = pack(w, request, quantities={rice.pk: 3})
    assert [(x.item_id, x.quantity) for x in delivery.lines.all()] == [(w.rice.pk, 3)]
    with pytest.raises(InvalidInput):
        pack(w, request, key="more", quantities={rice.pk: 8})  # 7 are still wanted


def test_idempotency_and_state_conflicts(w, order):
    _shelter, request, *_ = order
    delivery = pack(w, request)
    with pytest.raises(IdempotencyKeyReused):
        pack(w, request, note="other")
    with pytest.raises(Conflict):
        deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator, idempotency_key="s")
    counts = ledger()
    deliveries.send_delivery(delivery=delivery, by=w.coordinator, idempotency_key="s")
    assert ledger() == counts
    with pytest.raises(Conflict):
        deliveries.send_delivery(delivery=delivery, by=w.coordinator, idempotency_key="s2")
    with pytest.raises(Conflict):
        deliveries.cancel_delivery(delivery=delivery, by=w.coordinator)
    deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner, idempotency_key="c")
    deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner, idempotency_key="c")
    assert sum(Fulfilment.objects.values_list("quantity", flat=True)) == 15
    with pytest.raises(Conflict):
        deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner)


def test_who_may_do_what(w, order):
    _shelter, request, *_ = order
    for user in (w.volunteer, w.partner, w.outsider):
        with pytest.raises(PermissionDenied):
            deliveries.prepare_delivery(request=request, point=w.point, by=user)
    delivery = pack(w, request)
    with pytest.raises(PermissionDenied):
        deliveries.send_delivery(delivery=delivery, by=w.volunteer)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    for user in (w.volunteer, w.outsider):
        with pytest.raises(PermissionDenied):
            deliveries.confirm_delivery(delivery=delivery, received=None, by=user)


def test_bad_input(w, order):
    _shelter, request, *_ = order
    with pytest.raises(InvalidInput):
        deliveries.prepare_delivery(request=request, point=w.other_point, by=w.coordinator)
    with pytest.raises(InvalidInput):
        pack(w, request, quantities={999_999: 1})
    delivery = pack(w, request)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    line = delivery.lines.first()
    for received in ({line.pk: line.quantity + 1}, {line.pk: -1}, {999_999: 1}):
        with pytest.raises(InvalidInput):
            deliveries.confirm_delivery(delivery=delivery, received=received, by=w.partner)


def test_sending_refuses_what_left_the_shelf_meanwhile(w, order):
    _shelter, request, soon, *_ = order
    delivery = pack(w, request)
    from kamavor.stock.services import LotLine, dispose

    dispose(point=w.point, lines=[LotLine(soon, 4)], by=w.coordinator, reason="wet")
    counts = ledger()
    with pytest.raises(NotEnoughStock):
        deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    assert ledger() == counts
