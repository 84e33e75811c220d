"""The intake desk through its URLs: find, add lines, post once, reverse, and refuse bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.stock.models import Balance, Document, Movement


@pytest.fixture
def desk(client, w):
    client.force_login(w.volunteer)
    return reverse("stock:intake", args=[w.point.pk])


def add(client, w, item, **data):
    return client.post(reverse("stock:intake_add", args=[w.point.pk]), {"item": item.pk, **data})


def test_it_finds_items_in_any_script_and_by_barcode(client, w, desk):
    for query in ("brindz", "բրինձ", "рис", "rice", "2000000000015"):
        page = client.get(desk, {"q": query}).content.decode()
        assert 'id="chosen-item"' in page and "Rice" in page, query
    page = client.get(desk, {"q": "blorfquux"}).content.decode()
    assert "Nothing found" in page


def test_it_adds_lines_and_posts_one_donation(client, w, desk):
    assert add(client, w, w.rice, quantity=10, expiry="12.2099", condition="new").status_code == 302
    assert add(client, w, w.jacket, quantity=2, size="110", condition="used").status_code == 302
    page = client.get(desk).content.decode()
    assert 'id="lines"' in page and "Child&#x27;s winter jacket" in page
    response = client.post(reverse("stock:intake_post", args=[w.point.pk]), {"donor": ""})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.donor == "" and document.lines.count() == 2
    assert Balance.objects.filter(point=w.point).count() == 2
    # The cart is empty now; posting again posts nothing more.
    client.post(reverse("stock:intake_post", args=[w.point.pk]), {"donor": ""})
    assert Document.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": 0}, "greater than or equal to 1"),
        ({"quantity": -3}, "greater than or equal to 1"),
        ({"quantity": 10**9}, "less than or equal to"),
        ({"quantity": "ten"}, "whole number"),
        ({"quantity": 1, "expiry": ""}, "needs an expiry date"),
        ({"quantity": 1, "expiry": "01.2001"}, "expired"),
        ({"quantity": 1, "expiry": "soon"}, "as on the label"),
    ],
)
def test_it_refuses_bad_lines_clearly(client, w, desk, data, message):
    response = add(client, w, w.rice, condition="new", **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.session.get(f"cart:intake:{w.point.pk}", {"lines": []})["lines"] == []


def test_it_speaks_the_users_language(client, w, desk):
    response = add(
        client, w, w.rice, quantity=1, expiry="", condition="new", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 200


def test_a_volunteer_may_not_switch_to_purchases(client, w, desk):
    page = client.get(desk, {"mode": "purchase"}).content.decode()
    assert "Post purchase" not in page and "Cost per unit" not in page


def test_a_coordinator_records_a_purchase(client, w):
    client.force_login(w.coordinator)
    desk = reverse("stock:intake", args=[w.point.pk])
    client.get(desk, {"mode": "purchase"})
    add(client, w, w.soap, quantity=20, unit_cost="250", condition="new")
    response = client.post(
        reverse("stock:intake_post", args=[w.point.pk]), {"supplier": "SAS", "currency": "AMD"}
    )
    assert response.status_code == 302
    purchase = Document.objects.get(kind=Document.Kind.PURCHASE)
    assert purchase.supplier == "SAS" and purchase.lines.get().unit_cost == 250


def test_reversal_from_the_desk(client, w, desk):
    add(client, w, w.soap, quantity=5, condition="new")
    client.post(reverse("stock:intake_post", args=[w.point.pk]), {"donor": "Anna"})
    document = Document.objects.get()
    response = client.post(reverse("stock:reverse", args=[document.pk]), {"reason": "typo"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.REVERSED
    assert Movement.objects.filter(lot__item=w.soap).count() == 2
    assert Balance.objects.get(lot__item=w.soap).quantity == 0


def test_an_unknown_barcode_is_remembered_for_the_item_found_by_name(client, w, desk):
    page = client.get(desk, {"q": "4006381333931"}).content.decode()
    assert 'id="unknown-barcode"' in page
    page = client.get(desk, {"q": "ochar", "barcode": "4006381333931"}).content.decode()
    assert 'name="remember_barcode"' in page
    add(client, w, w.soap, quantity=2, condition="new", barcode="4006381333931", remember_barcode=1)
    page = client.get(desk, {"q": "4006381333931"}).content.decode()
    assert 'id="chosen-item"' in page and "Soap bar" in page


def test_a_wrong_barcode_is_not_remembered(client, w, desk):
    add(client, w, w.soap, quantity=2, condition="new", barcode="4006381333932", remember_barcode=1)
    assert not w.soap.barcodes.filter(code="4006381333932").exists()
    add(
        client,
        w,
        w.rice,
        quantity=2,
        expiry="12.2099",
        condition="new",
        barcode="2000000000022",
        remember_barcode=1,
    )
    assert w.soap.barcodes.filter(code="2000000000022").exists()
    assert not w.rice.barcodes.filter(code="2000000000022").exists()


def test_a_nul_character_in_the_search_is_harmless(client, w, desk):
    assert client.get(desk, {"q": "ri\x00ce"}).status_code == 200


def test_one_wrong_line_is_reversed_at_the_desk(client, w, desk):
    from kamavor.stock.services import IntakeLine
    from tests.factories import donate, on_hand

    document = donate(w, IntakeLine(w.soap, 5), IntakeLine(w.rice, 3, expiry=w.later(90)))
    wrong = document.lines.get(item=w.rice)
    client.force_login(w.coordinator)
    page = client.get(reverse("stock:document", args=[document.pk])).content.decode()
    assert f'<option value="{wrong.pk}">' in page
    url = reverse("stock:reverse", args=[document.pk])
    response = client.post(url, {"reason": "rice was lentils", "line": wrong.pk})
    assert response.status_code == 302
    assert (on_hand(w.point, w.soap), on_hand(w.point, w.rice)) == (5, 0)
    client.post(url, {"reason": "rice was lentils", "line": wrong.pk})  # a double click
    assert Document.objects.filter(kind="reversal").count() == 1
    document.refresh_from_db()
    assert document.status == "posted"
    page = client.get(reverse("stock:document", args=[document.pk])).content.decode()
    assert f'<option value="{wrong.pk}">' not in page  # only the soap line is left to reverse
