"""The money API: funds, donations with idempotency keys, purchases, reversals, rates."""

from __future__ import annotations

import json

from kamavor.money.models import Entry, ExchangeRate, ItemValue, Record
from tests.api.conftest import PREFIX, assert_error
from tests.api.conftest import api as api
from tests.money.conftest import balance, give


def donation(fund, **fields):
    body = {"fund": fund.pk, "amount": "1500.50", "currency": "AMD", "method": "bank"}
    body.update(fields)
    return body


def test_a_money_donation_counts_once_however_often_it_is_sent(w, api, fund):
    client = api(w.coordinator)
    first = client.post("/money-donations", donation(fund), key="d-1")
    again = client.post("/money-donations", donation(fund), key="d-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    body = first.json()
    assert body["entries"][0]["amount"] == {"amount": "1500.50", "minor": 150050, "currency": "AMD"}
    assert balance(fund) == 150050
    assert_error(
        client.post("/money-donations", donation(fund, amount="1"), key="d-1"),
        422,
        "idempotency_key_reused",
    )


def test_bad_input_is_refused_with_a_code_and_nothing_changes(w, api, fund, other_fund):
    client = api(w.coordinator)
    assert_error(
        client.post("/money-donations", donation(fund, amount="-1")), 400, "amount_not_positive"
    )
    assert_error(
        client.post("/money-donations", donation(fund, currency="QQQ")), 400, "unknown_currency"
    )
    assert_error(client.post("/money-donations", donation(other_fund)), 400, "unknown_fund")
    assert_error(client.post("/money-donations", donation(fund, amount=15)), 422, "invalid")
    assert_error(client.post("/money-donations", donation(fund, method="cash")), 400, "no_point")
    ru = api(w.coordinator, "ru").post("/money-donations", donation(fund, amount="-1"))
    assert ru.json()["message"] == "Сумма не может быть отрицательной."
    assert balance(fund) == 0 and not Record.objects.exists()


def test_only_money_roles_see_funds(w, api, fund, treasurer):
    assert [f["name"] for f in api(treasurer).get("/funds").json()] == ["Medicine"]
    assert api(w.outsider).get("/funds").json() == []
    assert_error(api(w.volunteer).get(f"/funds/{fund.pk}/accounts"), 403, "forbidden")
    assert_error(api(w.outsider).get(f"/funds/{fund.pk}/accounts"), 404, "not_found")
    assert_error(api(w.volunteer).post("/money-donations", donation(fund)), 403, "forbidden")


def test_a_purchase_paid_from_a_fund_and_its_reversal(w, api, fund):
    give(fund, w.coordinator, "1000")
    client = api(w.coordinator)
    body = {
        "fund": fund.pk,
        "point": w.point.pk,
        "supplier": "Pharmacy",
        "lines": [{"item": w.soap.pk, "quantity": 4, "unit_cost": "50.25"}],
    }
    made = client.post("/fund-purchases", body, key="buy-1")
    assert made.status_code == 201, made.content
    assert client.post("/fund-purchases", body, key="buy-1").json() == made.json()
    assert balance(fund) == 100000 - 20100
    document = made.json()["purchase"]
    assert client.post(f"/documents/{document}/reverse", {"reason": "returned"}).status_code == 201
    assert balance(fund) == 100000
    accounts = client.get(f"/funds/{fund.pk}/accounts").json()
    assert accounts["bought_total"]["minor"] == 0 and accounts["left"]["amount"] == "1000.00"


def test_accounts_show_what_was_bought_by_category(w, api, fund):
    give(fund, w.coordinator, "1000")
    client = api(w.coordinator)
    body = {
        "fund": fund.pk,
        "point": w.point.pk,
        "supplier": "Shop",
        "lines": [{"item": w.soap.pk, "quantity": 2, "unit_cost": "100"}],
    }
    client.post("/fund-purchases", body)
    accounts = client.get(f"/funds/{fund.pk}/accounts").json()
    assert accounts["bought"] == [
        {"category": "Hygiene", "amount": {"amount": "200.00", "minor": 20000, "currency": "AMD"}}
    ]
    assert accounts["money_in"]["minor"] == 100000 and accounts["left"]["minor"] == 80000


def test_transfer_spending_and_reversal(w, api, fund, other_fund):
    give(fund, w.coordinator, "100")
    client = api(w.coordinator)
    sent = client.post(
        "/money-transfers", {"source": fund.pk, "destination": other_fund.pk, "amount": "40"}
    )
    assert sent.status_code == 201 and balance(other_fund) == 4000
    spent = client.post("/money-spending", {"fund": fund.pk, "amount": "60", "purpose": "fuel"})
    assert spent.status_code == 201
    assert_error(
        client.post("/money-spending", {"fund": fund.pk, "amount": "0.01", "purpose": "x"}),
        409,
        "not_enough_money",
    )
    reversal = client.post(f"/money-records/{spent.json()['id']}/reverse", {"reason": "refund"})
    assert reversal.status_code == 201 and balance(fund) == 6000
    entries = client.get(f"/funds/{fund.pk}/entries").json()
    assert [e["kind"] for e in entries] == ["reversal", "spending", "transfer_out", "donation"]


def test_rates_currencies_and_item_values_round_trip(w, api, fund):
    client = api(w.coordinator)
    codes = {c["code"]: c["exponent"] for c in client.get("/currencies").json()}
    assert (
        {"AMD", "USD", "EUR", "RUB", "GEL"} <= set(codes)
        and codes["JPY"] == 0
        and codes["KWD"] == 3
    )
    put = client.client.put(
        PREFIX + "/exchange-rates",
        json.dumps(
            {
                "organisation": w.org.pk,
                "day": "2026-03-01",
                "currency": "eur",
                "rate": "421.12345678",
            }
        ),
        content_type="application/json",
        **client.extra,
    )
    assert put.status_code == 200 and put.json()["rate"] == "421.12345678"
    listed = client.get(f"/organisations/{w.org.pk}/exchange-rates").json()
    assert listed == [
        {"organisation": w.org.pk, "day": "2026-03-01", "currency": "EUR", "rate": "421.12345678"}
    ]
    assert ExchangeRate.objects.get().rate == ExchangeRate.objects.get().rate.normalize()
    value = client.client.put(
        PREFIX + "/item-values",
        json.dumps({"organisation": w.org.pk, "item": w.soap.pk, "value": "350.5"}),
        content_type="application/json",
        **client.extra,
    )
    assert value.json()["value"] == {"amount": "350.50", "minor": 35050, "currency": "AMD"}
    assert ItemValue.objects.get().unit_value == 35050
    assert not Entry.objects.exists()


def test_a_round_rate_round_trips_without_an_exponent(w, api):
    client = api(w.coordinator)
    body = {"organisation": w.org.pk, "day": "2026-03-02", "currency": "USD", "rate": "400"}
    put = client.client.put(
        PREFIX + "/exchange-rates",
        json.dumps(body),
        content_type="application/json",
        **client.extra,
    )
    assert put.json()["rate"] == "400"
