"""Containers through their pages: make, pack, label, open, send whole and receive whole."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.sorting import services as sorting
from kamavor.stock import services
from kamavor.stock.models import Balance, Container, Document, ItemBalance, Lot, Movement
from kamavor.stock.services import IntakeLine
from tests.factories import donate


@pytest.fixture
def box(client, w):
    client.force_login(w.volunteer)
    response = client.post(
        reverse("sorting:container_new", args=[w.point.pk]), {"kind": "box", "label": "winter"}
    )
    assert response.status_code == 302
    return Container.objects.get()


def loose(w, item):
    return Lot.objects.loose().get(point=w.point, item=item)


def test_it_packs_goods_found_by_name_and_reads_contents_from_the_ledger(client, w, box):
    donate(w, IntakeLine(w.soap, 10))
    page = client.get(reverse("sorting:container", args=[box.pk]), {"q": "мыло"}).content.decode()
    lot = loose(w, w.soap)
    assert f'name="lot_{lot.pk}"' in page and "10 on hand" in page
    response = client.post(
        reverse("sorting:pack", args=[box.pk]), {"item": w.soap.pk, f"lot_{lot.pk}": 6}
    )
    assert response.status_code == 302
    assert [(b.lot.item, b.quantity) for b in services.contents(box)] == [(w.soap, 6)]
    assert Balance.objects.get(lot=lot).quantity == 4
    # What the point holds is unchanged: packing is no arrival and no loss.
    assert ItemBalance.objects.get(point=w.point, item=w.soap).quantity == 10
    assert set(Movement.objects.filter(kind="pack").values_list("quantity", flat=True)) == {6, -6}
    label = client.get(reverse("sorting:label", args=[box.pk])).content.decode()
    assert box.code in label and "<svg" in label and "× 6" in label
    listed = client.get(reverse("sorting:containers", args=[w.point.pk])).content.decode()
    assert box.code in listed
    # Scanning its code finds it.
    found = client.get(reverse("sorting:find_container", args=[w.point.pk]), {"code": box.code})
    assert found["Location"] == reverse("sorting:container", args=[box.pk])


def test_it_refuses_to_pack_more_than_is_loose(client, w, box):
    donate(w, IntakeLine(w.soap, 3))
    lot = loose(w, w.soap)
    response = client.post(
        reverse("sorting:pack", args=[box.pk]), {"item": w.soap.pk, f"lot_{lot.pk}": 4}
    )
    assert (
        response.status_code == 200
        and "Only 3 on hand outside containers" in response.content.decode()
    )
    assert not Movement.objects.filter(kind="pack").exists()


def test_opening_returns_everything_to_loose_stock(client, w, box):
    donate(w, IntakeLine(w.soap, 5), IntakeLine(w.jacket, 2, size="110"))
    services.pack(
        container=box,
        lines=[services.LotLine(loose(w, w.soap), 5), services.LotLine(loose(w, w.jacket), 2)],
        by=w.volunteer,
    )
    assert Balance.objects.get(lot=loose(w, w.soap)).quantity == 0
    client.post(reverse("sorting:unpack", args=[box.pk]))
    assert not services.contents(box).exists()
    assert Balance.objects.get(lot=loose(w, w.soap)).quantity == 5
    assert Balance.objects.get(lot=loose(w, w.jacket)).quantity == 2


def test_repacking_moves_goods_between_containers(w):
    donate(w, IntakeLine(w.soap, 8))
    first = services.create_container(point=w.point, by=w.volunteer)
    second = services.create_container(point=w.point, by=w.volunteer, kind="sack")
    services.pack(container=first, lines=[services.LotLine(loose(w, w.soap), 8)], by=w.volunteer)
    inside = Lot.objects.get(container=first)
    services.pack(container=second, lines=[services.LotLine(inside, 3)], by=w.volunteer)
    assert [b.quantity for b in services.contents(first)] == [5]
    assert [b.quantity for b in services.contents(second)] == [3]


def test_a_box_scanned_into_a_transfer_arrives_whole(client, w, box):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 4, expiry=w.later(200)))
    services.pack(
        container=box,
        lines=[services.LotLine(loose(w, w.soap), 7), services.LotLine(loose(w, w.rice), 4)],
        by=w.volunteer,
    )
    client.force_login(w.coordinator)
    response = client.post(
        reverse("sorting:send", args=[box.pk]), {"destination": w.warehouse.pk, "key": "s1"}
    )
    transfer = Document.objects.get(kind="transfer")
    assert response["Location"] == reverse("stock:transfer", args=[transfer.pk])
    assert sorted(transfer.lines.values_list("quantity", flat=True)) == [4, 7]
    services.send_transfer(transfer=transfer, by=w.coordinator)
    services.receive_transfer(transfer=transfer, received=None, by=w.coordinator)
    box.refresh_from_db()
    assert box.point == w.warehouse
    assert sorted((b.point_id, b.quantity) for b in services.contents(box)) == [
        (w.warehouse.pk, 4),
        (w.warehouse.pk, 7),
    ]


def test_a_box_partly_sent_arrives_loose(w):
    donate(w, IntakeLine(w.soap, 7))
    box = services.create_container(point=w.point, by=w.volunteer)
    services.pack(container=box, lines=[services.LotLine(loose(w, w.soap), 7)], by=w.volunteer)
    inside = Lot.objects.get(container=box)
    draft = services.create_transfer(
        source=w.point,
        destination=w.warehouse,
        lines=[services.LotLine(inside, 2)],
        by=w.coordinator,
    )
    sent = services.send_transfer(transfer=draft, by=w.coordinator)
    services.receive_transfer(transfer=sent, received=None, by=w.coordinator)
    box.refresh_from_db()
    assert box.point == w.point and [b.quantity for b in services.contents(box)] == [5]
    assert Balance.objects.get(lot__point=w.warehouse, lot__container=None).quantity == 2


def test_a_closed_drop_off_is_packed_into_a_new_box_in_one_click(client, w):
    client.force_login(w.volunteer)
    drop_off = sorting.record_drop_off(point=w.point, bags=1, by=w.volunteer)
    sorting.add_sorting_line(drop_off=drop_off, line=IntakeLine(w.soap, 9), by=w.volunteer)
    sorting.add_sorting_line(
        drop_off=drop_off, line=IntakeLine(w.soap, 2), set_aside="damaged", by=w.volunteer
    )
    sorting.close_drop_off(drop_off=drop_off, by=w.volunteer)
    response = client.post(reverse("sorting:pack_drop_off", args=[drop_off.pk]))
    box = Container.objects.get()
    assert response["Location"] == reverse("sorting:container", args=[box.pk])
    assert [b.quantity for b in services.contents(box)] == [9]


def test_outsiders_never_see_a_container(client, w, box):
    client.force_login(w.outsider)
    for name in ("container", "label"):
        assert client.get(reverse(f"sorting:{name}", args=[box.pk])).status_code == 404
    assert client.post(reverse("sorting:unpack", args=[box.pk])).status_code == 404
    client.force_login(w.partner)
    assert client.get(reverse("sorting:container", args=[box.pk])).status_code == 403


def test_a_box_is_counted_as_a_whole(client, w, box):
    donate(w, IntakeLine(w.soap, 6))
    services.pack(container=box, lines=[services.LotLine(loose(w, w.soap), 6)], by=w.volunteer)
    inside = Lot.objects.get(container=box)
    page = client.get(reverse("sorting:container", args=[box.pk])).content.decode()
    assert 'id="count-form"' not in page  # a volunteer does not post counts
    client.force_login(w.coordinator)
    page = client.get(reverse("sorting:container", args=[box.pk])).content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]
    data = {"key": key, f"lot_{inside.pk}": 5, "reason": ""}
    refused = client.post(reverse("sorting:count", args=[box.pk]), data)
    assert "Give a reason" in refused.content.decode()
    client.post(reverse("sorting:count", args=[box.pk]), {**data, "reason": "one torn"})
    assert [b.quantity for b in services.contents(box)] == [5]
    assert Document.objects.get(kind="count").reason == "one torn"
