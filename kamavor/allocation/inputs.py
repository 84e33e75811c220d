"""Gather a plan's inputs from the database: needs with their weights, lots, pools.

Reads only. A need is a household's due of one item (from the standards), or the outstanding
quantity of a request line (a household's or a shelter's). A pool is what may serve a need: an
item, or the substitute group it belongs to, with the size where the item's size matters.

A household records ages, not sizes, so its dues of a sized item are planned by **age band**: one
need per item and band (the children of one band together, with the sum), served by the sizes
that fit the band (`kamavor.lib.sizes`). Requests name a size and are served by that size only, so
the plan runs in stages: first every need that names its pool exactly; then, where a coordinator
gave a size substitute rule (size 8 may be met by 9, then 10), the shortfall of requests for that
size from the stock left of the first other size, then of the next; then the sized dues from what
is left, pooled by age band. Without transfer links, stock flows downstream only:
collection → warehouse → distribution and shelter (a link lets it move either way).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from kamavor.allocation import engine
from kamavor.allocation.models import PointLink, SizeSubstitute, SubstituteGroup
from kamavor.allocation.weights import FLAGS, weight_for
from kamavor.catalogue.models import Item
from kamavor.households.models import COMPOSITION_FIELDS, Household
from kamavor.lib import entitlements
from kamavor.lib.sizes import ANY, age_band_for, age_band_of_size, sort_sizes
from kamavor.needs.models import Request, RequestLine, Standard
from kamavor.needs.services import Receipt, _components, period_start, received_in_period
from kamavor.network.models import Organisation, Point
from kamavor.stock.models import Balance, Movement

NO_FLAGS = "none"
SHELTER = "shelter"
# Where goods flow without links: from a point to one of the same or a higher tier only.
TIERS = {
    Point.Kind.COLLECTION: 0,
    Point.Kind.WAREHOUSE: 1,
    Point.Kind.DISTRIBUTION: 2,
    Point.Kind.SHELTER: 2,
}


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
    points: list[Point]  # without links, in tier order (see TIERS)
    needs: list[NeedInfo] = field(default_factory=list)
    pools: dict[tuple, int] = field(default_factory=dict)
    need_pool: list[int] = field(default_factory=list)
    need_by_age: list[bool] = field(default_factory=list)  # a sized due: the last stage
    need_subs: list[tuple[int, ...]] = field(default_factory=list)  # pools of substitute sizes
    lots: list[tuple[int, int, int, int | None, int, int]] = field(default_factory=list)
    lot_age_pool: list[int] = field(default_factory=list)  # the lot's pool in the second stage
    lot_ids: list[int] = field(default_factory=list)
    links: list[tuple[int, int]] | None = None

    def pool(self, key: tuple) -> int:
        return self.pools.setdefault(key, len(self.pools))

    def add_need(
        self, pool: int, need: NeedInfo, *, by_age: bool = False, subs: tuple[int, ...] = ()
    ) -> None:
        self.need_pool.append(pool)
        self.needs.append(need)
        self.need_by_age.append(by_age)
        self.need_subs.append(subs)

    def problem(
        self, needs=None, lot_pools=None, lot_quantities=None, need_pools=None, wanted=None
    ) -> engine.Problem:
        """The engine's input: these needs (all by default; in `need_pools` and for `wanted`
        units when given) and the lots, in their pools."""
        index = {p.pk: n for n, p in enumerate(self.points)}
        chosen = list(range(len(self.needs)) if needs is None else needs)
        need_pools = need_pools if need_pools is not None else [self.need_pool[i] for i in chosen]
        wanted = wanted if wanted is not None else [self.needs[i].wanted for i in chosen]
        pools = lot_pools if lot_pools is not None else [x[0] for x in self.lots]
        quantities = lot_quantities if lot_quantities is not None else [x[2] for x in self.lots]
        tiers = None
        if self.links is None:
            tiers = [TIERS.get(p.kind, 0) for p in self.points]
        return engine.Problem.build(
            n_points=len(self.points),
            needs=[
                (pool, index[self.needs[i].point_id], int(units), self.needs[i].weight)
                for i, pool, units in zip(chosen, need_pools, wanted, strict=True)
            ],
            lots=[
                (pool, index[x[1]], int(q), x[3])
                for pool, x, q in zip(pools, self.lots, quantities, strict=True)
            ],
            links=None if self.links is None else [(index[a], index[b]) for a, b in self.links],
            tiers=tiers,
        )

    def solve(self) -> engine.Plan:
        """The plan in stages (see the module's docstring); one engine.Plan over all needs."""
        by_age = np.asarray(self.need_by_age, dtype=bool)
        if not by_age.any() and not any(self.need_subs):
            return engine.plan(self.problem())
        first, second = np.flatnonzero(~by_age), np.flatnonzero(by_age)
        stages = [(first, engine.plan(self.problem(first.tolist())))]
        left = np.asarray([x[2] for x in self.lots], dtype=np.int64) - _used(stages[-1][1], self)
        wanted = np.asarray([n.wanted for n in self.needs], dtype=np.int64)
        got = np.zeros(len(self.needs), dtype=np.int64)
        got[first] = stages[0][1].allocated
        lot_pools = [x[0] for x in self.lots]
        rank = 0
        while True:
            short = [
                i for i in first.tolist() if len(self.need_subs[i]) > rank and got[i] < wanted[i]
            ]
            if not short:
                break
            needs = np.asarray(short, dtype=np.int64)
            result = engine.plan(
                self.problem(
                    short,
                    lot_pools,
                    left.tolist(),
                    need_pools=[self.need_subs[i][rank] for i in short],
                    wanted=(wanted[needs] - got[needs]).tolist(),
                )
            )
            stages.append((needs, result))
            got[needs] += result.allocated
            left = left - _used(result, self)
            rank += 1
        if len(second):
            b = engine.plan(self.problem(second.tolist(), self.lot_age_pool, left.tolist()))
            stages.append((second, b))
        return _merge(len(self.needs), wanted, *stages)


def _used(plan: engine.Plan, inputs: Inputs) -> np.ndarray:
    """Units a stage's plan takes of each lot."""
    used = np.bincount(plan.picks[:, 1], weights=plan.picks[:, 2], minlength=len(inputs.lots))
    return np.rint(used).astype(np.int64)


def _merge(n: int, wanted: np.ndarray, *stages: tuple[np.ndarray, engine.Plan]) -> engine.Plan:
    """One plan from the plans of stages over the same lots. A need met in a later stage too
    (by a substitute size) adds up its units; it keeps its first stage's level, and its limit is
    FULL once it has all it wanted, NO_STOCK if no stage could reach any stock, else SHORT."""
    allocated = np.zeros(n, dtype=np.int64)
    share, level_t = np.zeros(n), np.full(n, np.inf)
    limit = np.full(n, -1, dtype=np.int64)
    picks, transfers = [], []
    for needs, plan in stages:
        allocated[needs] += plan.allocated
        share[needs] += plan.share
        first = limit[needs] < 0
        level_t[needs[first]] = plan.level_t[first]
        limit[needs] = np.where(
            first, plan.limit, np.minimum(limit[needs], np.maximum(plan.limit, engine.SHORT))
        )
        rows = plan.picks.copy()
        rows[:, 0] = needs[rows[:, 0]] if len(rows) else rows[:, 0]
        picks.append(rows)
        transfers.append(plan.transfers)
    limit[(allocated >= wanted) & (limit >= 0)] = engine.FULL
    limit[limit < 0] = engine.NO_STOCK
    all_picks = np.concatenate(picks).reshape(-1, 3).astype(np.int64)
    all_picks = all_picks[np.lexsort((all_picks[:, 1], all_picks[:, 0]))]
    return engine.Plan(
        allocated=allocated,
        share=share,
        level_t=level_t,
        limit=limit,
        picks=all_picks,
        transfers=np.concatenate(transfers).reshape(-1, 4).astype(np.int64),
    )


class Pools:
    """The pool key of an item and size: its substitute group (or itself), and the size if it
    matters for the item; for sized dues, the age band the size fits."""

    def __init__(self, organisation: Organisation) -> None:
        self.sized = set(Item.objects.filter(tracks_size=True).values_list("pk", flat=True))
        self.group: dict[int, int] = {}
        through = SubstituteGroup.items.through.objects.filter(
            substitutegroup__organisation=organisation
        ).order_by("substitutegroup_id", "item_id")
        for item_id, group_id in through.values_list("item_id", "substitutegroup_id"):
            self.group.setdefault(item_id, group_id)
        self.rules: dict[tuple, list[str]] = {}
        self.category: dict[int, int] = {}
        rules = SizeSubstitute.objects.filter(organisation=organisation)
        for item_id, category_id, size, substitutes in rules.values_list(
            "item_id", "category_id", "size", "substitutes"
        ):
            key = ("i", item_id) if item_id is not None else ("c", category_id)
            self.rules[(*key, size)] = list(substitutes)
        if any(key[0] == "c" for key in self.rules):
            items = Item.objects.filter(pk__in=self.sized).values_list("pk", "category_id")
            self.category = dict(items)

    def substitutes(self, item_id: int, size: str) -> list[tuple]:
        """The pool keys of the sizes a coordinator's rule lets stand in for this size, in order
        (the item's own rule first, else its category's)."""
        if not self.rules or item_id not in self.sized or not size:
            return []
        sizes = self.rules.get(("i", item_id, size))
        if sizes is None:
            sizes = self.rules.get(("c", self.category.get(item_id), size), [])
        return [self.key(item_id, other) for other in sizes]

    def key(self, item_id: int, size: str) -> tuple:
        base = ("g", self.group[item_id]) if item_id in self.group else ("i", item_id)
        return (*base, size if item_id in self.sized else "")

    def age_key(self, item_id: int, band: str) -> tuple:
        """The second stage's pool: a sized item (or its group) in the sizes of an age band."""
        base = ("g", self.group[item_id]) if item_id in self.group else ("i", item_id)
        return (*base, "age", band) if item_id in self.sized else (*base, "")


def scope_points(organisation: Organisation, point: Point | None) -> list[Point]:
    """The points of a plan, in tier order (collection, warehouse, distribution and shelter)."""
    if point is not None:
        return [point]
    points = Point.objects.filter(organisation=organisation).active().order_by("pk")
    return sorted(points, key=lambda p: (TIERS.get(p.kind, 0), p.pk))


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
        inputs.lot_age_pool.append(inputs.pool(pools.age_key(item_id, age_band_of_size(size))))
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
    sized_items = {s.item_id: s.item for s in standards if s.item_id in pools.sized}
    longest = max(s.period_days for s in standards)
    receipts = _receipts(households, period_start(on, longest))
    components = _components({r.item_id for rs in receipts.values() for r in rs})
    since = {s.pk: period_start(on, s.period_days) for s in standards}
    entitled: dict[tuple[int, ...], list[tuple[Standard, int, dict[str, int]]]] = {}
    labels: dict[tuple[int, str], str] = {}
    for household in households.values():
        rules = entitled.get(household.composition)
        if rules is None:  # households share a few compositions: compute each once
            composition = dict(zip(COMPOSITION_FIELDS, household.composition, strict=True))
            rules = entitled[household.composition] = _entitled(composition, standards, pools)
        got = receipts.get(household.pk, ())
        due: dict[tuple[int, str | None], int] = defaultdict(int)
        for standard, amount, bands in rules:
            received = 0
            if got:
                received = received_in_period(
                    got, item_id=standard.item_id, since=since[standard.pk], components=components
                )
            if not bands:
                due[(standard.item_id, None)] += entitlements.due_now(amount, received)
                continue
            for band, quantity in bands.items():  # what was received counts against the first
                taken = min(quantity, received)
                received -= taken
                due[(standard.item_id, band)] += quantity - taken
        weight = weight_for(household.flags, "normal", weights)
        for (item_id, band), quantity in due.items():
            if quantity <= 0:
                continue
            if band is None:
                pool, size = inputs.pool(pools.key(item_id, "")), ""
            else:
                pool = inputs.pool(pools.age_key(item_id, band))
                size = labels.get((item_id, band))
                if size is None:
                    size = labels[(item_id, band)] = _band_label(sized_items[item_id], band)
            inputs.add_need(
                pool,
                NeedInfo(
                    point_id=household.point_id,
                    item_id=item_id,
                    size=size,
                    wanted=quantity,
                    weight=weight,
                    group=_group(household.flags),
                    flags=household.flags,
                    household_id=household.pk,
                ),
                by_age=band is not None,
            )


def _entitled(
    composition: dict, standards: list[Standard], pools: Pools
) -> list[tuple[Standard, int, dict[str, int]]]:
    """Each standard's entitlement for a composition; for a sized item also split by the age
    band its sizes are planned in (children of one band together: one part, with the sum)."""
    rules = []
    for standard in standards:
        amount = entitlements.entitled(composition, standard.rule)
        if amount <= 0:
            continue
        bands: dict[str, int] = {}
        if standard.item_id in pools.sized:
            for age, part in entitlements.entitled_by_age_band(composition, standard.rule).items():
                band = age_band_for(standard.item.sizes or [], age)
                bands[band] = bands.get(band, 0) + part
        rules.append((standard, amount, bands))
    return rules


def _band_label(item: Item, band: str) -> str:
    """How a plan line names an age band's sizes: "116–146" (empty for any size)."""
    if band == ANY:
        return ""
    fits = sort_sizes(s for s in item.sizes or [] if age_band_of_size(s) == band)
    if not fits:
        return ""
    return fits[0] if len(fits) == 1 else f"{fits[0]}–{fits[-1]}"


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
        inputs.add_need(
            inputs.pool(pools.key(item_id, line.size)),
            subs=tuple(inputs.pool(key) for key in pools.substitutes(item_id, line.size)),
            need=NeedInfo(
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
            ),
        )
