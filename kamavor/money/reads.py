"""Read models of money: a fund's accounts, an organisation's accounts in its own currency, money
raised in a period, and the in-kind value of goods. The money pages, the public accounts and the
reports call these; each returns plain dataclasses and counts its queries.

Sums net reversals out: a reversal entry counts as the kind it undoes (`Entry.counts_as`), so a
reversed donation adds nothing to "money in", and a reversed purchase nothing to "bought".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from kamavor.catalogue.models import name_in
from kamavor.lib.currencies import convert, format_amount
from kamavor.money.models import (
    CashHandover,
    Currency,
    Entry,
    Fund,
    FundBalance,
    FundTotal,
    ItemValue,
    Record,
)
from kamavor.money.values import RateUsed, home_currency, rate_on
from kamavor.stock.models import DailyFlow, DocumentLine, ItemBalance

IN = (Entry.Kind.DONATION, Entry.Kind.TRANSFER_IN)


@dataclass(frozen=True)
class Money:
    """An amount in minor units of a currency, shown the way people read it."""

    minor: int
    code: str
    exponent: int

    def __str__(self) -> str:
        return f"{format_amount(self.minor, self.exponent)} {self.code}"

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)


@dataclass(frozen=True)
class Bought:
    category: str
    amount: Money


@dataclass
class FundAccounts:
    """A fund's accounts: money in, what was bought (by category), other spending, transfers
    out, and what is left; in the fund's currency."""

    fund_id: int
    name: str
    earmark: str
    currency: str
    donated: Money
    transferred_in: Money
    bought: list[Bought]
    bought_total: Money
    spent: Money
    transferred_out: Money
    left: Money
    advance: Money
    # The figures in the organisation's currency, with the rate used (None: no rate entered).
    rate: RateUsed | None = None
    left_home: Money | None = None
    money_in_home: Money | None = None

    @property
    def money_in(self) -> Money:
        return Money(
            self.donated.minor + self.transferred_in.minor, self.currency, self.donated.exponent
        )


@dataclass
class OrganisationAccounts:
    currency: str
    on: dt.date
    funds: list[FundAccounts] = field(default_factory=list)
    money_in: Money | None = None
    left: Money | None = None
    missing_rates: list[str] = field(default_factory=list)


def _sums_by_kind(fund_ids: list[int]) -> dict[tuple[int, str], int]:
    """Each fund's entries summed per kind, read from the totals the postings keep."""
    rows = FundTotal.objects.filter(fund_id__in=fund_ids).values_list("fund_id", "kind", "amount")
    return {(fund_id, kind): amount for fund_id, kind, amount in rows}


def _bought_by_category(fund_ids: list[int], exponents: dict[int, int]) -> dict[int, dict]:
    """fund id → {category names: cost in minor units} of the lines bought with its money and
    not reversed (a reversed line's movement is reversed)."""
    purchases = dict(
        Entry.objects.filter(fund_id__in=fund_ids, kind=Entry.Kind.PURCHASE).values_list(
            "record__purchase_id", "fund_id"
        )
    )
    if not purchases:
        return defaultdict(dict)
    lines = (
        DocumentLine.objects.filter(document_id__in=purchases, unit_cost__isnull=False)
        .exclude(movements__reversed_by__isnull=False)
        .values_list(
            "document_id",
            "quantity",
            "unit_cost",
            "item__category__name_hy",
            "item__category__name_ru",
            "item__category__name_en",
        )
    )
    result: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for document_id, quantity, unit_cost, hy, ru, en in lines:
        fund_id = purchases[document_id]
        cost = (Decimal(quantity) * unit_cost).scaleb(exponents[fund_id])
        result[fund_id][(hy, ru, en)] += int(cost)
    return result


