"""The point's stock page: paged in catalogue order, with totals over every page."""

from __future__ import annotations

from django.urls import reverse

from kamavor.catalogue.models import Category
from kamavor.stock import services
from kamavor.stock.services import IntakeLine
from tests.factories import make_item


def test_it_pages_items_in_order_and_counts_them_all(client, w, django_assert_max_num_queries):
    category = Category.objects.create(code="bulk", name_hy="Ա", name_ru="А", name_en="Bulk")
    items = [
        make_item(
            f"thing-{n:02d}",
            category=category,
            hy=f"Իր {n:02d}",
            ru=f"Вещь {n:02d}",
            en=f"Thing {n:02d}",
        )
        for n in range(60)
    ]
    services.post_donation(
        point=w.point, by=w.coordinator, lines=[IntakeLine(item, 2) for item in items]
    )
    client.force_login(w.volunteer)
    url = reverse("stock:point_stock", args=[w.point.pk])
    with django_assert_max_num_queries(12):
        first = client.get(url).content.decode()
    assert "60 items, 120 units on hand" in first
    assert "Thing 00" in first and "Thing 49" in first and "Thing 50" not in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Thing 50" in second and "Thing 59" in second and "Thing 00" not in second
    assert "Thing 05" in client.get(url, {"q": "thing 05"}).content.decode()
    item_page = reverse("stock:point_item", args=[w.point.pk, items[0].pk])
    assert f'href="{item_page}"' in first


def test_rows_show_lots_and_expiry_of_what_is_on_hand(client, w):
    services.post_donation(
        point=w.point,
        by=w.coordinator,
        lines=[
            IntakeLine(w.rice, 3, expiry=w.later(10)),  # expiring soon
            IntakeLine(w.rice, 4, expiry=w.later(200)),
            IntakeLine(w.soap, 5),
        ],
    )
    client.force_login(w.volunteer)
    page = client.get(reverse("stock:point_stock", args=[w.point.pk])).content.decode()
    rice = page[page.index(w.rice.name_en) :].split("</tr>")[0]
    assert '<td class="num">7</td>' in rice and '<td class="num">2</td>' in rice
    assert w.later(10).strftime("%d.%m.%Y") in rice and "1 lot expiring soon" in rice
    soap = page[page.index(w.soap.name_en) :].split("</tr>")[0]
    assert '<td class="num">5</td>' in soap and '<td class="num">1</td>' in soap
