"""The sorting API: drop-offs, lines and closing, containers, packing lists; retries count once."""

from __future__ import annotations

import pytest

from kamavor.sorting.models import DropOff, SortingLine
from kamavor.stock.models import Balance, Container, Document, Lot
from kamavor.stock.services import IntakeLine
from tests.api.conftest import PREFIX, Api, assert_error
from tests.factories import donate


@pytest.fixture
def api(w):
    def make(user=None, language: str = "en") -> Api:
        return Api(w.token(user) if user is not None else None, language)

    return make


def test_a_drop_off_is_recorded_sorted_and_closed_once_each(api, w):
    volunteer = api(w.volunteer)
    body = {"point": w.point.pk, "bags": 3, "kind": "clothing", "donor": "Church"}
    first = volunteer.post("/drop-offs", body, key="d-1")
    assert first.status_code == 201, first.content
    again = volunteer.post("/drop-offs", body, key="d-1")
    assert again.json() == first.json() and DropOff.objects.count() == 1
    assert_error(
        volunteer.post("/drop-offs", {**body, "bags": 4}, key="d-1"), 422, "idempotency_key_reused"
    )
    drop_off = first.json()
    assert len(drop_off["bags"]) == 3
    by_bag = volunteer.get(f"/bags/{drop_off['bags'][1]}")
    assert by_bag.json()["id"] == drop_off["id"]
    line = {"item": w.jacket.pk, "quantity": 2, "size": "110", "bag": drop_off["bags"][0]}
    added = volunteer.post(f"/drop-offs/{drop_off['id']}/lines", line, key="l-1")
    assert added.status_code == 201 and added.json()["bag"] == drop_off["bags"][0]
    volunteer.post(f"/drop-offs/{drop_off['id']}/lines", line, key="l-1")
    assert SortingLine.objects.count() == 1
    waste = {"item": w.rice.pk, "quantity": 1, "expiry": "2001-01-31", "set_aside": "expired"}
    assert volunteer.post(f"/drop-offs/{drop_off['id']}/lines", waste).status_code == 201
    bad = {"item": w.rice.pk, "quantity": 1, "expiry": "2001-01-31"}
    assert_error(volunteer.post(f"/drop-offs/{drop_off['id']}/lines", bad), 400, "invalid")
    queue = volunteer.get(f"/points/{w.point.pk}/drop-offs")
    assert [d["id"] for d in queue.json()] == [drop_off["id"]]
    closed = volunteer.post(f"/drop-offs/{drop_off['id']}/close", key="c-1")
    assert closed.status_code == 200 and closed.json()["donation"]
    assert volunteer.post(f"/drop-offs/{drop_off['id']}/close").json() == closed.json()
    assert Document.objects.filter(kind="donation").count() == 1
    assert volunteer.get(f"/points/{w.point.pk}/drop-offs").json() == []
    assert_error(volunteer.post(f"/drop-offs/{drop_off['id']}/lines", line), 409, "conflict")


def test_outsiders_and_partners_are_refused(api, w):
    drop_off = api(w.volunteer).post("/drop-offs", {"point": w.point.pk, "bags": 1}).json()
    outsider = api(w.outsider)
    assert_error(outsider.get(f"/drop-offs/{drop_off['id']}"), 404, "not_found")
    assert_error(outsider.get(f"/bags/{drop_off['bags'][0]}"), 404, "not_found")
    assert_error(
        outsider.post("/drop-offs", {"point": w.point.pk, "bags": 1}), 400, "unknown_point"
    )
    assert_error(api(w.partner).get(f"/drop-offs/{drop_off['id']}"), 403, "forbidden")
    assert_error(api().get(f"/drop-offs/{drop_off['id']}"), 401, "unauthenticated")


