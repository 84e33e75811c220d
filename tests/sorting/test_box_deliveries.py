"""A box scanned for a shelter's delivery takes its whole contents, counted on the request."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput
from kamavor.distribution import deliveries
from kamavor.distribution.models import Fulfilment
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn
from kamavor.sorting import services as sorting
from kamavor.stock import services
from kamavor.stock.models import Document, Lot, Movement
from kamavor.stock.services import IntakeLine
from tests.api.conftest import Api, assert_error
from tests.distribution.factories import make_shelter, shelter_request
from tests.factories import desk, donate, ledger, on_hand, page_messages, text
from tests.sorting.factories import held, loose_units, packed


@pytest.fixture
def order(w):
    """A shelter asking for 4 rice and 3 hygiene items (any); a box at the point holding 5 rice,
    2 soap and 1 child's jacket, with as much again loose beside it."""
    shelter = make_shelter(w.org)
    request = shelter_request(
        w, shelter, LineIn(quantity=4, item=w.rice), LineIn(quantity=3, category=w.soap.category)
    )
    box = packed(w, (w.rice, 5, w.later(100)), (w.soap, 2, None))
    # A child's jacket goes into the same box (a box from a drop-off holds what came).
    donate(w, IntakeLine(w.jacket, 1, size="110"))
    jacket = Lot.objects.loose().get(point=w.point, item=w.jacket)
    services.pack(container=box, lines=[services.LotLine(jacket, 1)], by=w.volunteer)
    return shelter, request, box


def fulfilments(delivery) -> list[tuple]:
    return sorted(
        (f.line.item.code, f.line.quantity, f.request_line.item_id is None)
        for f in Fulfilment.objects.filter(line__document=delivery).select_related("line__item")
    )


def test_a_box_becomes_a_delivery_of_its_whole_contents_once(w, order):
    shelter, request, box = order
    counts = ledger()
    delivery = sorting.deliver_container(
        container=box, request=request, by=w.coordinator, idempotency_key="box-d-1"
    )
    assert delivery.kind == Document.Kind.DELIVERY and delivery.status == "draft"
    assert delivery.destination == shelter and delivery.request_id == request.pk
    assert ledger() == (counts[0] + 1, counts[1])  # a draft moves nothing
    lines = sorted((x.item.code, x.quantity, x.lot.container_id) for x in delivery.lines.all())
    # The rice beyond the 4 asked for goes along with its request line; the jacket, which the
    # request does not ask for, goes unlinked.
    assert lines == [
        ("jacket-child-winter", 1, box.pk),
        ("rice-1kg", 1, box.pk),
        ("rice-1kg", 4, box.pk),
        ("soap-bar", 2, box.pk),
    ]
    assert fulfilments(delivery) == [
        ("rice-1kg", 1, False),
        ("rice-1kg", 4, False),
        ("soap-bar", 2, True),
    ]
    assert Request.objects.get(pk=request.pk).state == "planned"
    again = sorting.deliver_container(
        container=box, request=request, by=w.coordinator, idempotency_key="box-d-1"
    )
    assert again.pk == delivery.pk and Document.objects.filter(kind="delivery").count() == 1

    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    assert held(box) == []
    # Only the box's lots left: the loose stock beside it is whole.
    assert loose_units(w, w.rice) == 5 and loose_units(w, w.soap) == 2
    assert on_hand(w.point, w.rice) == 5
    deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner)
    fulfilled = dict(request.lines.values_list("item_id", "fulfilled_quantity"))
    assert fulfilled == {w.rice.pk: 5, None: 2}
    assert Request.objects.get(pk=request.pk).state == "partly_fulfilled"


def test_a_box_the_request_wants_none_of_or_an_empty_one_is_refused(w, order):
    _shelter, request, _box = order
    donate(w, IntakeLine(w.jacket, 2, size="98"))
    jackets = services.create_container(point=w.point, by=w.volunteer)
    lot = Lot.objects.loose().get(point=w.point, item=w.jacket, size="98")
    services.pack(container=jackets, lines=[services.LotLine(lot, 2)], by=w.volunteer)
    with pytest.raises(InvalidInput, match="none of these goods"):
        sorting.deliver_container(container=jackets, request=request, by=w.coordinator)
    empty = services.create_container(point=w.point, by=w.volunteer)
    with pytest.raises(InvalidInput, match="empty"):
        sorting.deliver_container(container=empty, request=request, by=w.coordinator)
    assert not Document.objects.filter(kind="delivery").exists()


