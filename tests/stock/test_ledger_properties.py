"""Property: any sequence of postings and reversals keeps the ledger explainable.

Every balance equals the sum of its lot's movements, never goes negative, equals the last
movement's balance_after, and replaying the ledger from empty gives the same balances; each
point's item balance equals its lots' units and counts the lots that hold some; the daily flows
equal the movements' sums per point, item, day and kind (a reversal under its original's), and
the hand-outs kept per month equal those daily flows summed by month.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core.errors import Conflict, NotEnoughStock
from kamavor.stock import services
from kamavor.stock.models import Balance, DailyFlow, Document, ItemBalance, Lot, Movement
from kamavor.stock.rollups import hand_out_month_sums
from kamavor.stock.services import CountLine, IntakeLine, LotLine

ITEMS = ("soap", "rice", "jacket")
operation = st.one_of(
    st.tuples(st.just("donate"), st.sampled_from(ITEMS), st.integers(1, 50), st.integers(0, 2)),
    st.tuples(st.just("dispose"), st.integers(0, 20), st.integers(1, 60)),
    st.tuples(st.just("transfer"), st.integers(0, 20), st.integers(1, 60), st.booleans()),
    st.tuples(st.just("count"), st.integers(0, 20), st.integers(0, 80)),
    st.tuples(st.just("kit"), st.integers(1, 3)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    # A hand-out some days ago (up to two months: its month's kept sum, HandOutMonth).
    st.tuples(st.just("hand_out"), st.integers(0, 20), st.integers(1, 30), st.integers(0, 70)),
)


def _intake_line(w, name: str, quantity: int, variant: int) -> IntakeLine:
    if name == "rice":
        return IntakeLine(w.rice, quantity, expiry=w.later(30 + variant))
    if name == "jacket":
        return IntakeLine(w.jacket, quantity, size=w.jacket.sizes[variant])
    return IntakeLine(w.soap, quantity)


def _pick_lot(index: int):
    lots = list(Lot.objects.order_by("pk"))
    return lots[index % len(lots)] if lots else None


def apply(w, op) -> None:
    kind, *args = op
    by = w.coordinator
    if kind == "donate":
        services.post_donation(point=w.point, lines=[_intake_line(w, *args)], by=by)
    elif kind == "dispose" and (lot := _pick_lot(args[0])):
        services.dispose(point=lot.point, lines=[LotLine(lot, args[1])], by=by, reason="test")
    elif kind == "transfer" and (lot := _pick_lot(args[0])):
        target = w.warehouse if lot.point_id == w.point.pk else w.point
        draft = services.create_transfer(
            source=lot.point, destination=target, lines=[LotLine(lot, args[1])], by=by
        )
        sent = services.send_transfer(transfer=draft, by=by)
        if args[2]:
            line = sent.lines.get()
            services.receive_transfer(transfer=sent, received={line.pk: max(0, args[1] - 1)}, by=by)
    elif kind == "count" and (lot := _pick_lot(args[0])):
        services.post_count(point=lot.point, lines=[CountLine(args[1], lot=lot)], by=by, reason="c")
    elif kind == "kit":
        services.build_kit(point=w.point, kit=w.hygiene_kit, quantity=args[0], by=by)
    elif kind == "hand_out" and (lot := _pick_lot(args[0])):
        from kamavor.stock.ledger import Posting
        from kamavor.stock.services._common import _new_document

        document = _new_document(kind=Document.Kind.DISTRIBUTION, point=lot.point, by=by)
        posting = Posting(document=document, by=by, at=timezone.now() - dt.timedelta(days=args[2]))
        posting.move(lot=lot, delta=-args[1], kind=Movement.Kind.DISTRIBUTION)
        posting.save()
    elif kind == "reverse":
        documents = list(Document.objects.exclude(kind=Document.Kind.REVERSAL).order_by("pk"))
        if documents:
            services.reverse_document(document=documents[args[0] % len(documents)], by=by)


def assert_ledger_consistent() -> None:
    replayed: dict[int, int] = defaultdict(int)
    where: dict[int, tuple[int, int]] = {}
    for lot_id, point_id, item_id, quantity, after in Movement.objects.order_by("pk").values_list(
        "lot_id", "point_id", "item_id", "quantity", "balance_after"
    ):
        replayed[lot_id] += quantity
        assert replayed[lot_id] >= 0
        assert after == replayed[lot_id]
        where[lot_id] = (point_id, item_id)
    balances = dict(Balance.objects.values_list("lot_id", "quantity"))
    assert set(balances) == set(Lot.objects.values_list("pk", flat=True))
    for lot_id, quantity in balances.items():
        assert quantity >= 0
        assert quantity == replayed.get(lot_id, 0)
    # Each point's item balance: the units of its lots, and how many lots hold some.
    expected: dict[tuple[int, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for lot_id, key in where.items():
        units, lots = expected[key]
        expected[key] = (units + replayed[lot_id], lots + int(replayed[lot_id] > 0))
    kept = {
        (point, item): (units, lots)
        for point, item, units, lots in ItemBalance.objects.values_list(
            "point_id", "item_id", "quantity", "lots"
        )
    }
    assert {k: v for k, v in kept.items() if v != (0, 0)} == {
        k: v for k, v in expected.items() if v != (0, 0)
    }
    assert _kept_flows() == _summed_flows()
    assert _kept_point_days() == _point_days(_kept_flows())
    assert _kept_hand_out_months() == hand_out_month_sums()


def _kept_hand_out_months() -> dict[tuple, int]:
    from kamavor.stock.rollups import HandOutMonth

    return {
        (item, point, month): units
        for item, point, month, units in HandOutMonth.objects.values_list(
            "item_id", "point_id", "month", "quantity"
        )
        if units
    }


def _point_days(flows: dict[tuple, int]) -> dict[tuple, int]:
    """Daily flows summed over items: per (point, day, kind)."""
    summed: dict[tuple, int] = defaultdict(int)
    for (point, _item, day, kind), units in flows.items():
        summed[(point, day, kind)] += units
    return {key: units for key, units in summed.items() if units}


def _kept_point_days() -> dict[tuple, int]:
    from kamavor.stock.rollups import PointDayFlow

    return {
        (point, day, kind): units
        for point, day, kind, units in PointDayFlow.objects.values_list(
            "point_id", "day", "kind", "quantity"
        )
        if units
    }


def _summed_flows() -> dict[tuple, int]:
    """The movements summed per (point, item, day, kind), in Python: a reversal counts under
    the day and kind of the movement it reverses."""
    flows: dict[tuple, int] = defaultdict(int)
    for m in Movement.objects.select_related("reversal_of"):
        original = m.reversal_of or m
        flows[(m.point_id, m.item_id, timezone.localdate(original.at), original.kind)] += m.quantity
    return {key: units for key, units in flows.items() if units}


def _kept_flows() -> dict[tuple, int]:
    return {
        (point, item, day, kind): units
        for point, item, day, kind, units in DailyFlow.objects.values_list(
            "point_id", "item_id", "day", "kind", "quantity"
        )
        if units
    }


def test_a_reversal_counts_under_the_day_and_kind_of_what_it_reverses(w):
    from kamavor.stock.ledger import Posting, lot_for, rebuild_daily_flows
    from kamavor.stock.services._common import _new_document

    by = w.coordinator
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    lot = lot_for(item=w.soap, point=w.point, expiry=None, size="", condition=Lot().condition)
    document = _new_document(kind=Document.Kind.DONATION, point=w.point, by=by)
    posting = Posting(document=document, by=by, at=ten_days_ago)
    posting.move(lot=lot, delta=7, kind=Movement.Kind.DONATION)
    posting.save()
    services.post_donation(point=w.point, lines=[IntakeLine(w.soap, 3)], by=by)
    then, today = timezone.localdate(ten_days_ago), timezone.localdate()
    key = (w.point.pk, w.soap.pk)
    assert _kept_flows() == {(*key, then, "donation"): 7, (*key, today, "donation"): 3}
    services.reverse_document(document=document, by=by)
    # Nothing of the reversed donation is left on its day; today's intake is untouched.
    assert _kept_flows() == {(*key, today, "donation"): 3} == _summed_flows()
    assert _kept_point_days() == {(w.point.pk, today, "donation"): 3}
    assert not DailyFlow.objects.filter(kind=Movement.Kind.REVERSAL).exists()
    assert rebuild_daily_flows() == 1
    assert _kept_flows() == {(*key, today, "donation"): 3}
    assert _kept_point_days() == {(w.point.pk, today, "donation"): 3}


def test_a_reversed_hand_out_leaves_its_month_and_a_rebuild_sums_the_same(w):
    from kamavor.stock.ledger import Posting, lot_for, rebuild_daily_flows
    from kamavor.stock.rollups import HandOutMonth
    from kamavor.stock.services._common import _new_document

    by = w.coordinator
    services.post_donation(point=w.point, lines=[IntakeLine(w.soap, 20)], by=by)
    lot = lot_for(item=w.soap, point=w.point, expiry=None, size="", condition=Lot().condition)
    documents = []
    for days_ago, units in ((45, 3), (40, 4), (0, 5)):
        document = _new_document(kind=Document.Kind.DISTRIBUTION, point=w.point, by=by)
        posting = Posting(document=document, by=by, at=timezone.now() - dt.timedelta(days=days_ago))
        posting.move(lot=lot, delta=-units, kind=Movement.Kind.DISTRIBUTION)
        posting.save()
        documents.append(document)
    assert sum(-q for q in HandOutMonth.objects.values_list("quantity", flat=True)) == 12
    services.reverse_document(document=documents[0], by=by)
    kept = _kept_hand_out_months()
    assert kept == hand_out_month_sums() and -sum(kept.values()) == 9
    assert rebuild_daily_flows()
    assert _kept_hand_out_months() == kept


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_keeps_balances_equal_to_the_sum_of_movements(w, operations):
    from django.db import transaction

    with transaction.atomic():
        # Seed a kit's components so kit builds sometimes succeed.
        services.post_donation(
            point=w.point,
            lines=[IntakeLine(w.soap, 4), IntakeLine(w.toothpaste, 2, expiry=w.later(60))],
            by=w.coordinator,
        )
        for op in operations:
            # A refused posting is fine; the assertion below proves it wrote nothing.
            with contextlib.suppress(NotEnoughStock, Conflict):
                apply(w, op)
            assert_ledger_consistent()
        transaction.set_rollback(True)


def test_rebuilding_item_balances_gives_what_the_postings_kept(w):
    from kamavor.stock.ledger import rebuild_item_balances

    services.post_donation(
        point=w.point,
        lines=[IntakeLine(w.soap, 4), IntakeLine(w.rice, 2, expiry=w.later(60))],
        by=w.coordinator,
    )
    soap = Lot.objects.get(item=w.soap, point=w.point)
    services.dispose(point=w.point, lines=[LotLine(soap, 4)], by=w.coordinator, reason="wet")
    kept = set(ItemBalance.objects.values_list("point", "item", "quantity", "lots"))
    assert (w.point.pk, w.soap.pk, 0, 0) in kept and (w.point.pk, w.rice.pk, 2, 1) in kept
    assert rebuild_item_balances() == len(kept)
    assert set(ItemBalance.objects.values_list("point", "item", "quantity", "lots")) == kept
