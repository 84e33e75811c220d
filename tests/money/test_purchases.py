"""Purchases paid from a fund: goods in stock and money out in one transaction, and back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kamavor.core.errors import InvalidInput
from kamavor.money.ledger import NotEnoughMoney
from kamavor.money.models import Entry, Record
from kamavor.money.purchases import buy_with_fund
from kamavor.stock import services as stock
from kamavor.stock.models import Document
from kamavor.stock.services import IntakeLine
from tests.factories import ledger, on_hand
from tests.money.conftest import balance, give


def buy(w, fund, *lines, key=None):
    return buy_with_fund(
        fund=fund,
        point=w.point,
        lines=list(lines) or [IntakeLine(w.soap, 10, unit_cost=Decimal("250"))],
        supplier="Pharmacy 36.6",
        by=w.coordinator,
        idempotency_key=key,
    )


def test_a_purchase_draws_from_the_fund_and_fills_stock(w, fund):
    give(fund, w.coordinator, "10000")
    record = buy(w, fund, key="p1")
    assert buy(w, fund, key="p1").pk == record.pk  # a retry counts once
    assert balance(fund) == 1000000 - 250000
    assert on_hand(w.point, w.soap) == 10
    document = record.purchase
    assert (document.kind, document.supplier, document.currency) == (
        "purchase",
        "Pharmacy 36.6",
        "AMD",
    )
    assert record.entries.get().amount == -250000


def test_a_purchase_beyond_the_fund_leaves_nothing(w, fund):
    give(fund, w.coordinator, "100")
    before = ledger()
    with pytest.raises(NotEnoughMoney):
        buy(w, fund)
    assert ledger() == before and on_hand(w.point, w.soap) == 0 and balance(fund) == 10000
    assert not Record.objects.filter(kind="purchase").exists()


def test_every_line_needs_its_cost(w, fund):
    give(fund, w.coordinator, "100")
    with pytest.raises(InvalidInput) as refused:
        buy(w, fund, IntakeLine(w.soap, 1))
    assert refused.value.code == "no_cost" and on_hand(w.point, w.soap) == 0


def test_reversing_the_purchase_restores_the_fund(w, fund):
    give(fund, w.coordinator, "10000")
    record = buy(w, fund)
    stock.reverse_document(document=record.purchase, by=w.coordinator, reason="wrong supplier")
    assert balance(fund) == 1000000 and on_hand(w.point, w.soap) == 0
    record.refresh_from_db()
    assert record.reversed
    refund = Entry.objects.get(fund=fund, kind="reversal")
    assert (refund.amount, refund.counts_as) == (250000, "purchase")


def test_reversing_one_line_gives_back_its_cost(w, fund):
    give(fund, w.coordinator, "10000")
    record = buy(
        w,
        fund,
        IntakeLine(w.soap, 10, unit_cost=Decimal("250")),
        IntakeLine(w.toothpaste, 4, expiry=w.later(90), unit_cost=Decimal("900.50")),
    )
    assert balance(fund) == 1000000 - 250000 - 360200
    line = record.purchase.lines.get(item=w.toothpaste)
    stock.reverse_document(document=record.purchase, by=w.coordinator, line=line)
    assert balance(fund) == 1000000 - 250000
    stock.reverse_document(document=record.purchase, by=w.coordinator)
    assert balance(fund) == 1000000
    assert Document.objects.get(pk=record.purchase.pk).status == "reversed"


def test_a_purchase_not_paid_from_a_fund_reverses_as_before(w, fund):
    document = stock.post_purchase(
        point=w.point,
        lines=[IntakeLine(w.soap, 2, unit_cost=Decimal(5))],
        by=w.coordinator,
        supplier="Market",
    )
    stock.reverse_document(document=document, by=w.coordinator)
    assert balance(fund) == 0 and not Entry.objects.exists()