def test_a_container_is_packed_sent_whole_and_opened(api, w):
    donate(w, IntakeLine(w.soap, 9))
    lot = Lot.objects.get(item=w.soap, point=w.point)
    coordinator = api(w.coordinator)
    made = coordinator.post("/containers", {"point": w.point.pk, "label": "hygiene"}, key="b-1")
    assert made.status_code == 201
    assert (
        coordinator.post("/containers", {"point": w.point.pk, "label": "hygiene"}, key="b-1").json()
        == made.json()
    )
    box = made.json()
    packed = coordinator.post(
        f"/containers/{box['id']}/pack", {"lines": [{"lot": lot.pk, "quantity": 5}]}, key="p-1"
    )
    assert packed.status_code == 200 and packed.json()["kind"] == "pack"
    coordinator.post(
        f"/containers/{box['id']}/pack", {"lines": [{"lot": lot.pk, "quantity": 5}]}, key="p-1"
    )
    contents = coordinator.get(f"/containers/by-code/{box['code']}").json()["contents"]
    assert [c["quantity"] for c in contents] == [5]
    too_many = {"lines": [{"lot": lot.pk, "quantity": 50}]}
    assert_error(
        coordinator.post(f"/containers/{box['id']}/pack", too_many), 409, "not_enough_stock"
    )
    transfer = coordinator.post(
        f"/containers/{box['id']}/transfer", {"destination": w.warehouse.pk}, key="t-1"
    )
    assert transfer.status_code == 201, transfer.content
    transfer_id = transfer.json()["id"]
    coordinator.post(f"/transfers/{transfer_id}/send")
    coordinator.post(f"/transfers/{transfer_id}/receive", {})
    arrived = coordinator.get(f"/containers/{box['id']}").json()
    assert arrived["point"] == w.warehouse.pk and [c["quantity"] for c in arrived["contents"]] == [
        5
    ]
    opened = coordinator.post(f"/containers/{box['id']}/open")
    assert opened.status_code == 200
    assert Balance.objects.get(lot__point=w.warehouse, lot__container=None).quantity == 5
    assert_error(api(w.outsider).get(f"/containers/{box['id']}"), 404, "not_found")
    assert Container.objects.count() == 1


def test_a_packing_list_is_checked_then_posted_once(api, w):
    volunteer = api(w.volunteer, language="ru")
    path = f"{PREFIX}/points/{w.point.pk}/packing-lists"
    headers = {
        "HTTP_AUTHORIZATION": volunteer.extra["HTTP_AUTHORIZATION"],
        "HTTP_ACCEPT_LANGUAGE": "ru",
    }

    def upload(text: str, **data):
        from django.core.files.uploadedfile import SimpleUploadedFile

        files = {"file": SimpleUploadedFile("list.csv", text.encode())}
        return volunteer.client.post(path, {**files, **data}, **headers)

    bad = upload("item;quantity\nblorfquux;2\n").json()
    assert not bad["valid"] and "Нет товара" in bad["rows"][0]["errors"][0]
    assert upload("name\nx\n").json()["errors"]
    good = upload("item;quantity\nsoap-bar;4\n").json()
    assert good["valid"] and good["rows"][0]["item"] == w.soap.pk and good["document"] is None
    assert not Document.objects.exists()
    headers["HTTP_IDEMPOTENCY_KEY"] = "pl-1"
    posted = upload("item;quantity\nsoap-bar;4\n", dry_run="false").json()
    assert posted["document"]["kind"] == "donation"
    upload("item;quantity\nsoap-bar;4\n", dry_run="false")
    assert Document.objects.count() == 1
    assert Balance.objects.get(item=w.soap, point=w.point).quantity == 4


def test_a_line_is_taken_off_an_open_drop_off(api, w):
    volunteer = api(w.volunteer)
    drop_off = volunteer.post("/drop-offs", {"point": w.point.pk, "bags": 1}).json()
    line = volunteer.post(
        f"/drop-offs/{drop_off['id']}/lines", {"item": w.soap.pk, "quantity": 40}
    ).json()
    path = f"{PREFIX}/drop-offs/{drop_off['id']}/lines/{line['id']}"
    assert volunteer.client.delete(path, **volunteer.extra).status_code == 204
    assert volunteer.client.delete(path, **volunteer.extra).status_code == 204
    assert not SortingLine.objects.exists()
    outsider = api(w.outsider)
    assert outsider.client.delete(path, **outsider.extra).status_code == 404
