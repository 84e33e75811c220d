"""Gather a plan's inputs from the database: needs with their weights, lots, pools.

Reads only. A need is a household's due of one item (from the standards), or the outstanding
quantity of a request line (a household's or a shelter's). A pool is what may serve a need: an
item, or the substitute group it belongs to, with the size where the item's size matters.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from kamavor.allocation import engine
from kamavor.allocation.models import SubstituteGroup
from kamavor.allocation.weights import weight_for
from kamavor.catalogue.models import Item
from kamavor.households.models import Household
from kamavor.lib import entitlements
from kamavor.needs.models import Request, RequestLine, Standard
from kamavor.needs.services import Receipt, _components, period_start, received_in_period
from kamavor.network.models import Organisation, Point
from kamavor.stock.models import Balance, Movement

NO_FLAGS = "none"
SHELTER = "shelter"


@dataclass(frozen=True)
class NeedInfo:
    """Who and what one engine need stands for."""

    point_id: int
    item_id: int
    size: str
    wanted: int
    weight: float
    group: str  # a vulnerability flag, NO_FLAGS, or SHELTER: for coverage per group
    flags: tuple[str, ...] = ()
    household_id: int | None = None
    shelter_id: int | None = None
    request_line_id: int | None = None


@dataclass
class Inputs:
    points: list[Point]
    needs: list[NeedInfo] = field(default_factory=list)
    pools: dict[tuple, int] = field(default_factory=dict)
    need_pool: list[int] = field(default_factory=list)
    lots: list[tuple[int, int, int, int | None, int, int]] = field(default_factory=list)
    lot_ids: list[int] = field(default_factory=list)

    def pool(self, key: tuple) -> int:
        return self.pools.setdefault(key, len(self.pools))

    def problem(self) -> engine.Problem:
        index = {p.pk: n for n, p in enumerate(self.points)}
        return engine.Problem.build(
            n_points=len(self.points),
            needs=[
                (pool, index[n.point_id], n.wanted, n.weight)
                for pool, n in zip(self.need_pool, self.needs, strict=True)
            ],
            lots=[(x[0], index[x[1]], x[2], x[3]) for x in self.lots],
        )


class Pools:
    """The pool key of an item and size: its substitute group (or itself), and the size if it
    matters for the item."""

    def __init__(self, organisation: Organisation) -> None:
        self.sized = set(Item.objects.filter(tracks_size=True).values_list("pk", flat=True))
        self.group: dict[int, int] = {}
        through = SubstituteGroup.items.through.objects.filter(
            substitutegroup__organisation=organisation
        ).order_by("substitutegroup_id", "item_id")
        for item_id, group_id in through.values_list("item_id", "substitutegroup_id"):
            self.group.setdefault(item_id, group_id)

    def key(self, item_id: int, size: str) -> tuple:
        base = ("g", self.group[item_id]) if item_id in self.group else ("i", item_id)
        return (*base, size if item_id in self.sized else "")


def scope_points(organisation: Organisation, point: Point | None) -> list[Point]:
    if point is not None:
        return [point]
    return list(Point.objects.filter(organisation=organisation).active().order_by("pk"))


def gather(
    *,
    organisation: Organisation,
    point: Point | None,
    weights: dict,
    on: dt.date | None = None,
) -> Inputs:
    """Everything the engine needs for a plan of one point, or of all the organisation's points."""
    on = on or timezone.localdate()
    inputs = Inputs(points=scope_points(organisation, point))
    in_scope = {p.pk for p in inputs.points}
    pools = Pools(organisation)
    _add_lots(inputs, pools, in_scope, on)
    households = _served_households(organisation, in_scope)
    _add_dues(inputs, pools, households, weights, on)
    _add_requests(inputs, pools, organisation, households, in_scope, weights)
    return inputs


def _add_lots(inputs: Inputs, pools: Pools, in_scope: set[int], on: dt.date) -> None:
    rows = (
        Balance.objects.filter(point_id__in=in_scope, quantity__gt=0)
        .exclude(lot__expiry__lt=on)
        .values_list("lot_id", "item_id", "point_id", "quantity", "lot__expiry", "lot__size")
        .order_by("lot_id")
    )
    for lot_id, item_id, point_id, quantity, expiry, size in rows:
        pool = inputs.pool(pools.key(item_id, size))
        day = expiry.toordinal() if expiry else None
        inputs.lots.append((pool, point_id, int(quantity), day, lot_id, item_id))
        inputs.lot_ids.append(lot_id)


def _served_households(organisation: Organisation, in_scope: set[int]) -> dict[int, tuple]:
    """Active households served in scope: id -> (household, point where it is served)."""
    served = {}
    for household in Household.objects.active().filter(organisation=organisation).order_by("pk"):
        point_id = household.registered_point_id
        if point_id not in in_scope:
            point_id = household.shelter_id
        if point_id in in_scope:
            served[household.pk] = (household, point_id)
    return served


