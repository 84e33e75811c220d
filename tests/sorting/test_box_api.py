"""A box through the API at the other desks (hand-out, kits, count), the public note, and the
kit desk's box scan; every write once per key."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kamavor.sorting.models import SortingNotice
from kamavor.stock.models import Document, Lot, Movement
from tests.api.conftest import Api, assert_error
from tests.factories import desk, make_household, on_hand, page_messages, text
from tests.sorting.factories import held, packed


@pytest.fixture
def api(w):
    return lambda user: Api(w.token(user))


def test_a_box_is_handed_out_through_the_api_once(api, w):
    box = packed(w, (w.soap, 3, None))
    household = make_household(w)
    volunteer = api(w.volunteer)
    body = {"household": household.code}
    first = volunteer.post(f"/containers/{box.pk}/hand-out", body, key="h-1")
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == "distribution" and held(box) == []
    again = volunteer.post(f"/containers/{box.pk}/hand-out", body, key="h-1")
    assert again.json()["id"] == first.json()["id"]
    assert Document.objects.filter(kind="distribution").count() == 1
    assert_error(
        volunteer.post(f"/containers/{box.pk}/hand-out", {"household": "ZZZZ-ZZZZ"}, key="h-2"),
        400,
        "invalid_household_code",
    )
    assert_error(api(w.outsider).post(f"/containers/{box.pk}/hand-out", body), 404, "not_found")


def test_a_box_of_components_becomes_kits_through_the_api(api, w):
    box = packed(w, (w.soap, 4, None), (w.toothpaste, 2, w.later(90)))
    volunteer = api(w.volunteer)
    built = volunteer.post(f"/containers/{box.pk}/kits", {"kit": w.hygiene_kit.pk}, key="k-1")
    assert built.status_code == 201, built.content
    assert built.json()["kind"] == "kit_build" and on_hand(w.point, w.hygiene_kit) == 2
    again = volunteer.post(f"/containers/{box.pk}/kits", {"kit": w.hygiene_kit.pk}, key="k-1")
    assert again.json()["id"] == built.json()["id"] and on_hand(w.point, w.hygiene_kit) == 2
    assert_error(
        volunteer.post(f"/containers/{box.pk}/kits", {"kit": w.soap.pk}), 400, "unknown_item"
    )


def test_a_box_is_counted_through_the_api_and_only_its_lots(api, w):
    box = packed(w, (w.soap, 5, None), (w.toothpaste, 2, w.later(90)))
    soap = Lot.objects.get(container=box, item=w.soap)
    loose = Lot.objects.loose().get(point=w.point, item=w.soap)
    coordinator = api(w.coordinator)
    body = {"reason": "torn box", "lines": [{"lot": soap.pk, "counted": 4}]}
    counted = coordinator.post(f"/containers/{box.pk}/count", body, key="c-1")
    assert counted.status_code == 201, counted.content
    assert counted.json()["kind"] == "count"
    assert sorted(held(box)) == [("soap-bar", 4), ("toothpaste", 2)]
    again = coordinator.post(f"/containers/{box.pk}/count", body, key="c-1")
    assert again.json()["id"] == counted.json()["id"]
    assert Document.objects.filter(kind="count").count() == 1
    moved = Movement.objects.count()
    outside = {"reason": "x", "lines": [{"lot": loose.pk, "counted": 1}]}
    assert_error(coordinator.post(f"/containers/{box.pk}/count", outside), 400, "unknown_lot")
    # Counting is a coordinator's correction: a volunteer may not.
    assert_error(api(w.volunteer).post(f"/containers/{box.pk}/count", body), 403, "forbidden")
    assert Movement.objects.count() == moved


def test_the_public_note_is_set_and_cleared_once_per_key(api, w):
    coordinator = api(w.coordinator)
    until = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    path = f"/points/{w.point.pk}/sorting-notice"
    assert coordinator.get(path).status_code == 204
    body = {"kind": "clothing", "until": until}
    first = coordinator.post(path, body, key="n-1")
    assert first.status_code == 200, first.content
    assert first.json()["kind"] == "clothing" and first.json()["current"] is True
    assert coordinator.get(path).json()["until"] == until
    assert api(w.outsider).get(path).status_code == 404
    cleared = coordinator.post(f"{path}/clear", key="n-2")
    assert cleared.status_code == 204 and not SortingNotice.objects.exists()
    # The first request again (a retry from an offline desk) answers it, and does not put
    # back the note that was taken off since.
    retry = coordinator.post(path, body, key="n-1")
    assert retry.status_code == 200 and retry.json()["kind"] == "clothing"
    assert not SortingNotice.objects.exists()
    assert_error(
        coordinator.post(path, {**body, "kind": "food"}, key="n-1"), 422, "idempotency_key_reused"
    )
    assert_error(coordinator.post(path, {**body, "until": "2001-01-01"}), 400, "invalid_date")
    assert_error(api(w.volunteer).post(path, body), 403, "forbidden")
    assert not SortingNotice.objects.exists()


def test_the_kit_desk_builds_from_a_scanned_box(w):
    box = packed(w, (w.soap, 4, None), (w.toothpaste, 3, w.later(90)))
    volunteer = desk(w.volunteer)
    kits = reverse("stock:kits", args=[w.point.pk])
    page = text(volunteer.get(kits))
    form = page.split('id="kit-box"')[1]
    key = re.search(r'name="key" value="([0-9a-f]{32})"', form)[1]
    url = reverse("sorting:kit_box", args=[w.point.pk])
    assert f'value="{w.hygiene_kit.pk}"' in form
    response = volunteer.post(
        url, {"box": box.code, "kit": w.hygiene_kit.pk, "key": key}, follow=True
    )
    assert response.redirect_chain[-1][0] == kits
    assert any(box.code in m for m in page_messages(response))
    assert on_hand(w.point, w.hygiene_kit) == 2
    assert sorted(held(box)) == [("toothpaste", 1)]
    # A second press of the same form answers the same build.
    volunteer.post(url, {"box": box.code, "kit": w.hygiene_kit.pk, "key": key})
    assert Document.objects.filter(kind="kit_build").count() == 1
    unknown = volunteer.post(url, {"box": box.code, "kit": 999999, "key": "k" * 32}, follow=True)
    assert any("Choose a kit" in m for m in page_messages(unknown))
    assert desk(w.outsider).post(url, {"box": box.code, "kit": w.hygiene_kit.pk}).status_code == 404


def test_a_closed_drop_off_is_packed_through_the_api_once(api, w):
    volunteer = api(w.volunteer)
    drop_off = volunteer.post("/drop-offs", {"point": w.point.pk, "bags": 1}).json()
    line = {"item": w.soap.pk, "quantity": 4}
    volunteer.post(f"/drop-offs/{drop_off['id']}/lines", line)
    assert_error(volunteer.post(f"/drop-offs/{drop_off['id']}/pack"), 400, "invalid")
    volunteer.post(f"/drop-offs/{drop_off['id']}/close")
    packed_ = volunteer.post(f"/drop-offs/{drop_off['id']}/pack", {"kind": "sack"}, key="p-1")
    assert packed_.status_code == 201, packed_.content
    box = packed_.json()
    assert box["kind"] == "sack" and [(c["item"], c["quantity"]) for c in box["contents"]] == [
        (w.soap.pk, 4)
    ]
    again = volunteer.post(f"/drop-offs/{drop_off['id']}/pack", {"kind": "sack"}, key="p-1")
    assert again.status_code == 201 and again.json()["id"] == box["id"]
    assert Document.objects.filter(kind="pack").count() == 1
    assert_error(api(w.outsider).post(f"/drop-offs/{drop_off['id']}/pack"), 404, "not_found")
