"""Hand-outs count against the household's open requests, in the same transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.core.errors import Conflict, NotEnoughStock
from kamavor.distribution import deliveries
from kamavor.distribution.models import Fulfilment
from kamavor.distribution.services import record_distribution
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn, cancel_request, create_request
from kamavor.stock.services import LotLine, reverse_document
from tests.distribution.factories import make_household, make_shelter, shelter_request, stock_up
from tests.factories import desk, on_hand, text


def ask(w, household, *lines, urgency="normal"):
    return create_request(by=w.volunteer, household=household, lines=list(lines), urgency=urgency)


def serve(w, household, *lines, key="visit", note="the rest of the request"):
    """A hand-out; the note is the reason a repeat within the period needs."""
    return record_distribution(
        point=w.point,
        household=household,
        lines=list(lines),
        by=w.volunteer,
        note=note,
        idempotency_key=key,
    )


def states(*requests):
    return [Request.objects.get(pk=r.pk).state for r in requests]


def test_it_fulfils_a_request_for_the_item(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=4, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 3))
    line = request.lines.get()
    line.refresh_from_db()
    assert line.fulfilled_quantity == 3
    assert states(request) == ["partly_fulfilled"]
    serve(w, household, LotLine(soap, 5), key="second")
    line.refresh_from_db()
    assert line.fulfilled_quantity == 4  # never counted beyond what was asked
    assert states(request) == ["fulfilled"]
    assert sum(Fulfilment.objects.values_list("quantity", flat=True)) == 4


def test_it_fulfils_a_category_after_item_lines_and_the_most_urgent_first(w):
    household = make_household(w)
    low = ask(w, household, LineIn(quantity=2, item=w.soap), urgency="low")
    urgent = ask(
        w,
        household,
        LineIn(quantity=1, item=w.soap),
        LineIn(quantity=5, category=w.soap.category),
        urgency="critical",
    )
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 4))
    got = {
        (f.request_line.request_id, f.request_line.item_id): f.quantity
        for f in Fulfilment.objects.select_related("request_line")
    }
    # Item lines first (most urgent first), then the category line.
    assert got == {(urgent.pk, w.soap.pk): 1, (low.pk, w.soap.pk): 2, (urgent.pk, None): 1}
    assert states(low, urgent) == ["fulfilled", "partly_fulfilled"]


def test_it_leaves_other_items_closed_requests_and_other_sizes_alone(w):
    household = make_household(w)
    rice = ask(w, household, LineIn(quantity=2, item=w.rice))
    jacket = ask(w, household, LineIn(quantity=1, item=w.jacket, size="110"))
    cancelled = ask(w, household, LineIn(quantity=2, item=w.soap))
    cancel_request(request=cancelled, by=w.volunteer)
    soap = stock_up(w, w.soap, 10)
    small = stock_up(w, w.jacket, 3, size="98")
    serve(w, household, LotLine(soap, 2), LotLine(small, 1))
    assert states(rice, jacket, cancelled) == ["open", "open", "cancelled"]
    assert not Fulfilment.objects.exists()


def test_a_refused_distribution_fulfils_nothing(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap))
    soap = stock_up(w, w.soap, 1)
    with pytest.raises(NotEnoughStock):
        serve(w, household, LotLine(soap, 2))
    assert states(request) == ["open"] and not Fulfilment.objects.exists()


def test_a_repeated_key_fulfils_once(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=5, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    serve(w, household, LotLine(soap, 2), key="same")
    serve(w, household, LotLine(soap, 2), key="same")
    assert request.lines.get().fulfilled_quantity == 2


def test_the_desk_shows_which_request_a_line_meets(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    client = desk(w.volunteer)
    client.get(f"/desk/{w.point.pk}/distribution/{household.code}/")
    session = client.session
    key = f"cart:distribution:{w.point.pk}"
    session[key] = {**session[key], "lines": [{"item": w.soap.pk, "size": "", "quantity": 2}]}
    session.save()
    page = client.get(f"/desk/{w.point.pk}/distribution/{household.code}/")
    assert f"meets request #{request.pk} (2)" in text(page)
    document = serve(w, household, LotLine(soap, 2))
    receipt = client.get(f"/desk/{w.point.pk}/distribution/receipts/{document.pk}/")
    assert f"2 for request #{request.pk} (fulfilled)" in text(receipt)


# ---------------------------------------------------------------- reversal


def fulfilled(request):
    return list(request.lines.order_by("pk").values_list("fulfilled_quantity", flat=True))


def test_reversing_a_distribution_reopens_what_it_fulfilled(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    document = serve(w, household, LotLine(soap, 2))
    assert states(request) == ["fulfilled"] and fulfilled(request) == [2]
    reverse_document(document=document, by=w.coordinator, reason="wrong household")
    assert states(request) == ["open"] and fulfilled(request) == [0]
    with pytest.raises(Conflict):
        reverse_document(document=document, by=w.coordinator)
    assert states(request) == ["open"] and fulfilled(request) == [0]
    # What was taken back is wanted again: the next hand-out meets it.
    serve(w, household, LotLine(soap, 2), key="again")
    assert states(request) == ["fulfilled"] and fulfilled(request) == [2]


def test_reversing_one_of_two_hand_outs_leaves_the_request_partly_fulfilled(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=5, item=w.soap), LineIn(quantity=1, item=w.rice))
    soap = stock_up(w, w.soap, 10)
    rice = stock_up(w, w.rice, 10)
    serve(w, household, LotLine(soap, 3), key="one")
    second = serve(w, household, LotLine(soap, 2), LotLine(rice, 1), key="two")
    assert states(request) == ["fulfilled"]
    reverse_document(document=second, by=w.volunteer, reason="typo")  # their own mistake
    assert states(request) == ["partly_fulfilled"] and fulfilled(request) == [3, 0]


def test_reversing_through_the_api_takes_back_the_count(w, api):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=4, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    document = serve(w, household, LotLine(soap, 3))
    response = api(w.coordinator).post(
        f"/documents/{document.pk}/reverse", {"reason": "counted twice"}
    )
    assert response.status_code == 201, response.content
    assert states(request) == ["open"] and fulfilled(request) == [0]


def test_a_cancelled_request_stays_cancelled_when_its_hand_out_is_reversed(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=4, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    document = serve(w, household, LotLine(soap, 1))
    cancel_request(request=request, by=w.volunteer)
    reverse_document(document=document, by=w.coordinator)
    assert states(request) == ["cancelled"] and fulfilled(request) == [0]


def test_reversing_a_refused_reversal_changes_no_request(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap))
    soap = stock_up(w, w.soap, 10)
    document = serve(w, household, LotLine(soap, 2))
    with pytest.raises(PermissionDenied):
        reverse_document(document=document, by=w.outsider)
    assert states(request) == ["fulfilled"] and fulfilled(request) == [2]


def test_reversing_a_sent_delivery_reopens_the_shelter_request(w):
    shelter = make_shelter(w.org)
    request = shelter_request(w, shelter, LineIn(quantity=6, item=w.rice))
    rice = stock_up(w, w.rice, 4)
    first = deliveries.prepare_delivery(
        request=request, point=w.point, by=w.coordinator, idempotency_key="a"
    )
    deliveries.send_delivery(delivery=first, by=w.coordinator)
    stock_up(w, w.rice, 10, expiry=rice.expiry)
    second = deliveries.prepare_delivery(
        request=request, point=w.point, by=w.coordinator, idempotency_key="b"
    )
    assert states(request) == ["planned"]
    reverse_document(document=first, by=w.coordinator, reason="van broke down")
    assert states(request) == ["planned"]  # the second delivery is still packed for it
    deliveries.send_delivery(delivery=second, by=w.coordinator)
    reverse_document(document=second, by=w.coordinator, reason="wrong shelter")
    assert states(request) == ["open"] and fulfilled(request) == [0]
    assert on_hand(w.point, w.rice) == 14


def test_reversing_a_received_delivery_takes_back_what_arrived(w):
    shelter = make_shelter(w.org)
    request = shelter_request(
        w, shelter, LineIn(quantity=4, item=w.rice), LineIn(quantity=2, item=w.soap)
    )
    stock_up(w, w.rice, 10)
    stock_up(w, w.soap, 10)
    delivery = deliveries.prepare_delivery(request=request, point=w.point, by=w.coordinator)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner)
    assert states(request) == ["fulfilled"] and fulfilled(request) == [4, 2]
    reverse_document(document=delivery, by=w.coordinator, reason="sent to the wrong shelter")
    assert states(request) == ["open"] and fulfilled(request) == [0, 0]
    assert deliveries.still_wanted(Request.objects.get(pk=request.pk)) == {
        line.pk: line.quantity for line in request.lines.all()
    }


def test_a_delivery_confirmed_after_its_request_closed_takes_back_nothing(w):
    shelter = make_shelter(w.org)
    request = shelter_request(w, shelter, LineIn(quantity=4, item=w.rice))
    stock_up(w, w.rice, 10)
    delivery = deliveries.prepare_delivery(request=request, point=w.point, by=w.coordinator)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    cancel_request(request=request, by=w.partner)
    deliveries.confirm_delivery(delivery=delivery, received=None, by=w.partner)
    assert fulfilled(request) == [0]
    assert list(Fulfilment.objects.values_list("quantity", flat=True)) == [0]
    reverse_document(document=delivery, by=w.coordinator)
    assert states(request) == ["cancelled"] and fulfilled(request) == [0]


def test_reversing_one_line_of_a_hand_out_takes_back_only_its_count(w):
    household = make_household(w)
    request = ask(w, household, LineIn(quantity=2, item=w.soap), LineIn(quantity=1, item=w.rice))
    soap = stock_up(w, w.soap, 10)
    rice = stock_up(w, w.rice, 10)
    document = serve(w, household, LotLine(soap, 2), LotLine(rice, 1), key="one")
    assert states(request) == ["fulfilled"]
    wrong = document.lines.get(item=w.rice)
    reverse_document(document=document, by=w.coordinator, reason="no rice given", line=wrong)
    assert fulfilled(request) == [2, 0] and states(request) == ["partly_fulfilled"]
    reverse_document(document=document, by=w.coordinator, reason="none of it")
    assert fulfilled(request) == [0, 0]  # the soap now; the rice is not taken back twice


def test_it_fulfils_the_open_request_of_a_household_merged_into_the_one_served(w):
    from kamavor.households.services import merge_households

    survivor, duplicate = make_household(w), make_household(w)
    request = ask(w, duplicate, LineIn(quantity=2, item=w.soap))
    merge_households(keep=survivor, merge=duplicate, by=w.coordinator)
    soap = stock_up(w, w.soap, 10)
    serve(w, survivor, LotLine(soap, 2))
    assert states(request) == ["fulfilled"]


def test_a_household_with_no_open_request_fulfils_nothing(w):
    household, other = make_household(w), make_household(w)
    request = ask(w, other, LineIn(quantity=2, item=w.soap))
    serve(w, household, LotLine(stock_up(w, w.soap, 10), 2))
    assert states(request) == ["open"] and not Fulfilment.objects.exists()
