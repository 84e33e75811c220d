"""API endpoints of the money app: funds and their accounts, money donations, spending,
transfers, purchases paid from a fund, reversals, exchange rates, currencies, in-kind values.

Amounts are exact: sent as decimal strings in the currency's major unit ("1500.50"), never as
JSON numbers (a float is never exact); answered both as that string and as whole minor units.
A fund id in a body that the member cannot see is refused like one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict

from kamavor.catalogue.models import Item
from kamavor.core.errors import InvalidInput
from kamavor.core.idempotency import KEY_LIMITS
from kamavor.core.numbers import Id, PathId
from kamavor.core.paging import OFFSET, paged
from kamavor.lib.currencies import as_decimal
from kamavor.money import purchases, services, values
from kamavor.money.access import (
    funds_for,
    get_fund_for,
    get_organisation_for,
    get_record_for,
)
from kamavor.money.models import Currency, Entry, ExchangeRate, Fund, Method, Record
from kamavor.money.reads import Money, fund_accounts, organisation_accounts
from kamavor.network.access import Action, get_point_for
from kamavor.network.api import ERRORS, NO_NUL, one_of
from kamavor.stock.api_schemas import MAX_LINES, PurchaseLineIn
from kamavor.stock.services import IntakeLine

router = Router(tags=["money"])

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    pattern=NO_NUL,
    description="Any string of 1 to 200 characters; a retry with the same key and body "
    "returns the first record again and writes nothing.",
)
IDEMPOTENCY_KEY.json_schema_extra.update(KEY_LIMITS)
LIMIT = Query(50, ge=1, le=200)
AMOUNT = Field(
    max_length=40,
    pattern=NO_NUL,
    description='A decimal string in the currency\'s major unit, such as "1500.50".',
)
Text = Field("", max_length=2000, pattern=NO_NUL)


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class AmountOut(Schema):
    amount: str = Field(description="Decimal string in the major unit.")
    minor: int = Field(description="Whole minor units (luma, cents).")
    currency: str


def _amount(minor: int, currency: Currency) -> dict:
    return {
        "amount": str(as_decimal(minor, currency.exponent)),
        "minor": minor,
        "currency": currency.code,
    }


def _money(money: Money) -> dict:
    return {
        "amount": str(as_decimal(money.minor, money.exponent)),
        "minor": money.minor,
        "currency": money.code,
    }


class FundOut(Schema):
    id: int
    organisation: int
    name: str
    earmark: str
    currency: str
    public: bool
    active: bool
    balance: AmountOut
    advance: AmountOut


def _fund(fund: Fund) -> dict:
    balance = fund.fundbalance
    return {
        "id": fund.pk,
        "organisation": fund.organisation_id,
        "name": fund.name,
        "earmark": fund.earmark,
        "currency": fund.currency_id,
        "public": fund.public,
        "active": fund.active,
        "balance": _amount(balance.amount, fund.currency),
        "advance": _amount(balance.advance, fund.currency),
    }


class FundIn(In):
    organisation: Id
    name: str = Field(max_length=200, pattern=NO_NUL)
    currency: str = Field(max_length=10, pattern=NO_NUL, description="ISO 4217 code.")
    earmark: str = Field("", max_length=200, pattern=NO_NUL)
    public: bool = True


class EntryOut(Schema):
    id: int
    fund: int
    kind: str
    amount: AmountOut
    balance_after: AmountOut
    at: dt.datetime


class RecordOut(Schema):
    id: int
    number: str
    kind: str
    organisation: int
    point: int | None
    method: str
    purpose: str
    note: str
    purchase: int | None = Field(description="The stock purchase document, for a purchase.")
    reverses: int | None
    reversed: bool
    created_at: dt.datetime
    entries: list[EntryOut]


def _record(record: Record) -> dict:
    entries = list(record.entries.select_related("fund__currency").order_by("pk"))
    return {
        "id": record.pk,
        "number": record.number,
        "kind": record.kind,
        "organisation": record.organisation_id,
        "point": record.point_id,
        "method": record.method,
        "purpose": record.purpose,
        "note": record.note,
        "purchase": record.purchase_id,
        "reverses": record.reverses_id,
        "reversed": record.reversed,
        "created_at": record.created_at,
        "entries": [_entry(e) for e in entries],
    }


def _entry(entry: Entry) -> dict:
    currency = entry.fund.currency
    return {
        "id": entry.pk,
        "fund": entry.fund_id,
        "kind": entry.kind,
        "amount": _amount(entry.amount, currency),
        "balance_after": _amount(entry.balance_after, currency),
        "at": entry.at,
    }


def _created(record: Record) -> Status:
    return Status(201, _record(Record.objects.get(pk=record.pk)))


def _fund_in_body(user, fund_id: int, field: str = "fund") -> Fund:
    try:
        return get_fund_for(user, fund_id)
    except Http404:
        raise InvalidInput(_("Choose a fund."), code="unknown_fund", field=field) from None


def _point_in_body(user, point_id: int | None, action: Action = Action.VIEW_STOCK):
    if point_id is None:
        return None
    try:
        return get_point_for(user, point_id, action)
    except Http404:
        raise InvalidInput(_("Choose a point."), code="unknown_point", field="point") from None


# ---------------------------------------------------------------- funds


@router.get("/funds", response={200: list[FundOut], **ERRORS})
def list_funds(
    request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET, *, response: HttpResponse
):
    """The funds of the organisations whose money you handle, with their balances; paged."""
    funds = funds_for(request.user).select_related("currency", "fundbalance").order_by("pk")
    return [_fund(f) for f in paged(funds, request, response, limit=limit, offset=offset)]


@router.post("/funds", response={201: FundOut, **ERRORS})
def create_fund(request: HttpRequest, body: FundIn, key: str | None = IDEMPOTENCY_KEY):
    """A new fund of one of your organisations, in one currency."""
    organisation = get_organisation_for(request.user, body.organisation)
    fund = services.create_fund(
        organisation=organisation,
        name=body.name,
        currency=body.currency,
        earmark=body.earmark,
        public=body.public,
        by=request.user,
        idempotency_key=key,
    )
    return Status(201, _fund(get_fund_for(request.user, fund.pk)))


class BoughtOut(Schema):
    category: str
    amount: AmountOut


class AccountsOut(Schema):
    fund: int
    name: str
    earmark: str
    money_in: AmountOut
    donated: AmountOut
    transferred_in: AmountOut
    bought: list[BoughtOut]
    bought_total: AmountOut
    spent: AmountOut
    transferred_out: AmountOut
    left: AmountOut
    advance: AmountOut
    left_home: AmountOut | None = None
    rate: str | None = Field(None, description="The rate used for left_home.")
    rate_day: dt.date | None = Field(None, description="The day that rate was entered for.")


def _accounts(a) -> dict:
    return {
        "fund": a.fund_id,
        "name": a.name,
        "earmark": a.earmark,
        "money_in": _money(a.money_in),
        "donated": _money(a.donated),
        "transferred_in": _money(a.transferred_in),
        "bought": [{"category": b.category, "amount": _money(b.amount)} for b in a.bought],
        "bought_total": _money(a.bought_total),
        "spent": _money(a.spent),
        "transferred_out": _money(a.transferred_out),
        "left": _money(a.left),
        "advance": _money(a.advance),
        "left_home": _money(a.left_home) if a.left_home else None,
        "rate": a.rate.shown if a.rate else None,
        "rate_day": a.rate.day if a.rate else None,
    }


@router.get("/funds/{fund_id}/accounts", response={200: AccountsOut, **ERRORS})
def get_fund_accounts(request: HttpRequest, fund_id: PathId):
    """A fund's accounts: money in, what was bought (by category), spent, and what is left."""
    return _accounts(fund_accounts(get_fund_for(request.user, fund_id)))


