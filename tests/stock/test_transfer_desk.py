"""The transfer desk: prepare a pick list into another point, send it, receive it there."""

from __future__ import annotations

import pytest

from kamavor.stock import services
from kamavor.stock.models import Document, DocumentLine, Lot, Movement
from kamavor.stock.services import IntakeLine, LotLine
from tests.factories import (
    assert_form_error,
    assert_members_only,
    desk,
    donate,
    ledger,
    lot_of,
    on_hand,
    page_messages,
    text,
)


def prepare(w, item, quantity, *, source=None, destination=None, by=None) -> Document:
    source = source or w.point
    lot = Lot.objects.filter(item=item, point=source).first()
    return services.create_transfer(
        source=source,
        destination=destination or w.warehouse,
        lines=[LotLine(lot, quantity)],
        by=by or w.coordinator,
    )


def sent(w, item, quantity, **kwargs) -> Document:
    transfer = prepare(w, item, quantity, **kwargs)
    return services.send_transfer(transfer=transfer, by=kwargs.get("by") or w.coordinator)


# ---------------------------------------------------------------- the list


def test_it_lists_drafts_transit_incoming_and_received(w, django_assert_max_num_queries):
    donate(w, IntakeLine(w.soap, 50))
    donate(w, IntakeLine(w.soap, 50), point=w.other_point, by=w.outsider)
    drafts = [prepare(w, w.soap, 1) for _ in range(3)]
    going = [sent(w, w.soap, 2) for _ in range(3)]
    coming = [
        sent(w, w.soap, 3, source=w.other_point, destination=w.point, by=w.outsider)
        for _ in range(3)
    ]
    arrived = sent(w, w.soap, 4)
    services.receive_transfer(transfer=arrived, received={}, by=w.coordinator)
    elsewhere = prepare(w, w.soap, 1, source=w.other_point, destination=w.warehouse, by=w.outsider)

    client = desk(w.volunteer)
    with django_assert_max_num_queries(8):
        response = client.get(f"/desk/{w.point.pk}/transfers/")
    assert response.status_code == 200
    context = response.context
    assert [d.pk for d in context["drafts"]] == [d.pk for d in reversed(drafts)]
    assert [d.pk for d in context["in_transit"]] == [d.pk for d in reversed(going)]
    assert [d.pk for d in context["incoming"]] == [d.pk for d in coming]
    assert [d.pk for d in context["received"]] == [arrived.pk]
    assert elsewhere.number not in text(response)
    assert "Goris Relief" in text(response)  # where an incoming transfer comes from
    assert context["in_transit"][0].units == 2
    assert "New transfer" not in text(response)  # a volunteer does not prepare transfers


def test_the_list_is_refused_to_anonymous_outsider_and_partner(w):
    path = f"/desk/{w.point.pk}/transfers/"
    assert_members_only(w, path)
    assert "New transfer" in text(desk(w.coordinator).get(path))


# ---------------------------------------------------------------- preparing


def test_it_prepares_a_transfer_first_expiry_first_out_never_expired(w, travel):
    donate(
        w,
        IntakeLine(w.rice, 3, expiry=w.later(2)),
        IntakeLine(w.rice, 4, expiry=w.later(30)),
        IntakeLine(w.rice, 6, expiry=w.later(90)),
        IntakeLine(w.soap, 10),
    )
    soon, later = w.later(30), w.later(90)
    travel(5)  # the first rice lot has expired: it is never picked
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"

    response = client.get(base, {"q": "рис"})  # one match: chosen at once
    assert response.context["item"] == w.rice
    assert "On hand here, not expired: 10." in text(response)
    assert client.post(base + "add/", {"item": w.rice.pk, "quantity": 7}).status_code == 302
    assert client.post(base + "add/", {"item": w.soap.pk, "quantity": 5}).status_code == 302
    assert client.post(base + "add/", {"item": w.soap.pk, "quantity": 2}).status_code == 302
    response = client.get(base)
    assert response.context["total"] == 14

    response = client.post(base + "create/", {"destination": w.warehouse.pk, "note": "van 2"})
    transfer = Document.objects.get(kind="transfer")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/transfers/{transfer.pk}/"
    assert (transfer.status, transfer.destination, transfer.note) == ("draft", w.warehouse, "van 2")
    picks = [(x.lot.item, x.lot.expiry, x.quantity) for x in transfer.lines.order_by("pk")]
    assert picks == [
        (w.rice, soon, 4),
        (w.rice, later, 3),
        (w.soap, None, 7),  # two lines of one item are picked together
    ]
    assert Movement.objects.filter(document=transfer).count() == 0  # a draft moves nothing
    assert client.get(base).context["lines"] == []  # the cart is empty for the next one


