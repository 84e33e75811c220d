"""Query counts of what a desk reads through the API most, pinned: a later change that adds a
query to these hot paths fails here. The token, its user and the member's roles are read once
per request, whatever the endpoint asks of them."""

from __future__ import annotations

import pytest

from kamavor.network.models import ApiToken, Member
from kamavor.stock.api_schemas import StockOut
from kamavor.stock.services import IntakeLine
from tests.factories import donate, make_household, make_member, make_org, make_user
from tests.needs.helpers import make_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_api(w, api):
    """A volunteer's client whose token was used a moment ago (so not stamped again)."""
    client = api(w.volunteer)
    assert client.get("/categories").status_code == 200
    return client


def test_it_searches_items(w, desk_api, django_assert_num_queries):
    with django_assert_num_queries(3):  # token with user and roles, items, barcodes
        response = desk_api.get("/items", q="rice")
    assert response.status_code == 200
    assert [i["id"] for i in response.json()] == [w.rice.pk]


def test_it_reads_a_points_stock(w, desk_api, django_assert_num_queries):
    donate(w, IntakeLine(w.rice, 5, expiry=w.later(90)), IntakeLine(w.soap, 3))
    with django_assert_num_queries(3):  # token with user and roles, point, item balances
        response = desk_api.get(f"/points/{w.point.pk}/stock")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["item"], r["quantity"]) for r in rows] == sorted([(w.rice.pk, 5), (w.soap.pk, 3)])
    assert all(set(row) == set(StockOut.model_fields) for row in rows)
    assert rows[0]["item_name"] == min([w.rice, w.soap], key=lambda i: i.pk).name_en


def test_a_points_stock_names_items_in_the_requests_language(w, api):
    donate(w, IntakeLine(w.soap, 3))
    client = api(w.volunteer, language="hy")
    rows = client.get(f"/points/{w.point.pk}/stock").json()
    assert [(r["item_name"], r["item_code"], r["unit"]) for r in rows] == [
        (w.soap.name_hy, w.soap.code, w.soap.unit)
    ]


def test_it_reads_a_household_and_its_dues(w, desk_api, django_assert_num_queries):
    make_standard("soap", w.soap, quantity=3, period_days=30)
    household = make_household(w, female_18_59=2)
    with django_assert_num_queries(2):  # token with user and roles, household
        response = desk_api.get(f"/households/{household.code}")
    assert response.status_code == 200
    # token with user and roles, household, standards, merged households, receipts
    with django_assert_num_queries(5):
        response = desk_api.get(f"/households/{household.code}/dues")
    assert response.status_code == 200
    assert [(d["standard"], d["due"]) for d in response.json()] == [("soap", 6)]


def test_the_token_brings_the_roles_of_every_organisation(w, api, django_assert_num_queries):
    user = make_member(w.org, "two-hats", "volunteer")
    Member.objects.create(user=user, organisation=w.other_org, role="coordinator")
    client = api(user)
    assert client.get("/categories").status_code == 200
    with django_assert_num_queries(2):  # token with user and both roles, points
        response = client.get("/points")
    assert {p["organisation"] for p in response.json()} == {w.org.pk, w.other_org.pk}
    # The roles stay apart: a purchase is a coordinator's, so only at the other organisation.
    body = {"supplier": "Shop", "lines": [{"item": w.soap.pk, "quantity": 1, "unit_cost": "1"}]}
    assert client.post("/purchases", {"point": w.point.pk, **body}).status_code == 403
    assert client.post("/purchases", {"point": w.other_point.pk, **body}).status_code == 201


def test_a_token_without_membership_still_authenticates_and_revokes(w, api):
    admin, loner = make_user("root-of-all", superuser=True), make_user("no-org")
    assert {p["id"] for p in api(admin).get("/points").json()} >= {w.point.pk, w.other_point.pk}
    client = api(loner)
    response = client.get("/points")
    assert response.status_code == 200 and response.json() == []
    ApiToken.objects.filter(user=loner).update(revoked=True)
    assert client.get("/points").status_code == 401
    org = make_org("Later Org")
    Member.objects.create(user=loner, organisation=org, role="volunteer")
    assert client.get("/points").status_code == 401  # a membership does not revive the token


