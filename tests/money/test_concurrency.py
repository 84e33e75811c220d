"""Treasurers spending from one fund at the same moment: it never goes below zero.

Runs on real, separate database connections (threads), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from kamavor.money import services
from kamavor.money.ledger import NotEnoughMoney
from kamavor.money.models import Entry, FundBalance, Record
from kamavor.network.models import Member
from tests.factories import build_world, make_member
from tests.stock.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_spending_never_takes_a_fund_below_zero():
    w = build_world()
    treasurer = make_member(w.org, "t-race", Member.Role.TREASURER)
    fund = services.create_fund(organisation=w.org, name="Race", currency="AMD", by=w.admin)
    services.post_money_donation(
        fund=fund, amount="1000", currency="AMD", method="bank", by=w.coordinator
    )

    def spend(by):
        return lambda: services.record_spending(fund=fund, amount="300", purpose="fuel", by=by)

    people = [w.coordinator, treasurer, w.admin] * 2
    results = run_together(*(spend(person) for person in people))
    done = [r for r in results if isinstance(r, Record)]
    refused = [r for r in results if isinstance(r, NotEnoughMoney)]
    assert len(done) == 3 and len(refused) == 3, results
    assert FundBalance.objects.get(fund=fund).amount == 10000
    assert sum(Entry.objects.filter(fund=fund).values_list("amount", flat=True)) == 10000


def test_a_donation_retried_at_once_counts_once():
    w = build_world()
    fund = services.create_fund(organisation=w.org, name="Retry", currency="AMD", by=w.admin)

    def donate():
        return services.post_money_donation(
            fund=fund,
            amount="25",
            currency="AMD",
            method="online",
            by=w.coordinator,
            idempotency_key="same-key",
        )

    results = run_together(*([donate] * 4))
    assert all(isinstance(r, Record) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert FundBalance.objects.get(fund=fund).amount == 2500