def test_it_picks_the_chosen_size(w):
    donate(w, IntakeLine(w.jacket, 2, size="110"), IntakeLine(w.jacket, 5, size="122"))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    response = client.get(base, {"item": w.jacket.pk})
    assert "122 · 5 on hand" in text(response)
    assert "98 ·" not in text(response)  # only sizes on hand are offered
    response = client.post(base + "add/", {"item": w.jacket.pk, "quantity": 1})
    assert response.context["line_form"].errors["size"]
    response = client.post(base + "add/", {"item": w.jacket.pk, "size": "110", "quantity": 3})
    assert "Only 2 on hand here" in text(response)
    client.post(base + "add/", {"item": w.jacket.pk, "size": "122", "quantity": 3})
    client.post(base + "create/", {"destination": w.other_point.pk})
    line = DocumentLine.objects.get(document__kind="transfer")
    assert (line.lot.size, line.quantity) == ("122", 3)
    assert line.document.destination == w.other_point  # any organisation's point


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        ("0", "greater than or equal to 1"),
        ("-3", "greater than or equal to 1"),
        ("1000001", "less than or equal to 1000000"),
        ("ten", "Enter a whole number"),
        ("", "This field is required"),
        ("11", "Only 10 on hand here that have not expired."),
    ],
)
def test_it_refuses_a_bad_line(w, quantity, error):
    donate(w, IntakeLine(w.soap, 10))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    response = client.post(base + "add/", {"item": w.soap.pk, "quantity": quantity})
    assert_form_error(response, error)
    assert client.get(base).context["lines"] == []


def test_it_counts_the_lines_already_in_the_cart(w):
    donate(w, IntakeLine(w.soap, 10))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    client.post(base + "add/", {"item": w.soap.pk, "quantity": 8})
    response = client.post(base + "add/", {"item": w.soap.pk, "quantity": 3})
    assert "8 are already on this transfer" in text(response)
    assert client.get(base).context["total"] == 8


def test_it_creates_nothing_when_the_stock_has_run_short(w):
    donate(w, IntakeLine(w.soap, 10), IntakeLine(w.rice, 5, expiry=w.later(60)))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    client.post(base + "add/", {"item": w.soap.pk, "quantity": 8})
    client.post(base + "add/", {"item": w.rice.pk, "quantity": 5})
    services.dispose(
        point=w.point, lines=[LotLine(lot_of(w, w.soap), 6)], by=w.coordinator, reason="wet"
    )
    before = ledger()
    response = client.post(base + "create/", {"destination": w.warehouse.pk})
    assert response.status_code == 200
    assert page_messages(response) == [
        "Not enough stock here: nothing was prepared.",
        "Soap bar: 8 asked, 4 on hand that have not expired.",
    ]
    assert ledger() == before
    assert client.get(base).context["total"] == 13  # the cart is kept, to fix and retry


def test_it_asks_for_a_destination_and_a_line(w):
    donate(w, IntakeLine(w.soap, 10))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    response = client.post(base + "create/", {"destination": w.warehouse.pk})
    assert page_messages(response) == ["Add at least one line."]
    client.post(base + "add/", {"item": w.soap.pk, "quantity": 1})
    response = client.post(base + "create/", {"destination": ""})
    assert "Choose where the goods go." in text(response)
    response = client.post(base + "create/", {"destination": w.point.pk})  # not to itself
    assert response.context["create_form"].errors["destination"]
    assert not Document.objects.filter(kind="transfer").exists()


def test_a_retried_create_returns_the_first_transfer(w):
    donate(w, IntakeLine(w.soap, 10))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    client.post(base + "add/", {"item": w.soap.pk, "quantity": 4})
    key = client.get(base).context["create_form"]["key"].value()
    first = client.post(base + "create/", {"destination": w.warehouse.pk, "key": key})
    again = client.post(base + "create/", {"destination": w.warehouse.pk, "key": key})
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Document.objects.filter(kind="transfer").count() == 1


def test_preparing_is_refused_to_volunteer_partner_outsider_and_anonymous(w):
    donate(w, IntakeLine(w.soap, 10))
    base = f"/desk/{w.point.pk}/transfers/new/"
    for method, path, data in [
        ("get", base, {}),
        ("post", base + "add/", {"item": w.soap.pk, "quantity": 1}),
        ("post", base + "remove/0/", {}),
        ("post", base + "clear/", {}),
        ("post", base + "create/", {"destination": w.warehouse.pk}),
    ]:
        assert getattr(desk(w.volunteer), method)(path, data).status_code == 403, path
        assert getattr(desk(w.partner), method)(path, data).status_code == 403, path
        assert getattr(desk(w.outsider), method)(path, data).status_code == 404, path
        assert getattr(desk(), method)(path, data).status_code == 302, path
    assert not Document.objects.filter(kind="transfer").exists()


