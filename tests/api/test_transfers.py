"""Transfers over the API: a draft, sent, received at the destination (maybe another
organisation's), or cancelled; seen by both ends."""

from __future__ import annotations

from kamavor.network.models import Member
from kamavor.stock.models import Document, Movement
from kamavor.stock.services import IntakeLine
from tests.api.conftest import assert_error
from tests.factories import donate, ledger, lot_of, make_member, make_org, make_point, on_hand


def stocked(w):
    donate(w, IntakeLine(w.soap, 10), IntakeLine(w.rice, 5, expiry=w.later(40)))
    return lot_of(w, w.soap), lot_of(w, w.rice)


def transfer(w, soap, rice=None, destination=None, **fields) -> dict:
    lines = [{"lot": soap.pk, "quantity": 6}]
    if rice is not None:
        lines.append({"lot": rice.pk, "quantity": 5})
    return {
        "source": w.point.pk,
        "destination": (destination or w.warehouse).pk,
        "lines": lines,
        **fields,
    }


def drafted(w, api, **kwargs) -> dict:
    soap, rice = stocked(w)
    response = api(w.coordinator).post("/transfers", transfer(w, soap, rice, **kwargs))
    assert response.status_code == 201, response.content
    return response.json()


def test_a_transfer_is_drafted_sent_and_received_with_differences(w, api):
    draft = drafted(w, api, note="van 2")
    assert (draft["status"], draft["destination"], draft["note"]) == (
        "draft",
        w.warehouse.pk,
        "van 2",
    )
    assert on_hand(w.point, w.soap) == 10  # a draft moves nothing
    sent = api(w.coordinator).post(f"/transfers/{draft['id']}/send")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert on_hand(w.point, w.soap) == 4 and on_hand(w.point, w.rice) == 0
    soap_line = next(line for line in draft["lines"] if line["item"] == w.soap.pk)
    received = api(w.volunteer).post(
        f"/transfers/{draft['id']}/receive",
        {"lines": [{"line": soap_line["id"], "received_quantity": 5}], "note": "one torn"},
    )
    assert received.status_code == 200, received.content
    body = received.json()
    assert (body["status"], body["received_by"]) == ("received", "lilit-volunteer")
    assert {
        (line["item"], line["quantity"], line["received_quantity"]) for line in body["lines"]
    } == {
        (w.soap.pk, 6, 5),
        (w.rice.pk, 5, 5),
    }
    assert on_hand(w.warehouse, w.soap) == 5 and on_hand(w.warehouse, w.rice) == 5
    assert_error(api(w.volunteer).post(f"/transfers/{draft['id']}/receive"), 409, "conflict")


def test_a_transfer_to_another_organisation_is_seen_and_received_there(w, api):
    draft = drafted(w, api, destination=w.other_point)
    path = f"/transfers/{draft['id']}"
    api(w.coordinator).post(f"{path}/send")
    assert api(w.outsider).get(path).json()["status"] == "sent"
    assert [t["id"] for t in api(w.outsider).get("/transfers").json()] == [draft["id"]]
    incoming = api(w.outsider).get("/transfers", point=w.other_point.pk, status="sent").json()
    assert [t["id"] for t in incoming] == [draft["id"]]
    # The receiving end may not send or cancel the sender's transfer.
    assert_error(api(w.outsider).post(f"{path}/cancel"), 403, "forbidden")
    # The sender's volunteers cannot receive at a point that is not theirs.
    assert_error(api(w.volunteer).post(f"{path}/receive"), 403, "forbidden")
    assert api(w.outsider).post(f"{path}/receive").status_code == 200
    assert on_hand(w.other_point, w.soap) == 6
    # A third organisation sees none of it.
    stranger = make_member(make_org("Third relief"), "third-coordinator", Member.Role.COORDINATOR)
    assert_error(api(stranger).get(path), 404, "not_found")


