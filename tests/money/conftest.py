"""Money personas: the world's people, a treasurer, and a fund or two."""

from __future__ import annotations

import pytest

from kamavor.money import services
from kamavor.money.models import Fund, FundBalance
from kamavor.network.models import Member
from tests.factories import make_member


@pytest.fixture
def treasurer(w):
    return make_member(w.org, "mariam-treasurer", Member.Role.TREASURER)


@pytest.fixture
def fund(w) -> Fund:
    return services.create_fund(
        organisation=w.org, name="Medicine", earmark="medicine", currency="AMD", by=w.coordinator
    )


@pytest.fixture
def other_fund(w) -> Fund:
    return services.create_fund(
        organisation=w.other_org, name="Goris winter", currency="AMD", by=w.outsider
    )


def balance(fund: Fund) -> int:
    return FundBalance.objects.get(fund=fund).amount


def give(fund: Fund, by, amount: str = "100000", **fields):
    fields.setdefault("method", "bank")
    fields.setdefault("currency", fund.currency_id)
    return services.post_money_donation(fund=fund, amount=amount, by=by, **fields)
