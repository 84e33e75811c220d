"""The kit desk: what the stock here can make, building kits and taking them apart."""

from __future__ import annotations

import pytest

from kamavor.catalogue.models import KitComponent
from kamavor.stock import services
from kamavor.stock.models import Document, Lot
from kamavor.stock.services import IntakeLine
from tests.factories import (
    assert_form_error,
    assert_members_only,
    desk,
    donate,
    ledger,
    make_item,
    on_hand,
    page_messages,
    text,
)


def kit_row(response, kit):
    return next(k for k in response.context["kits"] if k.pk == kit.pk)


@pytest.fixture
def parts(w):
    """Enough for two hygiene kits (2 soap + 1 toothpaste each), and one expired toothpaste."""
    donate(
        w,
        IntakeLine(w.soap, 5),
        IntakeLine(w.toothpaste, 1, expiry=w.later(3)),
        IntakeLine(w.toothpaste, 2, expiry=w.later(200)),
    )


def build(client, w, *, kit=None, quantity="1", key="k-1"):
    data = {"kit": (kit or w.hygiene_kit).pk, "quantity": quantity, "key": key}
    return client.post(f"/desk/{w.point.pk}/kits/build/", data)


# ---------------------------------------------------------------- the page


def test_it_shows_what_each_kit_needs_and_how_many_can_be_built(
    w, parts, travel, django_assert_max_num_queries
):
    baby = make_item(
        "kit-baby",
        category=w.soap.category,
        hy="Մանկական",
        ru="Детский",
        en="Baby kit",
        is_kit=True,
    )
    KitComponent.objects.create(kit=baby, item=w.jacket, quantity=1)
    KitComponent.objects.create(kit=baby, item=w.soap, quantity=1)
    make_item(
        "kit-empty", category=w.soap.category, hy="Դատարկ", ru="Пусто", en="Empty kit", is_kit=True
    )
    travel(10)  # one toothpaste has expired: it does not count
    client = desk(w.volunteer)
    with django_assert_max_num_queries(9):
        response = client.get(f"/desk/{w.point.pk}/kits/")
    assert response.status_code == 200
    hygiene = kit_row(response, w.hygiene_kit)
    assert [(c.item, have) for c, have in hygiene.parts] == [(w.soap, 5), (w.toothpaste, 2)]
    assert hygiene.buildable == 2
    assert kit_row(response, baby).buildable == 0  # no jackets
    assert "No components yet" in text(response)
    choices = [value for value, _label in response.context["build_form"].fields["kit"].choices]
    assert "Empty kit" not in str(response.context["build_form"]["kit"])
    assert choices[0] == ""
    assert "Take apart" not in text(response)  # a volunteer builds, does not take apart


def test_the_page_is_refused_to_anonymous_outsider_and_partner(w):
    path = f"/desk/{w.point.pk}/kits/"
    assert_members_only(w, path)


def test_a_link_preselects_a_kit(w, parts):
    response = desk(w.volunteer).get(f"/desk/{w.point.pk}/kits/", {"kit": w.hygiene_kit.pk})
    form = response.context["build_form"]
    assert form["kit"].value() == w.hygiene_kit.pk
    assert "autofocus" in str(form["quantity"])


# ---------------------------------------------------------------- building


def test_a_volunteer_builds_kits_from_stock(w, parts):
    client = desk(w.volunteer)
    response = build(client, w, quantity="2", key="build-1")
    assert response.status_code == 302 and response["Location"] == f"/desk/{w.point.pk}/kits/"
    assert on_hand(w.point, w.hygiene_kit) == 2
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.toothpaste)) == (1, 1)
    kit_lot = Lot.objects.get(item=w.hygiene_kit, point=w.point)
    assert kit_lot.expiry == w.later(3)  # first expiry first out: the earliest toothpaste
    response = build(client, w, quantity="2", key="build-1")  # a retry: built once
    assert on_hand(w.point, w.hygiene_kit) == 2
    response = client.get(f"/desk/{w.point.pk}/kits/")
    assert [lot.pk for lot in response.context["lots"]] == [kit_lot.pk]
    assert page_messages(response)[0].endswith("2 × Hygiene kit built.")