def test_a_transfer_is_a_coordinators_call(w, api):
    soap, _ = stocked(w)
    before = ledger()
    body = transfer(w, soap)
    assert_error(api(w.volunteer).post("/transfers", body), 403, "forbidden")
    assert_error(api(w.partner).post("/transfers", body), 403, "forbidden")
    assert_error(api(w.outsider).post("/transfers", body), 400, "unknown_point")
    assert_error(api().post("/transfers", body), 401, "unauthenticated")
    draft = api(w.coordinator).post("/transfers", body).json()
    for action in ("send", "cancel"):
        assert_error(api(w.volunteer).post(f"/transfers/{draft['id']}/{action}"), 403, "forbidden")
        assert_error(api(w.partner).post(f"/transfers/{draft['id']}/{action}"), 403, "forbidden")
        assert_error(api(w.outsider).post(f"/transfers/{draft['id']}/{action}"), 404, "not_found")
        assert_error(api().post(f"/transfers/{draft['id']}/{action}"), 401, "unauthenticated")
    assert Movement.objects.count() == before[1]
    assert Document.objects.get(pk=draft["id"]).status == "draft"


def test_receiving_is_refused_to_partners_and_outsiders(w, api):
    draft = drafted(w, api)
    api(w.coordinator).post(f"/transfers/{draft['id']}/send")
    before = ledger()
    assert_error(api(w.partner).post(f"/transfers/{draft['id']}/receive"), 403, "forbidden")
    assert_error(api(w.outsider).post(f"/transfers/{draft['id']}/receive"), 404, "not_found")
    assert ledger() == before


