"""A write is answered from what it wrote (JSON built directly), a read from what is stored
(through DocumentOut): the two must be the same answer, field for field."""

from __future__ import annotations

from kamavor.stock.api_schemas import DocumentOut
from kamavor.stock.models import Lot


def test_a_donation_is_answered_as_it_is_then_read(w, api):
    client = api(w.coordinator)
    body = {
        "point": w.point.pk,
        "donor": "Anna",
        "note": "two bags",
        "lines": [
            {"item": w.soap.pk, "quantity": 3},
            {"item": w.rice.pk, "quantity": 2, "expiry": "2031-05-01"},
        ],
    }
    posted = client.post("/donations", body, key="w1")
    assert posted.status_code == 201 and posted["Content-Type"] == "application/json; charset=utf-8"
    answer = posted.json()
    assert list(answer) == list(DocumentOut.model_fields)
    assert list(answer["lines"][0]) == list(
        DocumentOut.model_fields["lines"].annotation.__args__[0].model_fields
    )
    assert answer == client.get(f"/donations/{answer['id']}").json()


def test_a_purchase_with_costs_is_answered_as_it_is_then_read(w, api):
    client = api(w.coordinator)
    body = {
        "point": w.point.pk,
        "supplier": "Market",
        "currency": "AMD",
        "lines": [{"item": w.soap.pk, "quantity": 4, "unit_cost": "12.50"}],
    }
    answer = client.post("/purchases", body, key="w2").json()
    assert answer["lines"][0]["unit_cost"] == "12.50"
    assert answer == client.get(f"/purchases/{answer['id']}").json()


def test_a_transfer_sent_and_received_is_answered_as_it_is_then_read(w, api):
    client = api(w.coordinator)
    client.post("/donations", {"point": w.point.pk, "lines": [{"item": w.soap.pk, "quantity": 9}]})
    lot = Lot.objects.get(point=w.point, item=w.soap)
    body = {
        "source": w.point.pk,
        "destination": w.warehouse.pk,
        "lines": [{"lot": lot.pk, "quantity": 4}],
    }
    draft = client.post("/transfers", body, key="w3").json()
    sent = client.post(f"/transfers/{draft['id']}/send", key="w3-send")
    assert sent.status_code == 200
    assert sent.json() == client.get(f"/transfers/{draft['id']}").json()
    line = draft["lines"][0]["id"]
    received = client.post(
        f"/transfers/{draft['id']}/receive",
        {"lines": [{"line": line, "received_quantity": 3}]},
        key="w3-receive",
    )
    assert received.status_code == 200 and received.json()["status"] == "received"
    assert received.json() == client.get(f"/transfers/{draft['id']}").json()
