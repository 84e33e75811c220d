"""The ledger's invariants, checked over the whole database after a test has hammered it."""

from __future__ import annotations

from collections import defaultdict

from kamavor.stock.ledger import daily_flow_sums
from kamavor.stock.models import Balance, DailyFlow, ItemBalance, Movement
from kamavor.stock.rollups import HandOutMonth, hand_out_month_sums


def assert_ledger_exact() -> None:
    """Every balance equals the sum of its lot's movements; every item balance the sum of its
    lots' balances (and counts the lots that hold some); and each lot's movements, read in time
    order, chain their running balances from zero; the daily flows equal the movements' sums
    per point, item, day and kind, and the hand-outs kept per month those of the distribution
    kind summed by month."""
    running: dict[int, int] = defaultdict(int)
    broken = []
    movements = Movement.objects.order_by("lot_id", "at", "pk").values_list(
        "lot_id", "quantity", "balance_after", "pk"
    )
    for lot_id, quantity, after, pk in movements.iterator(chunk_size=5000):
        running[lot_id] += quantity
        if running[lot_id] != after:
            broken.append((lot_id, pk, running[lot_id], after))
            running[lot_id] = after
    assert not broken, f"running balances out of time order: {broken[:5]}"
    per_item: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for lot_id, point_id, item_id, quantity in Balance.objects.values_list(
        "lot_id", "point_id", "item_id", "quantity"
    ):
        assert quantity == running.get(lot_id, 0), (lot_id, quantity, running.get(lot_id))
        per_item[(point_id, item_id)][0] += quantity
        per_item[(point_id, item_id)][1] += quantity > 0
    kept = {
        (p, i): [q, n]
        for p, i, q, n in ItemBalance.objects.values_list("point_id", "item_id", "quantity", "lots")
        if (q, n) != (0, 0)
    }
    assert kept == {k: v for k, v in per_item.items() if v != [0, 0]}
    flows = {
        (p, i, d, k): q
        for p, i, d, k, q in DailyFlow.objects.values_list(
            "point_id", "item_id", "day", "kind", "quantity"
        )
        if q
    }
    assert flows == {(p, i, d, k): q for p, i, d, k, q in daily_flow_sums(Movement.objects.all())}
    months = {
        (i, p, m): q
        for i, p, m, q in HandOutMonth.objects.values_list(
            "item_id", "point_id", "month", "quantity"
        )
        if q
    }
    assert months == hand_out_month_sums()
