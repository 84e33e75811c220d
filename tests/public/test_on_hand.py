"""The stock the public pages weigh needs against, summed per organisation from the item
balances by hand, equals the ORM's sum of the same balances."""

from __future__ import annotations

from django.db.models import Sum

from kamavor.public.needs import _on_hand, _stock_points
from kamavor.stock.models import ItemBalance
from kamavor.stock.services import IntakeLine
from tests.factories import donate


def _orm_sum(points: dict[int, list[int]], items: set[int] | None) -> dict[int, dict[int, int]]:
    totals: dict[int, dict[int, int]] = {}
    held = ItemBalance.objects.filter(quantity__gt=0)
    if items is not None:
        held = held.filter(item_id__in=items)
    for org, pks in points.items():
        rows = held.filter(point_id__in=pks).values("item_id").annotate(s=Sum("quantity"))
        if by_item := {row["item_id"]: row["s"] for row in rows}:
            totals[org] = by_item
    return totals


def test_it_sums_each_organisations_points_and_only_those(w):
    donate(w, IntakeLine(w.soap, 3), IntakeLine(w.rice, 2, expiry=w.later(30)))
    donate(w, IntakeLine(w.soap, 7), IntakeLine(w.jacket, 1, size="110"), point=w.warehouse)
    donate(w, IntakeLine(w.soap, 100), point=w.other_point, by=w.outsider)
    points = _stock_points([w.org.pk, w.other_org.pk])
    for items in (None, {w.soap.pk}, {w.soap.pk, w.rice.pk}, set()):
        assert _on_hand(points, items) == _orm_sum(points, items), items
    assert _on_hand(points, {w.soap.pk})[w.org.pk] == {w.soap.pk: 10}
    only_ours = {w.org.pk: points[w.org.pk]}  # the other organisation's stock is not read in
    assert _on_hand(only_ours, {w.soap.pk}) == {w.org.pk: {w.soap.pk: 10}}
    assert _on_hand({w.org.pk: []}) == {}
