"""Stock at all my points: one page of items at a time, a column per point, searchable, and
a fixed number of queries however large the catalogue."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamavor.catalogue.models import Category
from kamavor.stock import services
from kamavor.stock.services import IntakeLine
from tests.factories import make_item

URL = "stock:organisation_stock"


def _stock(w, n: int, start: int = 0) -> list:
    category, _ = Category.objects.get_or_create(
        code="bulk", defaults={"name_hy": "Ա", "name_ru": "А", "name_en": "Bulk"}
    )
    items = [
        make_item(
            f"thing-{i:02d}", category=category, hy=f"Իր {i:02d}", ru=f"Вещь {i:02d}",
            en=f"Thing {i:02d}",
        )
        for i in range(start, start + n)
    ]  # fmt: skip
    services.post_donation(point=w.point, by=w.coordinator, lines=[IntakeLine(i, 2) for i in items])
    services.post_donation(
        point=w.warehouse, by=w.coordinator, lines=[IntakeLine(i, 3) for i in items]
    )
    return items


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(URL), params).status_code == 200
    return len(queries)


def test_it_pages_items_with_a_column_per_point(client, w):
    _stock(w, 60)
    client.force_login(w.coordinator)
    first = client.get(reverse(URL)).content.decode()
    assert "60 items, 300 units on hand" in first
    assert "Page 1 of 2" in first
    assert "Thing 00" in first and "Thing 49" in first and "Thing 50" not in first
    row = first[first.index("Thing 07") :].split("</tr>")[0]
    assert '<td class="num">2</td>' in row and '<td class="num">3</td>' in row
    assert "<strong>5</strong>" in row
    second = client.get(reverse(URL), {"page": 2}).content.decode()
    assert "Thing 50" in second and "Thing 59" in second and "Thing 00" not in second
    assert "Page 2 of 2" in second


def test_it_searches_in_any_script(client, w):
    _stock(w, 12)
    client.force_login(w.coordinator)
    body = client.get(reverse(URL), {"q": "Вещь 05"}).content.decode()
    assert "Thing 05" in body and "Thing 06" not in body
    assert "Page 1 of" not in body


def test_it_shows_only_the_members_points(client, w):
    _stock(w, 3)
    client.force_login(w.outsider)
    body = client.get(reverse(URL)).content.decode()
    assert w.point.name not in body and "Thing 01" not in body


def test_the_queries_do_not_grow_with_the_catalogue(client, w):
    _stock(w, 5)
    client.force_login(w.coordinator)
    small = _queries(client)
    _stock(w, 120, start=5)
    assert _queries(client) == small
    assert _queries(client, page=3) == small
    assert small <= 12