def test_it_finds_where_an_item_is(w, desk_api, django_assert_num_queries):
    donate(w, IntakeLine(w.soap, 3))
    donate(w, IntakeLine(w.soap, 4), point=w.warehouse)
    donate(w, IntakeLine(w.rice, 2, expiry=w.later(90)))
    with django_assert_num_queries(3):  # token with user and roles, points, item balances
        response = desk_api.get("/stock", item=w.soap.pk)
    rows = response.json()
    assert {(r["point"], r["item"], r["quantity"]) for r in rows} == {
        (w.point.pk, w.soap.pk, 3),
        (w.warehouse.pk, w.soap.pk, 4),
    }


@pytest.mark.parametrize("language", ["hy", "ru", "en"])
def test_a_points_stock_is_what_the_schema_would_answer(w, api, language):
    """The rows are built from plain values, the name picked in SQL: they must say what
    StockOut says of the same balances, an item without a name in the language included."""
    from django.utils import translation

    from kamavor.stock.api import _StockRow
    from kamavor.stock.models import ItemBalance

    w.rice.name_ru = ""
    w.rice.save(update_fields=["name_ru"])
    donate(w, IntakeLine(w.rice, 5, expiry=w.later(90)), IntakeLine(w.soap, 3))
    response = api(w.volunteer, language=language).get(f"/points/{w.point.pk}/stock")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    balances = ItemBalance.objects.filter(point=w.point).select_related("item").order_by("item")
    with translation.override(language):
        expected = [
            StockOut.from_orm(_StockRow(b.item, b.quantity)).model_dump(mode="json")
            for b in balances
        ]
    assert response.json() == expected and len(expected) == 2


@pytest.mark.parametrize("language", ["hy", "ru", "en"])
def test_dues_are_what_the_schema_would_answer(w, api, language):
    """The dues are built without the schema, their standards and receipts read by
    hand-written SELECTs: they must say what DueOut says of the ORM's reads."""
    from django.utils import translation

    from kamavor.needs.api import DueOut
    from kamavor.needs.models import Standard
    from kamavor.needs.services import dues_for
    from tests.needs.helpers import hand_out

    make_standard("soap", w.soap, quantity=3, period_days=30)
    make_standard("paste", w.toothpaste, quantity=1, period_days=60, per="household")
    make_standard("rice", w.rice, quantity=2, period_days=7, position=1)
    household = make_household(w, female_18_59=2, male_6_11=1)
    hand_out(w, household, w.soap, 2, days_ago=3)
    hand_out(w, household, w.hygiene_kit, 1, days_ago=40)  # a kit: soap and paste inside
    hand_out(w, household, w.rice, 1, days_ago=10)  # out of its week
    response = api(w.volunteer, language=language).get(f"/households/{household.code}/dues")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    standards = list(Standard.objects.active().with_item())
    with translation.override(language):
        expected = [
            DueOut.from_orm(due).model_dump(mode="json")
            for due in dues_for(household, standards=standards)
        ]
    assert response.json() == expected
    assert {row["standard"]: row["received"] for row in expected} == {
        "soap": 2,
        "paste": 1,
        "rice": 0,
    }


def test_a_merged_household_names_the_one_it_became(w, desk_api, django_assert_num_queries):
    from kamavor.households.services import merge_households

    keep, merged = make_household(w, female_18_59=1), make_household(w, male_18_59=1)
    merge_households(keep=keep, merge=merged, by=w.coordinator)
    with django_assert_num_queries(3):  # token with user and roles, household, the one kept
        response = desk_api.get(f"/households/{merged.code}")
    assert response.status_code == 200
    assert response.json()["merged_into"] == keep.code
    assert desk_api.get(f"/households/{keep.code}").json()["merged_into"] is None