def test_it_refuses_more_kits_than_the_stock_makes(w, parts):
    before = ledger()
    response = build(desk(w.volunteer), w, quantity="3")
    assert_form_error(response, "Not enough Soap bar for 3 kits: 5 of 6.")
    assert ledger() == before


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        ("0", "greater than or equal to 1"),
        ("-2", "greater than or equal to 1"),
        ("1000001", "less than or equal to 1000000"),
        ("two", "Enter a whole number"),
    ],
)
def test_it_refuses_a_bad_quantity(w, parts, quantity, error):
    before = ledger()
    response = build(desk(w.volunteer), w, quantity=quantity)
    assert_form_error(response, error)
    assert ledger() == before


def test_it_refuses_an_item_that_is_not_a_kit(w, parts):
    before = ledger()
    response = build(desk(w.coordinator), w, kit=w.soap)
    assert response.status_code == 200
    assert response.context["build_form"].errors["kit"]
    response = desk(w.coordinator).post(
        f"/desk/{w.point.pk}/kits/build/", {"quantity": "1", "key": "k"}
    )
    assert "Choose a kit." in text(response)
    assert ledger() == before


def test_building_is_refused_to_partner_outsider_and_anonymous(w, parts):
    before = ledger()
    assert build(desk(w.partner), w).status_code == 403
    assert build(desk(w.outsider), w).status_code == 404
    assert build(desk(), w).status_code == 302
    assert ledger() == before


# ---------------------------------------------------------------- taking apart


@pytest.fixture
def kits_built(w, parts):
    services.build_kit(point=w.point, kit=w.hygiene_kit, quantity=2, by=w.volunteer)
    return Lot.objects.get(item=w.hygiene_kit, point=w.point)


def test_a_coordinator_takes_kits_apart(w, kits_built):
    client = desk(w.coordinator)
    page = client.get(f"/desk/{w.point.pk}/kits/")
    key = page.context["lots"][0].unbuild_form["key"].value()
    response = client.post(
        f"/desk/{w.point.pk}/kits/lots/{kits_built.pk}/unbuild/", {"quantity": "1", "key": key}
    )
    assert response.status_code == 302
    assert on_hand(w.point, w.hygiene_kit) == 1
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.toothpaste)) == (3, 2)
    assert Document.objects.filter(kind="kit_unbuild").count() == 1


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        ("3", "Not enough stock of Hygiene kit"),
        ("0", "greater than or equal to 1"),
        ("x", "Enter a whole number"),
    ],
)
def test_it_refuses_a_bad_unbuild(w, kits_built, quantity, error):
    before = ledger()
    response = desk(w.coordinator).post(
        f"/desk/{w.point.pk}/kits/lots/{kits_built.pk}/unbuild/", {"quantity": quantity, "key": "u"}
    )
    assert_form_error(response, error)
    assert "autofocus" in str(response.context["lots"][0].unbuild_form["quantity"])
    assert ledger() == before


def test_taking_apart_is_refused_to_volunteer_partner_outsider_and_anonymous(w, kits_built):
    path = f"/desk/{w.point.pk}/kits/lots/{kits_built.pk}/unbuild/"
    data = {"quantity": "1", "key": "u"}
    before = ledger()
    assert desk(w.volunteer).post(path, data).status_code == 403
    assert desk(w.partner).post(path, data).status_code == 403
    assert desk(w.outsider).post(path, data).status_code == 404
    assert desk().post(path, data).status_code == 302
    assert ledger() == before


def test_only_kit_lots_of_this_point_can_be_taken_apart(w, kits_built):
    soap = Lot.objects.get(item=w.soap, point=w.point)
    client = desk(w.coordinator)
    data = {"quantity": "1", "key": "u"}
    assert client.post(f"/desk/{w.point.pk}/kits/lots/{soap.pk}/unbuild/", data).status_code == 404
    path = f"/desk/{w.warehouse.pk}/kits/lots/{kits_built.pk}/unbuild/"
    assert client.post(path, data).status_code == 404
    assert on_hand(w.point, w.hygiene_kit) == 2