def test_an_expired_lot_in_the_box_refuses_it_and_nothing_changes(w, order):
    _shelter, request, box = order
    Lot.objects.filter(container=box, item=w.rice).update(expiry=w.later(-1))
    with pytest.raises(InvalidInput, match="expired"):
        sorting.deliver_container(container=box, request=request, by=w.coordinator)
    assert not Document.objects.filter(kind="delivery").exists()


def test_a_key_used_for_another_request_is_refused(w, order):
    shelter, request, box = order
    other = shelter_request(w, shelter, LineIn(quantity=1, item=w.soap))
    sorting.deliver_container(container=box, request=request, by=w.coordinator, idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        sorting.deliver_container(
            container=box, request=other, by=w.coordinator, idempotency_key="k"
        )


def test_the_service_takes_given_lots_only_from_the_point(w, order):
    _shelter, request, box = order
    lines = services.container_lines(box)
    with pytest.raises(InvalidInput, match="not at"):
        deliveries.prepare_delivery(
            request=request, point=w.warehouse, by=w.coordinator, lots=lines
        )
    with pytest.raises(InvalidInput):
        deliveries.prepare_delivery(
            request=request, point=w.point, by=w.coordinator, lots=lines, quantities={}
        )


def test_the_pick_list_page_packs_a_scanned_box(w, order):
    _shelter, request, box = order
    coordinator = desk(w.coordinator)
    prepare = reverse("distribution:delivery_prepare", args=[w.point.pk, request.pk])
    page = text(coordinator.get(prepare))
    form = page.split('id="deliver-box"')[1]
    key = re.search(r'name="key" value="([0-9a-f]{32})"', form)[1]
    url = reverse("sorting:deliver_box", args=[w.point.pk, request.pk])
    assert url in page
    unknown = coordinator.post(url, {"box": "ZZZZZZZ", "key": key})
    assert unknown["Location"] == prepare and not Document.objects.filter(kind="delivery")
    response = coordinator.post(url, {"box": box.code.lower(), "key": key}, follow=True)
    delivery = Document.objects.get(kind="delivery")
    assert response.redirect_chain[-1][0] == reverse("distribution:delivery", args=[delivery.pk])
    assert any(box.code in m for m in page_messages(response))
    assert delivery.lines.count() == 4
    # A second press of the same form answers the same delivery.
    again = coordinator.post(url, {"box": box.code, "key": key})
    assert again["Location"] == reverse("distribution:delivery", args=[delivery.pk])
    assert Document.objects.filter(kind="delivery").count() == 1
    assert desk(w.outsider).post(url, {"box": box.code, "key": "x" * 32}).status_code == 404
    assert desk(w.volunteer).post(url, {"box": box.code, "key": "y" * 32}).status_code == 403
    # A box at another point is refused at this one.
    elsewhere = services.create_container(point=w.warehouse, by=w.coordinator)
    refused = coordinator.post(url, {"box": elsewhere.code, "key": "z" * 32}, follow=True)
    assert any("not at" in m for m in page_messages(refused))


def test_the_api_packs_a_box_for_a_delivery_once(w, order):
    _shelter, request, box = order
    api = Api(w.token(w.coordinator))
    body = {"request": request.pk, "note": "van 1"}
    first = api.post(f"/containers/{box.pk}/delivery", body, key="api-d-1")
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == "delivery" and len(first.json()["lines"]) == 4
    again = api.post(f"/containers/{box.pk}/delivery", body, key="api-d-1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Document.objects.filter(kind="delivery").count() == 1
    assert_error(
        api.post(f"/containers/{box.pk}/delivery", {"request": 999999}, key="api-d-2"),
        400,
        "unknown_request",
    )
    outsider = Api(w.token(w.outsider))
    assert_error(outsider.post(f"/containers/{box.pk}/delivery", body), 404, "not_found")
    assert Movement.objects.filter(document__kind="delivery").count() == 0