def fund_accounts_of(funds: list[Fund], *, home: Currency | None = None, on=None) -> list:
    """The accounts of these funds (with their currency and balance selected), in four queries,
    and in `home` currency at the rate of `on` when given."""
    ids = [f.pk for f in funds]
    sums = _sums_by_kind(ids)
    exponents = {f.pk: f.currency.exponent for f in funds}
    bought_ids = [i for i in ids if sums.get((i, Entry.Kind.PURCHASE))]
    bought = _bought_by_category(bought_ids, exponents) if bought_ids else defaultdict(dict)
    balances = {b.fund_id: b for b in FundBalance.objects.filter(fund_id__in=ids)}
    rates: dict[str, RateUsed | None] = {}
    accounts = []
    for fund in funds:
        code, exp = fund.currency_id, fund.currency.exponent

        def money(minor: int, code=code, exp=exp) -> Money:
            return Money(int(minor), code, exp)

        categories = sorted(
            (
                Bought(name_in({"hy": hy, "ru": ru, "en": en}), money(cost))
                for (hy, ru, en), cost in bought[fund.pk].items()
            ),
            key=lambda b: -b.amount.minor,
        )
        bought_total = -sums.get((fund.pk, Entry.Kind.PURCHASE), 0)
        balance = balances.get(fund.pk)
        account = FundAccounts(
            fund_id=fund.pk,
            name=fund.name,
            earmark=fund.earmark,
            currency=code,
            donated=money(sums.get((fund.pk, Entry.Kind.DONATION), 0)),
            transferred_in=money(sums.get((fund.pk, Entry.Kind.TRANSFER_IN), 0)),
            bought=categories,
            bought_total=money(bought_total),
            spent=money(-sums.get((fund.pk, Entry.Kind.SPENDING), 0)),
            transferred_out=money(-sums.get((fund.pk, Entry.Kind.TRANSFER_OUT), 0)),
            left=money(balance.amount if balance else 0),
            advance=money(balance.advance if balance else 0),
        )
        if home is not None and on is not None:
            if code not in rates:
                rates[code] = rate_on(fund.organisation_id, code, on, home=home)
            account.rate = rates[code]
            if account.rate is not None:
                account.left_home = _converted(account.left, account.rate, home)
                account.money_in_home = _converted(account.money_in, account.rate, home)
        accounts.append(account)
    return accounts


def _converted(amount: Money, rate: RateUsed, home: Currency) -> Money:
    minor = convert(
        amount.minor, exponent=amount.exponent, rate=rate.rate, to_exponent=home.exponent
    )
    return Money(minor, home.code, home.exponent)


def fund_accounts(fund: Fund) -> FundAccounts:
    """One fund's accounts (money in, bought by category, spent, left)."""
    return fund_accounts_of([fund])[0]


def organisation_accounts(
    organisation_id: int, *, public_only: bool = False, on: dt.date | None = None
) -> OrganisationAccounts:
    """Every fund's accounts, and the totals in the organisation's currency at the latest rate
    entered on or before `on` (today by default); a fund whose currency has no rate yet is
    left out of the totals and named in `missing_rates`."""
    on = on or timezone.localdate()
    home = home_currency(organisation_id)
    funds = Fund.objects.filter(organisation_id=organisation_id).select_related("currency")
    if public_only:
        funds = funds.filter(public=True)
    accounts = fund_accounts_of(list(funds.order_by("name")), home=home, on=on)
    result = OrganisationAccounts(currency=home.code, on=on, funds=accounts)
    money_in = left = 0
    for account in accounts:
        if account.rate is None:
            if account.currency not in result.missing_rates:
                result.missing_rates.append(account.currency)
            continue
        money_in += account.money_in_home.minor
        left += account.left_home.minor
    result.money_in = Money(money_in, home.code, home.exponent)
    result.left = Money(left, home.code, home.exponent)
    return result


@dataclass(frozen=True)
class Raised:
    """Money given to an organisation's funds in a period, per currency and in its own."""

    by_currency: dict[str, Money]
    total: Money
    rates: list[RateUsed]
    missing_rates: list[str]


def money_raised(organisation_id: int, *, since: dt.datetime, until: dt.datetime) -> Raised:
    """Money donations (net of reversals) in [since, until), per currency, and their total in the
    organisation's currency at the rate of the period's last day."""
    home = home_currency(organisation_id)
    rows = (
        Entry.objects.filter(
            fund__organisation_id=organisation_id,
            counts_as=Entry.Kind.DONATION,
            at__gte=since,
            at__lt=until,
        )
        .values("fund__currency_id", "fund__currency__exponent")
        .annotate(total=Sum("amount"))
    )
    day = timezone.localdate(until - dt.timedelta(microseconds=1))
    by_currency, rates, missing, total = {}, [], [], 0
    for row in rows:
        code, exp = row["fund__currency_id"], row["fund__currency__exponent"]
        amount = Money(int(row["total"]), code, exp)
        by_currency[code] = amount
        rate = rate_on(organisation_id, code, day, home=home)
        if rate is None:
            missing.append(code)
            continue
        rates.append(rate)
        total += _converted(amount, rate, home).minor
    return Raised(by_currency, Money(total, home.code, home.exponent), rates, missing)


