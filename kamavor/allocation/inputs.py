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
from kamavor.allocation.models import PointLink, SubstituteGroup
from kamavor.allocation.weights import FLAGS, weight_for
from kamavor.catalogue.models import Item
from kamavor.households.models import COMPOSITION_FIELDS, Household
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
    links: list[tuple[int, int]] | None = None

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
            links=None if self.links is None else [(index[a], index[b]) for a, b in self.links],
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
    inputs.links = _links(organisation, in_scope)
    _add_lots(inputs, pools, in_scope, on)
    households = _served_households(organisation, in_scope)
    _add_dues(inputs, pools, households, weights, on)
    _add_requests(inputs, pools, organisation, households, in_scope, weights)
    return inputs


def _links(organisation: Organisation, in_scope: set[int]) -> list[tuple[int, int]] | None:
    """The organisation's transfer links between points in scope; None when it has none."""
    pairs = list(
        PointLink.objects.filter(organisation=organisation).values_list("point_a", "point_b")
    )
    if not pairs:
        return None
    return [(a, b) for a, b in pairs if a in in_scope and b in in_scope]


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


@dataclass(frozen=True)
class Served:
    """What a plan reads of a household: where it is served, its composition and flags."""

    pk: int
    point_id: int
    composition: tuple[int, ...]
    flags: tuple[str, ...]


def _served_households(organisation: Organisation, in_scope: set[int]) -> dict[int, Served]:
    """Active households served in scope (at the point where they registered, else at their
    shelter), read as plain values: a network has tens of thousands."""
    fields = ["pk", "registered_point_id", "shelter_id", *COMPOSITION_FIELDS, *FLAGS]
    rows = Household.objects.active().filter(organisation=organisation).order_by("pk")
    served = {}
    n = len(COMPOSITION_FIELDS)
    for pk, registered, shelter, *rest in rows.values_list(*fields):
        point_id = registered if registered in in_scope else shelter
        if point_id in in_scope:
            flags = tuple(f for f, on in zip(FLAGS, rest[n:], strict=True) if on)
            served[pk] = Served(pk, point_id, tuple(rest[:n]), flags)
    return served


def _group(flags: tuple[str, ...]) -> str:
    return flags[0] if flags else NO_FLAGS


def _receipts(households: dict[int, Served], since: dt.datetime) -> dict[int, list[Receipt]]:
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
    inputs: Inputs, pools: Pools, households: dict[int, Served], weights: dict, on: dt.date
) -> None:
    standards = list(Standard.objects.active().with_item())
    if not standards or not households:
        return
    longest = max(s.period_days for s in standards)
    receipts = _receipts(households, period_start(on, longest))
    components = _components({r.item_id for rs in receipts.values() for r in rs})
    since = {s.pk: period_start(on, s.period_days) for s in standards}
    entitled: dict[tuple[int, ...], list[tuple[Standard, int]]] = {}
    for household in households.values():
        rules = entitled.get(household.composition)
        if rules is None:  # households share a few compositions: compute each once
            composition = dict(zip(COMPOSITION_FIELDS, household.composition, strict=True))
            rules = [(s, entitlements.entitled(composition, s.rule)) for s in standards]
            rules = entitled[household.composition] = [(s, n) for s, n in rules if n > 0]
        got = receipts.get(household.pk, ())
        due: dict[int, int] = defaultdict(int)
        for standard, amount in rules:
            received = 0
            if got:
                received = received_in_period(
                    got, item_id=standard.item_id, since=since[standard.pk], components=components
                )
            due[standard.item_id] += entitlements.due_now(amount, received)
        weight = weight_for(household.flags, "normal", weights)
        for item_id, quantity in due.items():
            if quantity > 0:
                inputs.need_pool.append(inputs.pool(pools.key(item_id, "")))
                inputs.needs.append(
                    NeedInfo(
                        point_id=household.point_id,
                        item_id=item_id,
                        size="",
                        wanted=quantity,
                        weight=weight,
                        group=_group(household.flags),
                        flags=household.flags,
                        household_id=household.pk,
                    )
                )


@dataclass(frozen=True)
class Wanted:
    """An outstanding request line, as the plan reads it."""

    pk: int
    household_id: int | None
    shelter_id: int | None
    urgency: str
    item_id: int | None
    category_id: int | None
    size: str
    outstanding: int


def _open_lines(organisation: Organisation) -> list[Wanted]:
    rows = (
        RequestLine.objects.filter(
            request__organisation=organisation, request__state__in=Request.OPEN_STATES
        )
        .order_by("request_id", "pk")
        .values_list(
            "pk",
            "request__household_id",
            "request__shelter_id",
            "request__urgency",
            "item_id",
            "category_id",
            "size",
            "quantity",
            "fulfilled_quantity",
        )
    )
    return [Wanted(*row[:7], max(0, row[7] - row[8])) for row in rows if row[7] > row[8]]


def _category_items(lines: list[Wanted], inputs: Inputs) -> dict[tuple, int]:
    """For a request of any item of a category: the item of that category with the most stock
    in scope, else the category's first item."""
    stock: dict[int, int] = defaultdict(int)
    for lot in inputs.lots:
        stock[lot[5]] += lot[2]
    chosen = {}
    for line in lines:
        key = (line.category_id, line.size)
        if key in chosen:
            continue
        items = Item.objects.filter(category_id=line.category_id, active=True).order_by("pk")
        ids = list(items.values_list("pk", flat=True))
        if ids:
            chosen[key] = max(ids, key=lambda pk: (stock.get(pk, 0), -pk))
    return chosen


def _add_requests(
    inputs: Inputs,
    pools: Pools,
    organisation: Organisation,
    households: dict[int, Served],
    in_scope: set[int],
    weights: dict,
) -> None:
    lines = _open_lines(organisation)
    categories = _category_items([x for x in lines if x.category_id], inputs)
    for line in lines:
        if line.household_id is not None:
            household = households.get(line.household_id)
            if household is None:
                continue
            point_id, flags, group = household.point_id, household.flags, _group(household.flags)
        elif line.shelter_id in in_scope:
            point_id, flags, group = line.shelter_id, (), SHELTER
        else:
            continue
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
                weight=weight_for(flags, line.urgency, weights),
                group=group,
                flags=flags,
                household_id=line.household_id,
                shelter_id=line.shelter_id,
                request_line_id=line.pk,
            )
        )
