"""The catalogue over the API: categories, item search in any script, barcodes."""

from __future__ import annotations

import pytest
from django.utils import translation

from kamavor.catalogue.models import Category
from tests.api.conftest import assert_error
from tests.factories import make_item


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()]


def test_it_lists_categories_in_the_requests_language(w, api):
    response = api(w.volunteer, language="ru").get("/categories")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == [
        "Одежда",
        "Еда",
        "Гигиена",
    ]  # by position, then code


@pytest.mark.parametrize(
    "query",
    ["мыло", "Օճառ", "soap", "mylo", "2000000000039"],
    ids=["russian", "armenian", "english", "latin-typed-russian", "barcode"],
)
def test_it_finds_items_by_any_name_or_barcode(w, api, query):
    assert codes(api(w.volunteer).get("/items", q=query)) == ["soap-bar"]


def test_it_filters_by_category(w, api):
    found = codes(api(w.volunteer).get("/items", category="hygiene"))
    assert set(found) == {"soap-bar", "toothpaste", "kit-hygiene"}
    assert codes(api(w.volunteer).get("/items", category="nothing-like-it")) == []


def test_it_limits_the_list(w, api):
    food = Category.objects.get(code="food")
    for n in range(25):
        make_item(f"beans-{n}", category=food, hy=f"Լոբի {n}", ru=f"Фасоль {n}", en=f"Beans {n}")
    client = api(w.volunteer)
    assert len(codes(client.get("/items"))) == 20
    assert len(codes(client.get("/items", limit=100))) == 30
    assert len(codes(client.get("/items", q="beans", limit=3))) == 3
    assert_error(client.get("/items", limit=101), 422, "invalid")
    assert_error(client.get("/items", limit=0), 422, "invalid")


def test_it_leaves_out_inactive_items_from_the_list_but_shows_them_by_id(w, api):
    w.soap.active = False
    w.soap.save(update_fields=["active"])
    assert codes(api(w.volunteer).get("/items", q="soap")) == []
    assert api(w.volunteer).get(f"/items/{w.soap.pk}").json()["active"] is False


def test_it_shows_an_item_with_its_kit_components(w, api):
    response = api(w.volunteer).get(f"/items/{w.hygiene_kit.pk}")
    assert response.status_code == 200
    kit = response.json()
    assert kit["is_kit"] and kit["tracks_expiry"]
    assert {(c["item"], c["quantity"]) for c in kit["components"]} == {
        (w.soap.pk, 2),
        (w.toothpaste.pk, 1),
    }


def test_it_finds_an_item_by_barcode(w, api):
    response = api(w.volunteer).get("/items/barcode/2000000000022")
    assert response.json()["id"] == w.soap.pk
    assert_error(api(w.volunteer).get("/items/barcode/4006381333931"), 404, "not_found")


def test_unknown_items_are_not_found(w, api):
    assert_error(api(w.volunteer).get("/items/987654"), 404, "not_found")


def test_the_outsider_reads_the_same_catalogue(w, api):
    # The catalogue is the network's, not an organisation's.
    assert codes(api(w.outsider).get("/items", q="rice")) == ["rice-1kg"]


def test_it_refuses_anonymous_requests(w, api):
    for path in ["/categories", "/items", f"/items/{w.soap.pk}", "/items/barcode/2000000000022"]:
        assert_error(api().get(path), 401, "unauthenticated")


def test_it_refuses_nul_characters_in_a_search(w, api):
    # PostgreSQL text cannot hold NUL: refused as invalid, not a server error.
    assert_error(api(w.volunteer).get("/items", q="so\x00ap"), 422, "invalid")
    assert_error(api(w.volunteer).get("/items/barcode/20\x0000"), 422, "invalid")
    assert_error(api(w.volunteer).get("/items", category="food\x00"), 422, "invalid")


def test_the_list_takes_a_fixed_number_of_queries(w, api, django_assert_max_num_queries):
    client = api(w.volunteer)
    client.get("/categories")  # the token's first use is recorded once
    with django_assert_max_num_queries(4):
        assert len(client.get("/items", limit=100).json()) == 5
    with django_assert_max_num_queries(2):
        assert len(client.get("/categories").json()) == 3


def _next(response) -> dict | None:
    """The query of the Link header's next page, or None on the last page."""
    from urllib.parse import parse_qsl, urlsplit

    link = response.headers.get("Link")
    if not link:
        return None
    assert link.endswith('>; rel="next"'), link
    return dict(parse_qsl(urlsplit(link[1 : link.index(">")]).query))


def test_it_pages_through_the_whole_catalogue(w, api):
    food = Category.objects.get(code="food")
    for n in range(25):
        make_item(f"beans-{n}", category=food, hy=f"Լոբի {n}", ru=f"Фасоль {n}", en=f"Beans {n}")
    client = api(w.volunteer)
    seen, params, pages = [], {"limit": 7}, 0
    while params is not None:
        response = client.get("/items", **params)
        assert response.status_code == 200
        seen += codes(response)
        params, pages = _next(response), pages + 1
    every = codes(client.get("/items", limit=100))
    assert seen == every and len(every) == 30 and len(set(seen)) == 30
    assert pages == 5  # 7 + 7 + 7 + 7 + 2, and no link after the last
    searched = client.get("/items", q="beans", limit=20, offset=20)
    assert len(codes(searched)) == 5 and _next(searched) is None
    assert _next(client.get("/items", q="beans", limit=20))["q"] == "beans"
    assert_error(client.get("/items", offset=-1), 422, "invalid")


def test_a_page_far_in_takes_the_same_queries(w, api, django_assert_max_num_queries):
    food = Category.objects.get(code="food")
    for n in range(40):
        make_item(f"beans-{n}", category=food, hy=f"Լոբի {n}", ru=f"Фасоль {n}", en=f"Beans {n}")
    client = api(w.volunteer)
    client.get("/categories")
    with django_assert_max_num_queries(4):
        assert len(client.get("/items", limit=10, offset=30).json()) == 10


def test_a_page_of_items_is_what_the_schema_would_answer(w, api):
    """The list is built from plain values, not through ItemOut: it must say the same."""
    from kamavor.catalogue.api import ItemOut, _items, _shown

    client = api(w.volunteer, language="ru")
    response = client.get("/items", limit=100)
    assert response.status_code == 200
    items = _shown(_items().active().order_by("category__position", "name_en", "pk"))
    with translation.override("ru"):
        expected = [ItemOut.from_orm(item).model_dump(mode="json") for item in items]
    assert response.json() == expected
    assert any(row["components"] for row in expected) and any(row["barcodes"] for row in expected)
    assert [list(row) for row in response.json()] == [list(row) for row in expected]


def test_a_page_of_items_takes_a_fixed_number_of_queries(w, api, django_assert_num_queries):
    food = Category.objects.get(code="food")
    for n in range(12):
        make_item(f"beans-{n}", category=food, hy=f"Լոբի {n}", ru=f"Фасоль {n}", en=f"Beans {n}")
    client = api(w.volunteer)
    client.get("/categories")  # the token's first use is recorded once
    with django_assert_num_queries(3):  # token with user and roles, items, barcodes
        assert len(client.get("/items", limit=5, offset=5).json()) == 5
    with django_assert_num_queries(4):  # and the kits' components
        assert len(client.get("/items", limit=100).json()) == 17