@router.get("/funds/{fund_id}/entries", response={200: list[EntryOut], **ERRORS})
def list_entries(
    request: HttpRequest,
    fund_id: PathId,
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
):
    """A fund's entries, newest first; paged."""
    fund = get_fund_for(request.user, fund_id)
    entries = (
        Entry.objects.filter(fund=fund).select_related("fund__currency").order_by("-at", "-pk")
    )
    return [_entry(e) for e in paged(entries, request, response, limit=limit, offset=offset)]


class OrganisationAccountsOut(Schema):
    currency: str
    on: dt.date
    money_in: AmountOut
    left: AmountOut
    missing_rates: list[str]
    funds: list[AccountsOut]


@router.get(
    "/organisations/{organisation_id}/accounts", response={200: OrganisationAccountsOut, **ERRORS}
)
def get_organisation_accounts(request: HttpRequest, organisation_id: PathId):
    """Every fund's accounts and the totals in the organisation's currency, with the rates used."""
    organisation = get_organisation_for(request.user, organisation_id)
    accounts = organisation_accounts(organisation.pk)
    return {
        "currency": accounts.currency,
        "on": accounts.on,
        "money_in": _money(accounts.money_in),
        "left": _money(accounts.left),
        "missing_rates": accounts.missing_rates,
        "funds": [_accounts(a) for a in accounts.funds],
    }


