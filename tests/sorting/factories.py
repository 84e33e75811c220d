"""Boxes for the sorting tests: packed through the stock services, read from the ledger."""

from __future__ import annotations

from kamavor.stock import services
from kamavor.stock.models import Balance, Lot
from kamavor.stock.services import IntakeLine, LotLine
from tests.factories import donate


def packed(w, *lines: tuple) -> object:
    """A box at the point holding (item, quantity, expiry) taken from fresh loose stock, with
    as much again left loose beside it."""
    box = services.create_container(point=w.point, by=w.volunteer)
    for item, quantity, expiry in lines:
        donate(w, IntakeLine(item, quantity * 2, expiry))
    loose = {(lot.item_id, lot.expiry): lot for lot in Lot.objects.loose().filter(point=w.point)}
    services.pack(
        container=box,
        lines=[LotLine(loose[(item.pk, expiry)], quantity) for item, quantity, expiry in lines],
        by=w.volunteer,
    )
    return box


def held(box) -> list[tuple]:
    return [(b.lot.item.code, b.quantity) for b in services.contents(box)]


def loose_units(w, item) -> int:
    return sum(
        Balance.objects.filter(lot__point=w.point, lot__item=item, lot__container=None).values_list(
            "quantity", flat=True
        )
    )
