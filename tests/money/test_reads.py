"""The money reads other pages and the reports call: accounts, money raised, in-kind value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kamavor.money import reads, services, values
from kamavor.money.purchases import buy_with_fund
from kamavor.stock.services import IntakeLine
from tests.factories import donate
from tests.money.conftest import give


def test_organisation_accounts_convert_at_the_rate_used(w, fund, django_assert_num_queries):
    dollars = services.create_fund(organisation=w.org, name="Dollars", currency="USD", by=w.admin)
    give(fund, w.coordinator, "1000")
    give(dollars, w.coordinator, "10")
    today = timezone.localdate()
    values.set_rate(
        organisation=w.org, currency="USD", day=today - dt.timedelta(days=3), rate="390", by=w.admin
    )
    values.set_rate(
        organisation=w.org, currency="USD", day=today + dt.timedelta(days=1), rate="1", by=w.admin
    )
    # The currency (settings, table), the funds, their totals, balances, one rate: however
    # many entries the funds have.
    with django_assert_num_queries(6):
        accounts = reads.organisation_accounts(w.org.pk)
    by_name = {a.name: a for a in accounts.funds}
    assert by_name["Dollars"].rate.rate == Decimal("390") and by_name[
        "Dollars"
    ].rate.day == today - dt.timedelta(days=3)
    assert by_name["Dollars"].left_home.minor == 390000
    assert accounts.left.minor == 100000 + 390000 and accounts.missing_rates == []
    assert str(accounts.left) == "4\xa0900.00 AMD"


def test_a_currency_without_a_rate_is_named_not_guessed(w, fund):
    euros = services.create_fund(organisation=w.org, name="Euros", currency="EUR", by=w.admin)
    give(euros, w.coordinator, "5")
    accounts = reads.organisation_accounts(w.org.pk)
    assert accounts.missing_rates == ["EUR"] and accounts.left.minor == 0


def test_money_raised_nets_reversals_out(w, fund):
    kept = give(fund, w.coordinator, "300")
    undone = give(fund, w.coordinator, "200")
    services.reverse_record(record=undone, by=w.coordinator)
    now = timezone.now()
    raised = reads.money_raised(
        w.org.pk, since=now - dt.timedelta(days=1), until=now + dt.timedelta(seconds=1)
    )
    assert raised.by_currency["AMD"].minor == 30000 == raised.total.minor
    assert kept.pk


def test_accounts_show_what_each_category_bought(w, fund):
    give(fund, w.coordinator, "10000")
    buy_with_fund(
        fund=fund,
        point=w.point,
        lines=[
            IntakeLine(w.soap, 10, unit_cost=Decimal("100")),
            IntakeLine(w.rice, 5, expiry=w.later(100), unit_cost=Decimal("700")),
        ],
        supplier="Market",
        by=w.coordinator,
    )
    accounts = reads.fund_accounts(fund)
    assert [(b.category, b.amount.minor) for b in accounts.bought] == [
        ("Food", 350000),
        ("Hygiene", 100000),
    ]
    assert accounts.bought_total.minor == 450000 and accounts.left.minor == 550000


def test_in_kind_value_of_donations_and_stock(w):
    values.set_item_value(organisation=w.org, item=w.soap, value="250", by=w.admin)
    donate(w, IntakeLine(w.soap, 4), IntakeLine(w.jacket, 1, size="110"))
    today = timezone.localdate()
    value = reads.in_kind_value(w.org.pk, since=today, until=today + dt.timedelta(days=1))
    assert value.donated.minor == 100000 and value.in_stock.minor == 100000
    assert value.distributed.minor == 0 and value.unvalued_items == 1
