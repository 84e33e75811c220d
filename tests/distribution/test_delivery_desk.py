"""The delivery pages: coordinators pack and send, partners confirm; everyone else is refused."""

from __future__ import annotations

import pytest

from kamavor.distribution import deliveries
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn
from kamavor.network.models import Member
from kamavor.stock.models import Document
from tests.distribution.factories import make_shelter, shelter_request, stock_up
from tests.factories import desk, make_member, on_hand, page_messages, text


@pytest.fixture
def order(w):
    shelter = make_shelter(w.org)
    request = shelter_request(w, shelter, LineIn(quantity=6, item=w.soap))
    stock_up(w, w.soap, 10)
    other_partner = make_member(w.other_org, "other-partner", Member.Role.PARTNER)
    return shelter, request, other_partner


def test_the_flow_through_the_pages(w, order):
    _shelter, request, _other = order
    coordinator = desk(w.coordinator)
    page = coordinator.get(f"/desk/{w.point.pk}/deliveries/")
    assert page.status_code == 200 and f"#{request.pk}" in text(page)
    assert "Shelter deliveries" in text(coordinator.get(f"/desk/{w.point.pk}/distribution/"))
    pick = coordinator.get(f"/desk/{w.point.pk}/deliveries/requests/{request.pk}/")
    assert pick.status_code == 200 and 'id="pick-list"' in text(pick)
    key = pick.context["form"].initial["key"]
    packed = coordinator.post(pick.request["PATH_INFO"], {"key": key, "note": "van"})
    delivery = Document.objects.get(kind="delivery")
    assert packed["Location"] == f"/desk/deliveries/{delivery.pk}/"
    again = coordinator.post(pick.request["PATH_INFO"], {"key": key, "note": "van"})
    assert again["Location"] == packed["Location"]  # a double click packs once
    assert Document.objects.filter(kind="delivery").count() == 1
    # The partner does not see a draft yet.
    assert desk(w.partner).get(f"/desk/deliveries/{delivery.pk}/").status_code == 404
    sent = coordinator.post(f"/desk/deliveries/{delivery.pk}/send/", follow=True)
    assert any("sent" in m for m in page_messages(sent))
    assert on_hand(w.point, w.soap) == 4

    partner = desk(w.partner)
    listing = partner.get("/desk/deliveries/")
    assert delivery.number in text(listing)
    page = partner.get(f"/desk/deliveries/{delivery.pk}/")
    assert 'id="confirm-form"' in text(page)
    line = delivery.lines.get()
    key = page.context["confirm_form"].initial["key"]
    confirmed = partner.post(
        f"/desk/deliveries/{delivery.pk}/confirm/",
        {"key": key, f"line_{line.pk}": 5, "note": "one missing"},
        follow=True,
    )
    assert any("5 of 6 units" in m for m in page_messages(confirmed))
    line.refresh_from_db()
    assert line.received_quantity == 5
    request.refresh_from_db()
    assert request.state == "partly_fulfilled"
    assert request.lines.get().fulfilled_quantity == 5


def test_the_partner_may_not_send_nor_the_desk_confirm(w, order):
    _shelter, request, _other = order
    delivery = deliveries.prepare_delivery(request=request, point=w.point, by=w.coordinator)
    assert desk(w.volunteer).post(f"/desk/deliveries/{delivery.pk}/send/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "draft"
    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    line = delivery.lines.get()
    response = desk(w.volunteer).post(
        f"/desk/deliveries/{delivery.pk}/confirm/", {"key": "k", f"line_{line.pk}": 6}
    )
    assert response.status_code == 403
    assert desk(w.partner).post(f"/desk/deliveries/{delivery.pk}/cancel/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_the_permission_matrix(w, order):
    _shelter, request, other_partner = order
    delivery = deliveries.prepare_delivery(request=request, point=w.point, by=w.coordinator)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator)
    desk_pages = [
        f"/desk/{w.point.pk}/deliveries/",
        f"/desk/{w.point.pk}/deliveries/requests/{request.pk}/",
    ]
    for path in desk_pages:
        assert desk().get(path)["Location"].startswith("/login/")
        assert desk(w.outsider).get(path).status_code == 404
        assert desk(other_partner).get(path).status_code == 404
        assert desk(w.partner).get(path).status_code == 403
        assert desk(w.volunteer).get(path).status_code == 403
        assert desk(w.coordinator).get(path).status_code == 200
    page = f"/desk/deliveries/{delivery.pk}/"
    assert desk().get(page)["Location"].startswith("/login/")
    assert desk(w.outsider).get(page).status_code == 404
    assert desk(other_partner).get(page).status_code == 404
    assert desk(w.volunteer).get(page).status_code == 200
    assert desk(w.partner).get(page).status_code == 200
    assert delivery.number not in text(desk(other_partner).get("/desk/deliveries/"))
    line = delivery.lines.get()
    refused = desk(other_partner).post(
        f"/desk/deliveries/{delivery.pk}/confirm/", {"key": "k", f"line_{line.pk}": 6}
    )
    assert refused.status_code == 404
    assert Request.objects.get(pk=request.pk).state == "planned"


def test_a_request_of_another_organisation_is_not_found(w, order):
    other_shelter = make_shelter(w.other_org, "Goris dormitory")
    theirs = shelter_request(w, other_shelter, LineIn(quantity=1, item=w.soap), by=w.outsider)
    path = f"/desk/{w.point.pk}/deliveries/requests/{theirs.pk}/"
    assert desk(w.coordinator).get(path).status_code == 404
