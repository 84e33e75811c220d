"""Print reports: an organisation's month, a donor's receipt, a partner's delivery history."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from kamavor.stock import services
from kamavor.stock.services import IntakeLine
from tests.factories import desk, donate


def test_the_monthly_report_sums_the_month_by_category(w):
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.rice, 5, expiry=w.later(90)))
    donate(w, IntakeLine(w.soap, 4), point=w.warehouse)
    month = timezone.localdate().strftime("%Y-%m")
    url = reverse("reports:monthly", args=[w.org.pk])
    response = desk(w.coordinator).get(url, {"month": month})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["rows"] == [("Food", 5, 0), ("Hygiene", 11, 0)]
    assert figures["donations"] == 2 and figures["total_in"] == 16
    body = response.content.decode()
    assert 'id="monthly-categories"' in body and "@page" not in body  # the print CSS is shared
    assert desk(w.outsider).get(url).status_code == 404
    assert desk(w.volunteer).get(url).status_code == 403
    previous = desk(w.coordinator).get(url).context["figures"]  # the last whole month
    assert previous["total_in"] == 0


def test_a_receipt_names_the_donor_only_if_given(w):
    named = services.post_donation(
        point=w.point, lines=[IntakeLine(w.soap, 3)], by=w.volunteer, donor="Armen's bakery"
    )
    anonymous = donate(w, IntakeLine(w.rice, 2, expiry=w.later(30)))
    client = desk(w.coordinator)
    page = client.get(reverse("stock:document", args=[named.pk]))
    receipt = next(link["url"] for link in page.context["export_links"])
    body = client.get(receipt).content.decode()
    assert "Armen&#x27;s bakery" in body and named.number in body and "Soap bar" in body
    body = client.get(reverse("reports:receipt", args=[anonymous.pk])).content.decode()
    assert "With thanks to the donor." in body
    assert desk(w.outsider).get(receipt).status_code == 404
    transfer_like = client.get(reverse("stock:document", args=[anonymous.pk]))
    assert transfer_like.context["export_links"]


def test_a_partner_prints_the_deliveries_to_its_shelters(w):
    from kamavor.distribution import deliveries
    from kamavor.needs.services import LineIn
    from tests.distribution.factories import make_shelter, shelter_request

    shelter = make_shelter(w.org, "Hotel Ararat")
    request = shelter_request(w, shelter, LineIn(item=w.soap, quantity=4))
    client = desk(w.partner)
    page = client.get(reverse("distribution:shelter_deliveries"))
    url = page.context["export_links"][0]["url"]
    assert "No delivery yet." in client.get(url).content.decode()
    donate(w, IntakeLine(w.soap, 10))
    delivery = deliveries.prepare_delivery(request=request, point=w.point, by=w.coordinator)
    deliveries.send_delivery(delivery=delivery, by=w.coordinator, idempotency_key="s")
    body = client.get(url).content.decode()
    assert delivery.number in body and "Hotel Ararat" in body and "Soap bar: 4" in body
    assert delivery.number not in desk(w.outsider).get(url).content.decode()
    assert desk().get(url).status_code == 302