# ---------------------------------------------------------------- money records


class MoneyDonationIn(In):
    fund: Id
    amount: str = AMOUNT
    currency: str = Field(max_length=10, pattern=NO_NUL, description="ISO 4217 code.")
    method: one_of(Method)  # type: ignore[valid-type]
    point: Id | None = Field(None, description="Where cash was taken (required for cash).")
    donor: str = Field("", max_length=200, pattern=NO_NUL, description="Optional.")
    note: str = Text


@router.post("/money-donations", response={201: RecordOut, **ERRORS})
def post_money_donation(
    request: HttpRequest, body: MoneyDonationIn, key: str | None = IDEMPOTENCY_KEY
):
    """Money given to a fund (cash at a point, bank transfer, card, online collection)."""
    record = services.post_money_donation(
        fund=_fund_in_body(request.user, body.fund),
        amount=body.amount,
        currency=body.currency,
        method=body.method,
        point=_point_in_body(request.user, body.point),
        donor=body.donor,
        note=body.note,
        by=request.user,
        idempotency_key=key,
    )
    return _created(record)


class SpendingIn(In):
    fund: Id
    amount: str = AMOUNT
    purpose: str = Field(max_length=300, pattern=NO_NUL)


@router.post("/money-spending", response={201: RecordOut, **ERRORS})
def post_spending(request: HttpRequest, body: SpendingIn, key: str | None = IDEMPOTENCY_KEY):
    """Money paid out of a fund for something that is not goods in stock."""
    record = services.record_spending(
        fund=_fund_in_body(request.user, body.fund),
        amount=body.amount,
        purpose=body.purpose,
        by=request.user,
        idempotency_key=key,
    )
    return _created(record)


class TransferIn(In):
    source: Id
    destination: Id = Field(description="A fund of this or another organisation.")
    amount: str = AMOUNT
    received: str | None = Field(None, max_length=40, pattern=NO_NUL)
    note: str = Text


@router.post("/money-transfers", response={201: RecordOut, **ERRORS})
def post_transfer(request: HttpRequest, body: TransferIn, key: str | None = IDEMPOTENCY_KEY):
    """Money moved from one of your funds to another fund (of any organisation)."""
    destination = Fund.objects.filter(pk=body.destination, active=True).first()
    if destination is None:
        raise InvalidInput(_("Choose a fund to send to."), code="unknown_fund", field="destination")
    record = services.transfer_money(
        source=_fund_in_body(request.user, body.source, "source"),
        destination=destination,
        amount=body.amount,
        received=body.received,
        note=body.note,
        by=request.user,
        idempotency_key=key,
    )
    return _created(record)


class FundPurchaseIn(In):
    fund: Id
    point: Id
    supplier: str = Field(max_length=200, pattern=NO_NUL)
    note: str = Text
    lines: list[PurchaseLineIn] = Field(max_length=MAX_LINES)


@router.post("/fund-purchases", response={201: RecordOut, **ERRORS})
def post_fund_purchase(
    request: HttpRequest, body: FundPurchaseIn, key: str | None = IDEMPOTENCY_KEY
):
    """Goods bought for a point with a fund's money: a stock purchase in the fund's currency and
    the fund's entry, in one transaction. Reverse the stock document to undo both."""
    items = Item.objects.in_bulk({line.item for line in body.lines})
    lines = []
    for line in body.lines:
        if line.item not in items:
            raise InvalidInput(_("Unknown item."), code="unknown_item", field="item")
        lines.append(
            IntakeLine(
                item=items[line.item],
                quantity=line.quantity,
                expiry=line.expiry,
                size=line.size,
                condition=line.condition,
                unit_cost=line.unit_cost,
            )
        )
    record = purchases.buy_with_fund(
        fund=_fund_in_body(request.user, body.fund),
        point=_point_in_body(request.user, body.point, Action.PURCHASE),
        lines=lines,
        supplier=body.supplier,
        note=body.note,
        by=request.user,
        idempotency_key=key,
    )
    return _created(record)


