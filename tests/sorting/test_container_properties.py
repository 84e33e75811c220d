"""Property: whatever the order of sorting, boxing, opening, repacking and reversing, every
container's contents equal the ledger, and nothing is counted twice.

After each step: a container's contents (kamavor.stock.services.contents) are exactly the sums
of its lots' movements; the units at the point, loose and packed together, equal what sorting
took in minus what was reversed or set aside; and the ledger's own invariants hold.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core.errors import Conflict, InvalidInput, NotEnoughStock
from kamavor.sorting import services as sorting
from kamavor.stock import services
from kamavor.stock.models import Balance, Container, Document, Lot, Movement
from kamavor.stock.services import IntakeLine, LotLine
from tests.stock.checks import assert_ledger_exact

operation = st.one_of(
    st.tuples(st.just("sort"), st.integers(1, 20), st.integers(0, 3)),
    st.tuples(st.just("pack"), st.integers(0, 2), st.integers(0, 30), st.integers(1, 25)),
    st.tuples(st.just("open"), st.integers(0, 2)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
)


def _step(w, boxes, op) -> None:
    kind, *args = op
    by = w.coordinator
    if kind == "sort":
        drop_off = sorting.record_drop_off(point=w.point, bags=1, by=by)
        sorting.add_sorting_line(drop_off=drop_off, line=IntakeLine(w.soap, args[0]), by=by)
        if args[1]:
            line = IntakeLine(w.jacket, args[1], size="110")
            sorting.add_sorting_line(drop_off=drop_off, line=line, by=by)
        sorting.close_drop_off(drop_off=drop_off, by=by)
    elif kind == "pack":
        lots = list(Lot.objects.filter(point=w.point, balance__quantity__gt=0).order_by("pk"))
        if lots:
            lot = lots[args[1] % len(lots)]
            with contextlib.suppress(NotEnoughStock, InvalidInput):
                services.pack(container=boxes[args[0]], lines=[LotLine(lot, args[2])], by=by)
    elif kind == "open":
        with contextlib.suppress(InvalidInput):
            services.unpack(container=boxes[args[0]], by=by)
    elif kind == "reverse":
        documents = list(Document.objects.exclude(kind=Document.Kind.REVERSAL).order_by("pk"))
        if documents:
            with contextlib.suppress(Conflict, NotEnoughStock):
                services.reverse_document(document=documents[args[0] % len(documents)], by=by)


def _assert_contents_equal_the_ledger(boxes) -> None:
    for box in boxes:
        derived = {b.lot_id: b.quantity for b in services.contents(box)}
        summed: dict[int, int] = defaultdict(int)
        for lot_id, quantity in Movement.objects.filter(lot__container=box).values_list(
            "lot_id", "quantity"
        ):
            summed[lot_id] += quantity
        assert derived == {lot: q for lot, q in summed.items() if q}
    # Nothing counted twice: loose and packed together are what came in and stayed.
    on_hand = sum(Balance.objects.values_list("quantity", flat=True))
    kept = Movement.objects.exclude(kind__in=["pack"]).values_list(
        "kind", "quantity", "reversal_of__kind"
    )
    net = sum(q for kind, q, original in kept if (original or kind) != "pack")
    assert on_hand == net
    packs = Movement.objects.filter(kind="pack").values_list("quantity", flat=True)
    assert sum(packs) == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(operation, min_size=1, max_size=12))
def test_box_contents_always_equal_the_ledger(w, steps):
    from django.db import transaction

    with transaction.atomic():
        boxes = [services.create_container(point=w.point, by=w.coordinator) for _ in range(3)]
        for op in steps:
            _step(w, boxes, op)
            _assert_contents_equal_the_ledger(boxes)
        assert_ledger_exact()
        assert Container.objects.filter(point=w.point).count() == 3
        transaction.set_rollback(True)