def test_a_draft_is_cancelled_once_and_a_sent_transfer_not_at_all(w, api):
    draft = drafted(w, api)
    client = api(w.coordinator)
    cancelled = client.post(f"/transfers/{draft['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(client.post(f"/transfers/{draft['id']}/cancel"), 409, "conflict")
    assert_error(client.post(f"/transfers/{draft['id']}/send"), 409, "conflict")
    other = client.post("/transfers", transfer(w, lot_of(w, w.soap))).json()
    client.post(f"/transfers/{other['id']}/send")
    assert_error(client.post(f"/transfers/{other['id']}/cancel"), 409, "conflict")


def test_sending_is_idempotent_with_a_key(w, api):
    draft = drafted(w, api)
    client = api(w.coordinator)
    first = client.post(f"/transfers/{draft['id']}/send", key="send-1")
    again = client.post(f"/transfers/{draft['id']}/send", key="send-1")
    assert first.status_code == again.status_code == 200
    assert Movement.objects.filter(document_id=draft["id"]).count() == 2
    assert on_hand(w.point, w.soap) == 4


def test_a_transfer_cannot_send_more_than_the_lot_holds(w, api):
    soap, _ = stocked(w)
    body = transfer(w, soap)
    body["lines"][0]["quantity"] = 11
    draft = api(w.coordinator).post("/transfers", body).json()
    before = ledger()
    assert_error(api(w.coordinator).post(f"/transfers/{draft['id']}/send"), 409, "not_enough_stock")
    assert ledger() == before and on_hand(w.point, w.soap) == 10


def test_a_transfer_refuses_lots_and_points_it_cannot_use(w, api):
    soap, _ = stocked(w)
    donate(w, IntakeLine(w.soap, 3), point=w.other_point, by=w.outsider)
    foreign = lot_of(w, w.soap, point=w.other_point)
    donate(w, IntakeLine(w.soap, 3), point=w.warehouse)
    elsewhere = lot_of(w, w.soap, point=w.warehouse)
    closed = make_point(w.org, "Closed depot")
    closed.active = False
    closed.save(update_fields=["active"])
    client = api(w.coordinator)
    before = ledger()
    cases = [
        (transfer(w, foreign), 400, "unknown_lot"),
        ({**transfer(w, soap), "lines": [{"lot": 987654, "quantity": 1}]}, 400, "unknown_lot"),
        (transfer(w, elsewhere), 400, "unknown_lot"),  # a lot of another point of ours
        (transfer(w, soap, destination=closed), 400, "unknown_point"),
        ({**transfer(w, soap), "destination": 987654}, 400, "unknown_point"),
        (transfer(w, soap, destination=w.point), 400, "invalid"),
        ({**transfer(w, soap), "source": w.other_point.pk}, 400, "unknown_point"),
        ({**transfer(w, soap), "lines": []}, 400, "no_lines"),
    ]
    for body, status, code in cases:
        assert_error(client.post("/transfers", body), status, code)
    assert ledger() == before


def test_receiving_refuses_bad_lines(w, api):
    draft = drafted(w, api)
    api(w.coordinator).post(f"/transfers/{draft['id']}/send")
    line = draft["lines"][0]["id"]
    path = f"/transfers/{draft['id']}/receive"
    before = ledger()
    cases = [
        ({"lines": [{"line": 987654, "received_quantity": 1}]}, 400, "invalid"),
        ({"lines": [{"line": line, "received_quantity": -1}]}, 400, "invalid"),
        ({"lines": [{"line": line, "received_quantity": 10**7}]}, 400, "invalid"),
        ({"lines": [{"line": line, "received_quantity": "1"}]}, 422, "invalid"),
        ({"lines": [{"line": line, "received_quantity": 1.5}]}, 422, "invalid"),
        ({"lines": [{"line": line, "received_quantity": 1}] * 2}, 400, "invalid"),
    ]
    for body, status, code in cases:
        assert_error(api(w.volunteer).post(path, body), status, code)
    assert ledger() == before
    assert Document.objects.get(pk=draft["id"]).status == "sent"


def test_the_transfer_list_filters_by_point_and_status(w, api):
    first = drafted(w, api)
    second = (
        api(w.coordinator)
        .post("/transfers", transfer(w, lot_of(w, w.soap), destination=w.other_point))
        .json()
    )
    api(w.coordinator).post(f"/transfers/{first['id']}/send")
    client = api(w.volunteer)
    assert [t["id"] for t in client.get("/transfers").json()] == [second["id"], first["id"]]
    assert [t["id"] for t in client.get("/transfers", status="sent").json()] == [first["id"]]
    assert [t["id"] for t in client.get("/transfers", point=w.warehouse.pk).json()] == [first["id"]]
    assert_error(client.get("/transfers", status="lost"), 422, "invalid")
    assert_error(client.get("/transfers", point=w.other_point.pk), 404, "not_found")
    assert api(w.partner).get("/transfers").json() == []
    assert_error(api().get("/transfers"), 401, "unauthenticated")


def test_one_transfer_is_shown_to_both_ends_only(w, api):
    draft = drafted(w, api)
    path = f"/transfers/{draft['id']}"
    assert api(w.volunteer).get(path).json()["id"] == draft["id"]
    assert_error(api(w.outsider).get(path), 404, "not_found")
    assert_error(api(w.partner).get(path), 403, "forbidden")
    assert_error(api().get(path), 401, "unauthenticated")
    donation = donate(w, IntakeLine(w.soap, 1))
    assert_error(api(w.volunteer).get(f"/transfers/{donation.pk}"), 404, "not_found")


def test_the_transfer_list_takes_a_fixed_number_of_queries(w, api, django_assert_max_num_queries):
    soap, rice = stocked(w)
    client = api(w.coordinator)
    for _ in range(8):
        body = transfer(w, soap, rice)
        body["lines"] = [{"lot": soap.pk, "quantity": 1}, {"lot": rice.pk, "quantity": 1}]
        assert client.post("/transfers", body).status_code == 201
    with django_assert_max_num_queries(6):
        assert len(client.get("/transfers").json()) == 8


def test_retried_transfer_steps_answer_what_the_first_answered(w, api):
    """Send and receive answer from what was written; their retries from what is stored."""
    donate(w, IntakeLine(w.soap, 10))
    client = api(w.coordinator)
    lines = [{"lot": lot_of(w, w.soap).pk, "quantity": 6}]
    body = {"source": w.point.pk, "destination": w.warehouse.pk, "lines": lines}
    transfer = client.post("/transfers", body, key="t").json()
    sent = client.post(f"/transfers/{transfer['id']}/send", key="s")
    assert sent.json() == client.post(f"/transfers/{transfer['id']}/send", key="s").json()
    line = transfer["lines"][0]["id"]
    receipt = {"lines": [{"line": line, "received_quantity": 5}], "note": "one torn"}
    received = client.post(f"/transfers/{transfer['id']}/receive", receipt, key="r")
    again = client.post(f"/transfers/{transfer['id']}/receive", receipt, key="r")
    assert received.status_code == again.status_code == 200
    assert received.json() == again.json()
    assert received.json()["lines"][0]["received_quantity"] == 5
