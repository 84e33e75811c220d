"""Property: whatever the sequence of donations, spending, transfers, advances and reversals,
every fund's balance equals the sum of its entries, each entry's balance_after chains, no
balance is ever below zero beyond its fund's advance, and each fund's total per kind equals the
sum of its entries of that kind (a reversal under the kind it undoes)."""

from __future__ import annotations

import contextlib
from collections import defaultdict

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core.errors import Conflict
from kamavor.money import services
from kamavor.money.ledger import NotEnoughMoney
from kamavor.money.models import Advance, Entry, FundBalance, FundTotal, Record

amount = st.integers(1, 500_000).map(lambda minor: f"{minor // 100}.{minor % 100:02d}")
operation = st.one_of(
    st.tuples(st.just("donate"), st.integers(0, 2), amount),
    st.tuples(st.just("spend"), st.integers(0, 2), amount),
    st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(0, 2), amount),
    st.tuples(st.just("advance"), st.integers(0, 2), amount),
    st.tuples(st.just("reverse"), st.integers(0, 40)),
)


def apply(w, funds, op) -> None:
    kind, *args = op
    by = w.coordinator
    if kind == "donate":
        services.post_money_donation(
            fund=funds[args[0]], amount=args[1], currency="AMD", method="card", by=by
        )
    elif kind == "spend":
        services.record_spending(fund=funds[args[0]], amount=args[1], purpose="x", by=by)
    elif kind == "transfer" and args[0] != args[1]:
        services.transfer_money(
            source=funds[args[0]], destination=funds[args[1]], amount=args[2], by=by
        )
    elif kind == "advance":
        services.record_advance(fund=funds[args[0]], amount=args[1], by=by)
    elif kind == "reverse":
        records = list(Record.objects.exclude(kind="reversal").order_by("pk"))
        if records:
            services.reverse_record(record=records[args[0] % len(records)], by=by)


def assert_ledger_consistent(funds) -> None:
    running: dict[int, int] = defaultdict(int)
    for fund_id, change, after in Entry.objects.order_by("at", "pk").values_list(
        "fund_id", "amount", "balance_after"
    ):
        running[fund_id] += change
        assert after == running[fund_id]
    by_kind: dict[tuple[int, str], int] = defaultdict(int)
    for fund_id, kind, change in Entry.objects.values_list("fund_id", "counts_as", "amount"):
        by_kind[(fund_id, kind)] += change
    kept = {(t.fund_id, t.kind): t.amount for t in FundTotal.objects.all()}
    assert {k: v for k, v in kept.items() if v} == {k: v for k, v in by_kind.items() if v}
    advances: dict[int, int] = defaultdict(int)
    for fund_id, change in Advance.objects.values_list("fund_id", "amount"):
        advances[fund_id] += change
    for fund in funds:
        kept = FundBalance.objects.get(fund=fund)
        assert kept.amount == running[fund.pk]
        assert kept.advance == advances[fund.pk] >= 0
        assert kept.amount >= -kept.advance


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_every_balance_equals_the_sum_of_its_entries(w, operations):
    with transaction.atomic():
        funds = [
            services.create_fund(organisation=w.org, name=f"F{i}", currency="AMD", by=w.admin)
            for i in range(3)
        ]
        for op in operations:
            # A refused write is fine; the assertion proves it wrote nothing.
            with contextlib.suppress(NotEnoughMoney, Conflict):
                apply(w, funds, op)
            assert_ledger_consistent(funds)
        transaction.set_rollback(True)
