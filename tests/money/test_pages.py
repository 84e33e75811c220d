"""The money desk through its URLs: who sees it, the forms, receipts and public accounts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kamavor.money import services, values
from kamavor.money.models import CashCount, CashHandover, Entry, ExchangeRate, ItemValue, Record
from tests.factories import desk, text
from tests.money.conftest import balance, give


def test_it_shows_the_funds_to_those_who_handle_money(w, fund, treasurer):
    give(fund, w.coordinator, "2500")
    for person in (w.coordinator, treasurer, w.admin):
        page = desk(person).get(reverse("money:index"))
        assert (
            page.status_code == 200 and "Medicine" in text(page) and "2\xa0500.00 AMD" in text(page)
        )
    for person in (w.volunteer, w.partner):
        assert desk(person).get(reverse("money:index")).status_code == 403
    outsider = text(desk(w.outsider).get(reverse("money:index")))
    assert "Medicine" not in outsider
    assert desk(w.outsider).get(reverse("money:fund", args=[fund.pk])).status_code == 404
    assert desk(w.volunteer).get(reverse("money:fund", args=[fund.pk])).status_code == 403


def post_donation(client, w, fund, **data):
    form = {
        "fund": fund.pk,
        "amount": "1000",
        "currency": "",
        "method": "cash",
        "point": w.point.pk,
        "donor": "",
        "note": "",
        "key": "form-1",
    }
    form.update(data)
    return client.post(reverse("money:donation_new", args=[w.org.pk]), form)


def test_a_cash_donation_from_the_form_counts_once(w, fund):
    client = desk(w.coordinator)
    assert client.get(reverse("money:donation_new", args=[w.org.pk])).status_code == 200
    first = post_donation(client, w, fund)
    again = post_donation(client, w, fund)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert balance(fund) == 100000 and Record.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "-10"}, "The amount cannot be negative."),
        ({"currency": "ABC"}, "ABC is not a currency code we know"),
        ({"currency": "USD"}, "Medicine keeps AMD"),
        ({"method": "cash", "point": ""}, "Cash is taken at a point"),
    ],
)
def test_bad_input_comes_back_with_the_reason(w, fund, data, error):
    response = post_donation(desk(w.coordinator), w, fund, **data)
    assert response.status_code == 400 and error in text(response)
    assert balance(fund) == 0 and not Record.objects.exists()


def test_a_fund_of_another_organisation_is_not_a_choice(w, fund, other_fund):
    response = post_donation(desk(w.coordinator), w, other_fund)
    assert response.status_code == 400 and not Entry.objects.exists()


def test_errors_are_translated(w, fund):
    client = desk(w.coordinator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = post_donation(client, w, fund, amount="-1")
    assert "Сумма не может быть отрицательной." in text(response)


def test_the_receipt_prints_in_each_language(w, fund):
    record = give(fund, w.coordinator, "5000", method="cash", point=w.point, donor="Ani")
    client = desk(w.coordinator)
    links = text(client.get(reverse("money:record", args=[record.pk])))
    for code in ("hy", "ru", "en"):
        assert reverse("money:receipt", args=[record.pk, code]) in links
    hy = text(client.get(reverse("money:receipt", args=[record.pk, "hy"])))
    assert "Անդորրագիր" in hy and "5\xa0000.00 AMD" in hy and "Ani" in hy
    ru = text(client.get(reverse("money:receipt", args=[record.pk, "ru"])))
    assert "Квитанция" in ru
    anonymous = give(fund, w.coordinator, "1")
    en = text(client.get(reverse("money:receipt", args=[anonymous.pk, "en"])))
    assert "an anonymous donor" in en
    assert client.get(reverse("money:receipt", args=[record.pk, "de"])).status_code == 404
    assert desk(w.outsider).get(reverse("money:receipt", args=[record.pk, "hy"])).status_code == 404


def test_a_record_is_reversed_from_its_page(w, fund):
    record = give(fund, w.coordinator, "10")
    client = desk(w.coordinator)
    assert "Reverse" in text(client.get(reverse("money:record", args=[record.pk])))
    client.post(reverse("money:reverse", args=[record.pk]), {"reason": "typo", "key": "r1"})
    client.post(reverse("money:reverse", args=[record.pk]), {"reason": "typo", "key": "r1"})
    assert balance(fund) == 0 and Record.objects.filter(kind="reversal").count() == 1


def test_spending_transfer_and_advance_forms(w, fund, other_fund, treasurer):
    give(fund, w.coordinator, "100")
    client = desk(w.coordinator)
    spent = client.post(
        reverse("money:spending_new", args=[w.org.pk]),
        {"fund": fund.pk, "amount": "10", "purpose": "fuel", "key": "s"},
    )
    assert spent.status_code == 302
    sent = client.post(
        reverse("money:transfer_new", args=[w.org.pk]),
        {"source": fund.pk, "destination": other_fund.pk, "amount": "20", "key": "t"},
    )
    assert sent.status_code == 302 and balance(other_fund) == 2000
    too_much = client.post(
        reverse("money:spending_new", args=[w.org.pk]),
        {"fund": fund.pk, "amount": "1000", "purpose": "x", "key": "s2"},
    )
    assert too_much.status_code == 400 and "Not enough money in Medicine" in text(too_much)
    advance = client.post(
        reverse("money:advance_new", args=[w.org.pk]),
        {"fund": fund.pk, "amount": "50", "note": "Gor", "key": "a"},
    )
    assert advance.status_code == 302
    assert desk(treasurer).get(reverse("money:advance_new", args=[w.org.pk])).status_code == 403
    assert balance(fund) == 7000


def test_cash_counts_and_handovers(w, fund, treasurer):
    give(fund, w.coordinator, "100", method="cash", point=w.point)
    page = reverse("money:cash", args=[w.org.pk])
    response = desk(treasurer).post(
        page, {"form": "count", "fund": fund.pk, "point": w.point.pk, "counted": "90"}
    )
    assert response.status_code == 302
    count = CashCount.objects.get()
    assert desk(treasurer).post(reverse("money:confirm_count", args=[count.pk])).status_code == 302
    assert CashCount.objects.get().confirmed_by is None
    desk(w.coordinator).post(reverse("money:confirm_count", args=[count.pk]))
    assert CashCount.objects.get().confirmed_by == w.coordinator
    handed = desk(w.coordinator).post(
        page, {"form": "handover", "fund": fund.pk, "amount": "90", "to": treasurer.pk, "key": "h"}
    )
    assert handed.status_code == 302 and CashHandover.objects.get().received_by == treasurer
    assert "waits for a second person" not in text(desk(w.coordinator).get(page))


def test_rates_are_typed_or_imported_and_shown_in_the_totals(w, fund, treasurer):
    dollars = services.create_fund(organisation=w.org, name="Dollars", currency="USD", by=w.admin)
    give(dollars, w.coordinator, "10")
    client = desk(treasurer)
    page = reverse("money:rates", args=[w.org.pk])
    assert "no rate entered" in text(client.get(reverse("money:index")))
    client.post(page, {"form": "rate", "day": "2026-01-05", "currency": "usd", "rate": "390,25"})
    rate = ExchangeRate.objects.get()
    assert (rate.currency_id, str(rate.rate.normalize())) == ("USD", "390.25")
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv_file = SimpleUploadedFile(
        "rates.csv", b"day,currency,rate\n2026-01-06,USD,388.5\n2026-01-06,EUR,450\n"
    )
    assert client.post(page, {"form": "file", "file": csv_file}).status_code == 302
    assert ExchangeRate.objects.count() == 3
    bad = SimpleUploadedFile("rates.csv", b"day,currency,rate\n2026-01-07,USD,-1\n")
    response = client.post(page, {"form": "file", "file": bad})
    assert (
        response.status_code == 400
        and "Line 2" in text(response)
        and ExchangeRate.objects.count() == 3
    )
    overview = text(client.get(reverse("money:index")))
    assert "3\xa0885.00 AMD" in overview and "1 USD = 388.5" in overview


def test_in_kind_values_are_set_per_organisation(w, treasurer):
    page = reverse("money:values", args=[w.org.pk])
    client = desk(treasurer)
    assert w.soap.name_en in text(client.get(page))
    assert client.post(page, {"item": w.soap.pk, "value": "350"}).status_code == 302
    assert ItemValue.objects.get(organisation=w.org, item=w.soap).unit_value == 35000
    assert client.post(page, {"item": w.soap.pk, "value": "-1"}).status_code == 400
    assert ItemValue.objects.get().unit_value == 35000
    assert desk(w.volunteer).get(page).status_code == 403


def test_public_accounts_show_aggregates_and_no_donor(w, fund, client):
    give(fund, w.coordinator, "1000", donor="Ani Petrosyan")
    hidden = services.create_fund(
        organisation=w.org, name="Private", currency="AMD", by=w.admin, public=False
    )
    give(hidden, w.coordinator, "5")
    values.set_rate(organisation=w.org, currency="USD", day="2026-01-01", rate="390", by=w.admin)
    page = client.get(reverse("public:accounts", args=["hy", w.org.slug]))
    body = text(page)
    assert page.status_code == 200 and "Medicine" in body and "1\xa0000.00 AMD" in body
    assert "Ani" not in body and "Private" not in body
    assert client.get("/en/funds/no-such-organisation/").status_code == 404


def test_the_overview_costs_the_same_however_many_funds(w, fund, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = desk(w.coordinator)
    give(fund, w.coordinator, "5")
    client.get(reverse("money:index"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("money:index"))
    for n in range(4):
        more = services.create_fund(
            organisation=w.org, name=f"Fund {n}", currency="AMD", by=w.admin
        )
        give(more, w.coordinator, "5")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("money:index"))


def test_the_organisation_chooses_its_currency(w, fund, treasurer):
    page = reverse("money:rates", args=[w.org.pk])
    client = desk(treasurer)
    assert client.post(page, {"form": "home", "currency": "usd"}).status_code == 302
    assert values.home_currency(w.org.pk).code == "USD"
    refused = client.post(page, {"form": "home", "currency": "XYZ"})
    assert refused.status_code == 400 and "XYZ is not a currency code we know" in text(refused)
    assert values.home_currency(w.org.pk).code == "USD"
    give(fund, w.coordinator, "100")
    overview = text(client.get(reverse("money:index")))
    assert "Left in USD" in overview and "no rate entered" in overview