@router.get("/money-records/{record_id}", response={200: RecordOut, **ERRORS})
def get_record(request: HttpRequest, record_id: PathId):
    """One money record and its entries."""
    return _record(get_record_for(request.user, record_id))


class ReverseIn(In):
    reason: str = Field("", max_length=300, pattern=NO_NUL)


@router.post("/money-records/{record_id}/reverse", response={201: RecordOut, **ERRORS})
def reverse_record(
    request: HttpRequest,
    record_id: PathId,
    body: ReverseIn | None = None,
    key: str | None = IDEMPOTENCY_KEY,
):
    """Undo a money record with opposite entries; answers the reversal record."""
    record = services.reverse_record(
        record=get_record_for(request.user, record_id),
        reason=body.reason if body else "",
        by=request.user,
        idempotency_key=key,
    )
    return _created(record)


# ---------------------------------------------------------------- currencies and rates


class CurrencyOut(Schema):
    code: str
    exponent: int = Field(description="Decimal places of the minor unit.")


@router.get("/currencies", response={200: list[CurrencyOut], **ERRORS})
def list_currencies(request: HttpRequest):
    """The ISO 4217 currencies known, with their decimal places."""
    return [{"code": c.code, "exponent": c.exponent} for c in Currency.objects.order_by("code")]


class RateIn(In):
    organisation: Id
    day: dt.date
    currency: str = Field(max_length=10, pattern=NO_NUL)
    rate: str = Field(
        max_length=30,
        pattern=NO_NUL,
        description="Units of the organisation's currency per unit, as a decimal string.",
    )


class RateOut(Schema):
    organisation: int
    day: dt.date
    currency: str
    rate: str


def _rate(row: ExchangeRate) -> dict:
    return {
        "organisation": row.organisation_id,
        "day": row.day,
        "currency": row.currency_id,
        "rate": row.shown_rate,
    }


@router.put("/exchange-rates", response={200: RateOut, **ERRORS})
def put_rate(request: HttpRequest, body: RateIn):
    """Set the rate of a currency for a day (entering it again corrects it)."""
    organisation = get_organisation_for(request.user, body.organisation)
    row = values.set_rate(
        organisation=organisation,
        currency=body.currency,
        day=body.day,
        rate=body.rate,
        by=request.user,
    )
    return _rate(row)


@router.get(
    "/organisations/{organisation_id}/exchange-rates", response={200: list[RateOut], **ERRORS}
)
def list_rates(
    request: HttpRequest,
    organisation_id: PathId,
    limit: int = LIMIT,
    offset: int = OFFSET,
    *,
    response: HttpResponse,
):
    """The organisation's rates, newest day first; paged."""
    organisation = get_organisation_for(request.user, organisation_id)
    rows = ExchangeRate.objects.filter(organisation=organisation).order_by(
        "-day", "currency_id", "pk"
    )
    return [_rate(r) for r in paged(rows, request, response, limit=limit, offset=offset)]


class ItemValueIn(In):
    organisation: Id
    item: Id
    value: str = AMOUNT


class ItemValueOut(Schema):
    organisation: int
    item: int
    value: AmountOut


@router.put("/item-values", response={200: ItemValueOut, **ERRORS})
def put_item_value(request: HttpRequest, body: ItemValueIn):
    """The organisation's estimated value of one unit of an item, in its own currency."""
    organisation = get_organisation_for(request.user, body.organisation)
    item = Item.objects.filter(pk=body.item).first()
    if item is None:
        raise InvalidInput(_("Unknown item."), code="unknown_item", field="item")
    row = values.set_item_value(
        organisation=organisation, item=item, value=body.value, by=request.user
    )
    return {
        "organisation": row.organisation_id,
        "item": row.item_id,
        "value": _amount(row.unit_value, row.currency),
    }
