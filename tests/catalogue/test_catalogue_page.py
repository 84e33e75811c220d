"""The catalogue page: coordinators list, search, add and change items and kits in their
language; volunteers read it; anyone else is told nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.catalogue.models import Barcode, Item, KitComponent
from tests.factories import desk, make_user, text

NEW = {
    "name_hy": "Վերմակ",
    "name_ru": "Одеяло",
    "name_en": "Blanket",
    "code": "blanket-wool",
    "unit": "piece",
    "season": "winter",
    "active": "on",
    "barcodes": "4006381333931\n96385074",
}


def _form(w, **changes) -> dict:
    return {**NEW, "category": w.rice.category_id, **changes}


def test_it_lists_and_searches_the_catalogue_in_any_script(w, django_assert_max_num_queries):
    client = desk(w.coordinator)
    with django_assert_max_num_queries(12):
        page = text(client.get(reverse("catalogue:items")))
    for item in (w.rice, w.soap, w.toothpaste, w.hygiene_kit):
        assert item.name_en in page
    found = text(client.get(reverse("catalogue:items"), {"q": "brindz"}))
    assert "Rice, 1 kg" in found and "Soap bar" not in found
    by_barcode = text(client.get(reverse("catalogue:items"), {"q": "2000000000022"}))
    assert "Soap bar" in by_barcode and "Rice" not in by_barcode
    hygiene = text(client.get(reverse("catalogue:items"), {"category": w.soap.category_id}))
    assert "Soap bar" in hygiene and "Rice" not in hygiene


def test_the_list_reads_in_the_members_language(w):
    page = text(desk(w.coordinator).get(reverse("catalogue:items"), HTTP_ACCEPT_LANGUAGE="hy"))
    assert "<h1>Կատալոգ</h1>" in page and "Բրինձ, 1 կգ" in page


def test_a_coordinator_adds_an_item_with_names_barcodes_and_what_matters(w):
    response = desk(w.coordinator).post(reverse("catalogue:item_new"), _form(w))
    item = Item.objects.get(code="blanket-wool")
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalogue:item", kwargs={"item_id": item.pk}
    )
    assert (item.name_hy, item.name_ru, item.name_en) == ("Վերմակ", "Одеяло", "Blanket")
    assert (item.season, item.is_kit, item.active) == ("winter", False, True)
    assert set(item.barcodes.values_list("code", flat=True)) == {"4006381333931", "96385074"}
    # The desks find it at once, in any script.
    assert item in Item.objects.search("vermak")


def test_a_coordinator_changes_an_item_and_its_barcodes(w):
    url = reverse("catalogue:item", kwargs={"item_id": w.soap.pk})
    data = _form(w, name_en="Soap, 100 g", code="soap-bar", barcodes="2000000000022")
    data.update(category=w.soap.category_id, tracks_size="on", sizes="S, M, L")
    assert desk(w.coordinator).post(url, data).status_code == 302
    soap = Item.objects.get(pk=w.soap.pk)
    assert soap.name_en == "Soap, 100 g" and soap.sizes == ["S", "M", "L"]
    assert list(soap.barcodes.values_list("code", flat=True)) == ["2000000000022"]
    assert not Barcode.objects.filter(code="2000000000039").exists()


def test_a_kit_gets_its_components(w):
    data = _form(
        w,
        code="kit-baby",
        name_en="Baby kit",
        barcodes="",
        is_kit="on",
        components="3 soap-bar\n1 toothpaste",
    )
    assert desk(w.coordinator).post(reverse("catalogue:item_new"), data).status_code == 302
    kit = Item.objects.get(code="kit-baby")
    parts = dict(KitComponent.objects.filter(kit=kit).values_list("item__code", "quantity"))
    assert parts == {"soap-bar": 3, "toothpaste": 1}
    assert kit.is_kit and kit.tracks_expiry  # toothpaste expires, so the kit does


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"barcodes": "1234567890123"}, "not a valid barcode"),
        ({"barcodes": "2000000000015"}, "already belongs to Rice, 1 kg"),
        ({"code": "rice-1kg"}, "Another item has the code rice-1kg"),
        ({"name_ru": ""}, "This field is required"),
        ({"is_kit": "on", "components": ""}, "A kit needs at least one component"),
        ({"is_kit": "on", "components": "2 no-such-item"}, "No item has the code no-such-item"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_changes(w, changes, error):
    before = (Item.objects.count(), Barcode.objects.count(), KitComponent.objects.count())
    response = desk(w.coordinator).post(reverse("catalogue:item_new"), _form(w, **changes))
    assert response.status_code == 400
    assert error in text(response)
    assert (Item.objects.count(), Barcode.objects.count(), KitComponent.objects.count()) == before


def test_a_volunteer_reads_the_catalogue_but_does_not_change_it(w):
    client = desk(w.volunteer)
    assert client.get(reverse("catalogue:items")).status_code == 200
    item_url = reverse("catalogue:item", kwargs={"item_id": w.hygiene_kit.pk})
    page = text(client.get(item_url))
    assert "Hygiene kit" in page and 'id="item-form"' not in page and "Soap bar" in page
    assert client.get(reverse("catalogue:item_new")).status_code == 403
    assert client.post(reverse("catalogue:item_new"), _form(w)).status_code == 403
    assert client.post(item_url, _form(w, code="kit-hygiene")).status_code == 403
    assert not Item.objects.filter(code="blanket-wool").exists()
    assert Item.objects.get(pk=w.hygiene_kit.pk).name_en == "Hygiene kit"


def test_those_without_stock_rights_are_told_nothing(w):
    stranger = make_user("no-membership")
    for user in (w.partner, stranger):
        client = desk(user)
        for url in (
            reverse("catalogue:items"),
            reverse("catalogue:item", kwargs={"item_id": w.rice.pk}),
            reverse("catalogue:item_new"),
        ):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("catalogue:item_new"), _form(w)).status_code == 404
    response = desk().get(reverse("catalogue:items"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert (
        desk(w.coordinator).get(reverse("catalogue:item", kwargs={"item_id": 0})).status_code == 404
    )