def test_it_removes_and_clears_lines(w):
    donate(w, IntakeLine(w.soap, 10), IntakeLine(w.rice, 5, expiry=w.later(60)))
    client = desk(w.coordinator)
    base = f"/desk/{w.point.pk}/transfers/new/"
    client.post(base + "add/", {"item": w.soap.pk, "quantity": 1})
    client.post(base + "add/", {"item": w.rice.pk, "quantity": 2})
    client.post(base + "remove/0/")
    assert [line["item"] for line in client.get(base).context["lines"]] == [w.rice]
    client.post(base + "clear/")
    assert client.get(base).context["lines"] == []


def test_the_search_shows_what_is_on_hand(w):
    donate(w, IntakeLine(w.soap, 10))
    response = desk(w.coordinator).get(f"/desk/{w.point.pk}/transfers/new/", {"q": "o"})
    assert response.status_code == 200
    matches = {m.code: m.on_hand for m in response.context["matches"]}
    assert matches["soap-bar"] == 10
    assert 0 in matches.values()
    assert "none on hand" in text(response)


# ---------------------------------------------------------------- the transfer page


def test_the_pick_list_shows_lots_and_the_coordinator_sends_it(w):
    donate(w, IntakeLine(w.rice, 5, expiry=w.later(40)))
    transfer = prepare(w, w.rice, 3)
    path = f"/desk/transfers/{transfer.pk}/"
    response = desk(w.volunteer).get(path)
    assert response.status_code == 200
    assert "Pick list" in text(response)
    assert w.later(40).strftime("%d.%m.%Y") in text(response)
    assert "Send to" not in text(response)  # a volunteer does not send
    assert f'href="/desk/documents/{transfer.pk}/"' in text(response)

    client = desk(w.coordinator)
    assert "Send to Main warehouse" in text(client.get(path))
    response = client.post(path + "send/", follow=True)
    assert "left stock here" in " ".join(page_messages(response))
    transfer.refresh_from_db()
    assert transfer.status == "sent"
    assert on_hand(w.point, w.rice) == 2
    response = client.post(path + "send/", follow=True)  # a second click changes nothing
    assert on_hand(w.point, w.rice) == 2


def test_it_cancels_a_draft_only(w):
    donate(w, IntakeLine(w.soap, 10))
    draft = prepare(w, w.soap, 3)
    client = desk(w.coordinator)
    response = client.post(f"/desk/transfers/{draft.pk}/cancel/", follow=True)
    assert response.redirect_chain == [(f"/desk/{w.point.pk}/transfers/", 302)]
    assert page_messages(response) == [f"{draft.number} cancelled."]
    draft.refresh_from_db()
    assert draft.status == "cancelled"
    gone = sent(w, w.soap, 2)
    response = client.post(f"/desk/transfers/{gone.pk}/cancel/", follow=True)
    assert page_messages(response) == ["Only a transfer that has not been sent can be cancelled."]
    gone.refresh_from_db()
    assert gone.status == "sent" and on_hand(w.point, w.soap) == 8


def test_sending_fails_clearly_when_the_stock_is_gone(w):
    donate(w, IntakeLine(w.soap, 5))
    draft = prepare(w, w.soap, 5)
    services.dispose(
        point=w.point, lines=[LotLine(lot_of(w, w.soap), 3)], by=w.coordinator, reason="wet"
    )
    before = ledger()
    response = desk(w.coordinator).post(f"/desk/transfers/{draft.pk}/send/", follow=True)
    assert "Not enough stock of Soap bar: 2 on hand, 5 needed." in page_messages(response)
    assert ledger() == before
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_volunteer_and_a_partner_may_not_send_or_cancel(w):
    donate(w, IntakeLine(w.soap, 10))
    draft = prepare(w, w.soap, 3)
    for user, status in [(w.volunteer, 403), (w.partner, 403), (w.outsider, 404)]:
        for action in ("send", "cancel"):
            assert desk(user).post(f"/desk/transfers/{draft.pk}/{action}/").status_code == status
    assert desk().post(f"/desk/transfers/{draft.pk}/send/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_page_is_refused_outside_and_is_only_for_transfers(w):
    donation = donate(w, IntakeLine(w.soap, 10))
    transfer = prepare(w, w.soap, 3)
    path = f"/desk/transfers/{transfer.pk}/"
    assert desk().get(path).status_code == 302
    assert desk(w.outsider).get(path).status_code == 404
    assert desk(w.partner).get(path).status_code == 403
    assert desk(w.coordinator).get(f"/desk/transfers/{donation.pk}/").status_code == 404
    assert desk(w.coordinator).get("/desk/transfers/999999/").status_code == 404


# ---------------------------------------------------------------- receiving


def test_the_destination_receives_with_differences(w):
    donate(w, IntakeLine(w.soap, 10), IntakeLine(w.rice, 6, expiry=w.later(50)))
    transfer = services.create_transfer(
        source=w.point,
        destination=w.other_point,
        lines=[LotLine(lot_of(w, w.soap), 4), LotLine(lot_of(w, w.rice), 6)],
        by=w.coordinator,
    )
    services.send_transfer(transfer=transfer, by=w.coordinator)
    soap_line, rice_line = transfer.lines.order_by("pk")
    path = f"/desk/transfers/{transfer.pk}/"

    assert "receive-form" not in text(desk(w.coordinator).get(path))  # the source does not
    client = desk(w.outsider)  # a coordinator of the destination's organisation
    response = client.get(path)
    form = response.context["receive_form"]
    assert form[f"line_{soap_line.pk}"].value() == 4  # pre-filled with what was sent
    assert response.context["point"] == w.other_point  # its own desk tabs
    response = client.post(
        path + "receive/",
        {
            "key": form["key"].value(),
            f"line_{soap_line.pk}": "4",
            f"line_{rice_line.pk}": "5",
            "note": "one bag torn",
        },
        follow=True,
    )
    assert page_messages(response) == [
        f"{transfer.number} received: 9 of 10 units; the differences are recorded."
    ]
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_by) == ("received", w.outsider)
    assert on_hand(w.other_point, w.soap) == 4 and on_hand(w.other_point, w.rice) == 5
    assert lot_of(w, w.rice, point=w.other_point).expiry == w.later(50)
    assert [x.difference for x in response.context["lines"]] == [0, -1]
    assert "1 line differs" in text(response)


