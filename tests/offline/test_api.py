"""The offline endpoints of the API: the sync feeds and the outbox, with a token."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from kamavor.offline.models import HeldWrite
from kamavor.stock.models import Document
from tests.distribution.factories import make_household, stock_up
from tests.factories import on_hand

pytestmark = pytest.mark.django_db


def api(w, user):
    return Client(headers={"Authorization": f"Bearer {w.token(user)}", "Accept-Language": "en"})


def test_it_sends_a_write_once_and_holds_a_conflict(w):
    stock_up(w, w.soap, 3)
    household = make_household(w)
    client, key = api(w, w.volunteer), uuid.uuid4().hex
    url = f"/api/v1/points/{w.point.pk}/outbox"
    body = {
        "kind": "distribution",
        "payload": {"household": household.code, "lines": [{"item": w.soap.pk, "quantity": 2}]},
    }
    first = client.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": key}
    )
    again = client.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": key}
    )
    assert first.status_code == 200 and first.json()["state"] == "posted"
    assert again.json() == first.json()
    assert on_hand(w.point, w.soap) == 1
    other = {**body, "payload": {**body["payload"], "note": "", "household": household.code}}
    held = client.post(
        url, other, content_type="application/json", headers={"Idempotency-Key": "second"}
    )
    assert held.json()["state"] == "held"
    assert HeldWrite.objects.get().error_code == "repeat_needs_reason"
    assert Document.objects.filter(kind="distribution").count() == 1


def test_it_needs_a_key_a_token_and_the_right_point(w):
    url = f"/api/v1/points/{w.point.pk}/outbox"
    body = {"kind": "donation", "payload": {"lines": [{"item": w.soap.pk, "quantity": 1}]}}
    assert api(w, w.volunteer).post(url, body, content_type="application/json").status_code == 422
    assert Client().post(url, body, content_type="application/json").status_code == 401
    response = api(w, w.outsider).post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 404
    response = api(w, w.partner).post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_the_feeds_page_and_refuse_a_bad_cursor(w):
    stock_up(w, w.soap, 3)
    make_household(w)
    client = api(w, w.volunteer)
    for feed in ("catalogue", "lots", "households"):
        response = client.get(f"/api/v1/points/{w.point.pk}/changes/{feed}", {"limit": 1})
        assert response.status_code == 200
        assert len(response.json()["rows"]) == 1
    response = client.get(f"/api/v1/points/{w.point.pk}/changes/lots", {"since": "soon"})
    assert response.status_code == 400
    partner = api(w, w.partner).get(f"/api/v1/points/{w.point.pk}/changes/lots")
    assert partner.status_code == 403