def _group(flags: tuple[str, ...]) -> str:
    return flags[0] if flags else NO_FLAGS


def _receipts(households: dict[int, tuple], since: dt.datetime) -> dict[int, list[Receipt]]:
    """What each household (with those merged into it) received since a moment."""
    root = {pk: pk for pk in households}
    merged = Household.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into")
    parent = dict(merged)
    for pk in parent:
        top, hops = pk, 0
        while top in parent and hops < 10:
            top, hops = parent[top], hops + 1
        if top in households:
            root[pk] = top
    rows = (
        Movement.objects.filter(
            kind=Movement.Kind.DISTRIBUTION,
            document__household_id__in=list(root),
            at__gte=since,
            reversed_by__isnull=True,
        )
        .values_list("document__household_id", "item_id", "at", "quantity")
        .order_by()
    )
    out: dict[int, list[Receipt]] = defaultdict(list)
    for household_id, item_id, at, quantity in rows:
        out[root[household_id]].append(Receipt(item_id, at, -quantity))
    return out


def _add_dues(
    inputs: Inputs, pools: Pools, households: dict[int, tuple], weights: dict, on: dt.date
) -> None:
    standards = list(Standard.objects.active().with_item())
    if not standards or not households:
        return
    longest = max(s.period_days for s in standards)
    receipts = _receipts(households, period_start(on, longest))
    components = _components({r.item_id for rs in receipts.values() for r in rs})
    for household, point_id in households.values():
        due: dict[int, int] = defaultdict(int)
        composition = household.composition
        for standard in standards:
            amount = entitlements.entitled(composition, standard.rule)
            if amount <= 0:
                continue
            got = received_in_period(
                receipts.get(household.pk, ()),
                item_id=standard.item_id,
                since=period_start(on, standard.period_days),
                components=components,
            )
            due[standard.item_id] += entitlements.due_now(amount, got)
        flags = tuple(household.flags)
        weight = weight_for(flags, "normal", weights)
        for item_id, quantity in due.items():
            if quantity > 0:
                inputs.need_pool.append(inputs.pool(pools.key(item_id, "")))
                inputs.needs.append(
                    NeedInfo(
                        point_id=point_id,
                        item_id=item_id,
                        size="",
                        wanted=quantity,
                        weight=weight,
                        group=_group(flags),
                        flags=flags,
                        household_id=household.pk,
                    )
                )


def _category_items(lines: list[RequestLine], inputs: Inputs) -> dict[tuple, int]:
    """For a request of any item of a category: the item of that category (and size) with the
    most stock in scope, else the category's first item."""
    stock: dict[int, int] = defaultdict(int)
    for lot in inputs.lots:
        stock[lot[5]] += lot[2]
    chosen = {}
    for line in lines:
        key = (line.category_id, line.size)
        if key in chosen:
            continue
        items = list(Item.objects.filter(category_id=line.category_id, active=True).order_by("pk"))
        if items:
            chosen[key] = max(items, key=lambda i: (stock.get(i.pk, 0), -i.pk)).pk
    return chosen


def _add_requests(
    inputs: Inputs,
    pools: Pools,
    organisation: Organisation,
    households: dict[int, tuple],
    in_scope: set[int],
    weights: dict,
) -> None:
    requests = Request.objects.open().filter(organisation=organisation).with_details()
    wanted = []
    for request in requests.order_by("pk"):
        if request.household_id is not None:
            if request.household_id not in households:
                continue
            household, point_id = households[request.household_id]
            flags, group = tuple(household.flags), _group(tuple(household.flags))
        elif request.shelter_id in in_scope:
            point_id, flags, group = request.shelter_id, (), SHELTER
        else:
            continue
        weight = weight_for(flags, request.urgency, weights)
        for line in request.lines.all():
            if line.outstanding > 0:
                wanted.append((request, line, point_id, flags, group, weight))
    categories = _category_items([x[1] for x in wanted if x[1].category_id], inputs)
    for request, line, point_id, flags, group, weight in wanted:
        item_id = line.item_id or categories.get((line.category_id, line.size))
        if item_id is None:
            continue
        inputs.need_pool.append(inputs.pool(pools.key(item_id, line.size)))
        inputs.needs.append(
            NeedInfo(
                point_id=point_id,
                item_id=item_id,
                size=line.size,
                wanted=line.outstanding,
                weight=weight,
                group=group,
                flags=flags,
                household_id=request.household_id,
                shelter_id=request.shelter_id,
                request_line_id=line.pk,
            )
        )
