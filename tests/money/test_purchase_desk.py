"""The fund purchase desk: the intake desk's search and lines, paid from a fund in one post."""

from __future__ import annotations

from django.urls import reverse

from kamavor.money import services
from kamavor.money.models import Entry, Record
from kamavor.stock.models import Document
from tests.factories import desk, on_hand, text
from tests.money.conftest import balance, give


def add_line(client, w, quantity="10", cost="250"):
    return client.post(
        reverse("money:purchase_add", args=[w.point.pk]),
        {"item": w.soap.pk, "quantity": quantity, "condition": "new", "unit_cost": cost},
    )


def post(client, w, fund_id, supplier="Pharmacy 36.6"):
    return client.post(
        reverse("money:purchase_post", args=[w.point.pk]),
        {"fund": fund_id, "supplier": supplier, "note": ""},
    )


def test_the_desk_finds_items_with_the_intake_search(w, fund):
    client = desk(w.coordinator)
    page = client.get(reverse("money:purchase", args=[w.point.pk]), {"q": w.soap.name})
    assert page.status_code == 200 and 'id="line-form"' in page.content.decode()
    assert "Cost per unit" in text(page)


def test_a_purchase_from_the_desk_draws_the_fund_and_fills_stock_once(w, fund, treasurer):
    give(fund, w.coordinator, "10000")
    client = desk(treasurer)
    assert add_line(client, w).status_code == 302
    page = client.get(reverse("money:purchase", args=[w.point.pk]))
    assert "Medicine · AMD · 10\xa0000.00 AMD" in text(page)
    session_key = client.session[f"cart:fund-purchase:{w.point.pk}"]["key"]
    first = post(client, w, fund.pk)
    assert first.status_code == 302
    assert balance(fund) == 1000000 - 250000 and on_hand(w.point, w.soap) == 10
    record = Record.objects.get(kind=Record.Kind.PURCHASE)
    assert record.purchase.supplier == "Pharmacy 36.6" and record.purchase.currency == "AMD"
    # The same cart posted again (a resent form before the page reloaded) counts once.
    session = client.session
    session[f"cart:fund-purchase:{w.point.pk}"] = {
        "key": session_key,
        "lines": [
            {
                "item": w.soap.pk,
                "quantity": 10,
                "expiry": None,
                "size": "",
                "condition": "new",
                "unit_cost": "250",
            }
        ],
        "mode": "donation",
    }
    session.save()
    assert post(client, w, fund.pk).status_code == 302
    assert Record.objects.filter(kind=Record.Kind.PURCHASE).count() == 1
    assert Document.objects.filter(kind="purchase").count() == 1
    assert balance(fund) == 750000 and on_hand(w.point, w.soap) == 10


def test_a_fund_of_another_organisation_is_refused_and_nothing_changes(w, fund, other_fund):
    give(other_fund, w.outsider, "10000")
    client = desk(w.coordinator)
    add_line(client, w)
    page = post(client, w, other_fund.pk)
    assert page.status_code == 400
    assert "Goris winter is a fund of another organisation." in text(page)
    assert balance(other_fund) == 1000000 and on_hand(w.point, w.soap) == 0
    assert not Document.objects.filter(kind="purchase").exists()


def test_too_little_money_is_refused_and_nothing_changes(w, fund):
    give(fund, w.coordinator, "100")
    client = desk(w.coordinator)
    add_line(client, w)
    page = post(client, w, fund.pk)
    assert page.status_code == 400
    assert "Not enough money in Medicine" in text(page)
    assert balance(fund) == 10000 and on_hand(w.point, w.soap) == 0
    assert not Document.objects.filter(kind="purchase").exists()
    assert Entry.objects.filter(fund=fund).count() == 1
    # The lines are kept: with an advance the same cart goes through.
    services.record_advance(fund=fund, amount="2400", note="Ani paid ahead", by=w.coordinator)
    assert post(client, w, fund.pk).status_code == 302
    assert balance(fund) == 10000 - 250000 and on_hand(w.point, w.soap) == 10


def test_a_line_without_a_cost_or_a_missing_fund_is_refused(w, fund):
    client = desk(w.coordinator)
    add_line(client, w, cost="")
    page = post(client, w, "")
    assert page.status_code == 400 and "Line 1: enter the cost per unit." not in text(page)
    give(fund, w.coordinator, "10000")
    page = post(client, w, fund.pk)
    assert page.status_code == 400 and "Line 1: enter the cost per unit." in text(page)
    assert balance(fund) == 1000000 and on_hand(w.point, w.soap) == 0


def test_only_buyers_who_handle_money_reach_the_desk(w, fund):
    url = reverse("money:purchase", args=[w.point.pk])
    assert desk(w.coordinator).get(url).status_code == 200
    assert desk(w.volunteer).get(url).status_code == 403
    assert desk(w.outsider).get(url).status_code == 404
    intake = desk(w.coordinator).get(
        reverse("stock:intake", args=[w.point.pk]), {"mode": "purchase"}
    )
    assert url in intake.content.decode()