@dataclass(frozen=True)
class InKindValue:
    """The estimated value of goods: donated and handed out in a period, and in stock now, in
    the organisation's currency; `unvalued` counts units of items with no value set."""

    donated: Money
    distributed: Money
    in_stock: Money
    unvalued_items: int


def in_kind_value(organisation_id: int, *, since: dt.date, until: dt.date) -> InKindValue:
    """Goods valued at the organisation's in-kind values: donated and distributed on days in
    [since, until) at its points, and on hand now."""
    home = home_currency(organisation_id)
    values = dict(
        # Values set in another currency (before the organisation changed its own) count as
        # unvalued rather than being read in the wrong currency.
        ItemValue.objects.filter(organisation_id=organisation_id, currency=home).values_list(
            "item_id", "unit_value"
        )
    )
    flows = (
        DailyFlow.objects.filter(
            point__organisation_id=organisation_id,
            kind__in=("donation", "distribution"),
            day__gte=since,
            day__lt=until,
        )
        .values("kind", "item_id")
        .annotate(units=Sum("quantity"))
    )
    totals = {"donation": 0, "distribution": 0}
    unvalued: set[int] = set()
    for row in flows:
        if row["item_id"] not in values:
            unvalued.add(row["item_id"])
            continue
        totals[row["kind"]] += abs(row["units"]) * values[row["item_id"]]
    stock = 0
    for item_id, units in (
        ItemBalance.objects.filter(point__organisation_id=organisation_id, quantity__gt=0)
        .values("item_id")
        .annotate(units=Sum("quantity"))
        .values_list("item_id", "units")
    ):
        if item_id not in values:
            unvalued.add(item_id)
            continue
        stock += units * values[item_id]

    def money(minor: int) -> Money:
        return Money(minor, home.code, home.exponent)

    return InKindValue(
        money(totals["donation"]), money(totals["distribution"]), money(stock), len(unvalued)
    )


@dataclass
class CashAtPoint:
    """The cash of one fund that should be at one point: cash received there, less cash spent
    there and cash handed on from there."""

    fund: Fund
    point_id: int
    received: int
    spent: int
    handed_on: int

    @property
    def on_hand(self) -> int:
        return self.received - self.spent - self.handed_on

    @property
    def shown_on_hand(self) -> str:
        return self.fund.currency.show(self.on_hand)


def cash_on_hand(organisation_id: int) -> list[CashAtPoint]:
    """Per fund and point, the cash a count there should find (six grouped queries, however
    many entries). Cash in is a cash donation taken at the point; cash out is a spending paid
    at the point and cash handed from one person to another at it. A reversal counts with the
    record it undoes, so a reversed donation or spending nets out."""
    cash = Q(method="cash")
    spending = Q(kind=Record.Kind.SPENDING)
    rows: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for prefix in ("record__", "reversal_of__record__"):
        at_point = {f"{prefix}point__isnull": False}
        for column, where in ((0, cash), (1, spending)):
            condition = Q(**{f"{prefix}{k}": v for k, v in where.children})
            found = (
                Entry.objects.filter(condition, fund__organisation_id=organisation_id, **at_point)
                .filter(**({"reversal_of__isnull": True} if prefix == "record__" else {}))
                .values_list("fund_id", f"{prefix}point_id")
                .annotate(total=Sum("amount"))
                .order_by()
            )
            for fund_id, point_id, total in found:
                rows[(fund_id, point_id)][column] += total if column == 0 else -total
    for fund_id, point_id, total in (
        CashHandover.objects.filter(fund__organisation_id=organisation_id, point__isnull=False)
        .values_list("fund_id", "point_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        rows[(fund_id, point_id)][2] += total
    funds = Fund.objects.select_related("currency").in_bulk({fund for fund, _point in rows})
    return [
        CashAtPoint(funds[fund_id], point_id, *figures)
        for (fund_id, point_id), figures in sorted(rows.items())
    ]