def test_a_volunteer_at_the_destination_receives_in_full(w):
    donate(w, IntakeLine(w.soap, 10))
    transfer = sent(w, w.soap, 7)
    client = desk(w.volunteer)
    form = client.get(f"/desk/transfers/{transfer.pk}/").context["receive_form"]
    data = {name: form[name].value() for name in form.fields if name != "note"}
    response = client.post(f"/desk/transfers/{transfer.pk}/receive/", data, follow=True)
    assert page_messages(response) == [f"{transfer.number} received: all 7 units arrived."]
    assert on_hand(w.warehouse, w.soap) == 7


def test_receiving_twice_is_refused(w):
    donate(w, IntakeLine(w.soap, 10))
    transfer = sent(w, w.soap, 7)
    line = transfer.lines.get()
    path = f"/desk/transfers/{transfer.pk}/receive/"
    client = desk(w.coordinator)
    client.post(path, {"key": "first", f"line_{line.pk}": "7"}, follow=True)
    before = ledger()
    response = client.post(path, {"key": "second", f"line_{line.pk}": "7"}, follow=True)
    assert page_messages(response) == ["This transfer is not in transit any more."]
    response = client.post(path, {"key": "first", f"line_{line.pk}": "7"}, follow=True)
    assert page_messages(response) == [f"{transfer.number} received: all 7 units arrived."]
    response = client.post(path, {"key": "third", f"line_{line.pk}": "-1"}, follow=True)
    assert page_messages(response) == ["This transfer is not in transit any more."]
    assert ledger() == before
    assert on_hand(w.warehouse, w.soap) == 7


@pytest.mark.parametrize(
    ("received", "error"),
    [
        ("-1", "The quantity cannot be negative."),
        ("eight", "Type a whole number."),
        ("", "Type what arrived (0 if nothing)."),
        ("8", "More than was sent (7). Take extra goods in as a donation."),
        ("99999999", "More than was sent (7)."),
    ],
)
def test_it_refuses_a_bad_received_quantity(w, received, error):
    donate(w, IntakeLine(w.soap, 10))
    transfer = sent(w, w.soap, 7)
    line = transfer.lines.get()
    before = ledger()
    response = desk(w.coordinator).post(
        f"/desk/transfers/{transfer.pk}/receive/", {"key": "k", f"line_{line.pk}": received}
    )
    assert_form_error(response, error)
    assert ledger() == before
    transfer.refresh_from_db()
    assert transfer.status == "sent"


def test_receiving_is_refused_to_the_source_and_outsiders(w):
    donate(w, IntakeLine(w.soap, 10))
    transfer = sent(w, w.soap, 7, destination=w.other_point)
    line = transfer.lines.get()
    path = f"/desk/transfers/{transfer.pk}/receive/"
    data = {"key": "k", f"line_{line.pk}": "7"}
    assert desk(w.volunteer).post(path, data).status_code == 403  # source, not destination
    assert desk(w.partner).post(path, data).status_code == 403
    assert desk().post(path, data).status_code == 302
    other = sent(w, w.soap, 1)  # to our own warehouse: nothing of the outsider's
    assert desk(w.outsider).post(f"/desk/transfers/{other.pk}/receive/", data).status_code == 404
    assert Document.objects.filter(status="received").count() == 0
