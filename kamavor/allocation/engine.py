"""The fair allocation engine: weighted lexicographic max-min coverage, for a whole network.

Plain Python and numpy (no Django), so it can be tested exhaustively and benchmarked.

The problem
-----------
Need ``i`` asks for ``d_i > 0`` units of a *pool* at the point where it is served, with weight
``w_i > 0`` (from vulnerability flags and urgency). A pool is a set of interchangeable items: one
item (and size), or a substitute group a coordinator defines; every lot and need belongs to exactly
one pool. Points joined by *links* can exchange stock, along chains of links, either way; with no
links given every point can send to every other, downstream only when points have *tiers*:
goods flow from a point of tier ``a`` to one of tier ``b`` only when ``a <= b`` (collection 0,
warehouse 1, distribution and shelter 2). Points joined that way form a *component*.

A plan gives ``x_i`` units to need ``i`` (``0 <= x_i <= d_i``), never more of a pool than the lots
of its component hold. Its coverage is ``c_i = x_i / d_i`` and its *weighted level*
``l_i = c_i / w_i``.

The objective
-------------
Maximise, lexicographically, the vector of weighted levels sorted ascending: first the lowest level,
then the next lowest, and so on; then the total quantity. The optimum has the form
``c_i = min(1, w_i * t)`` with one level ``t`` per (pool, component): a need twice as heavy gets
twice the coverage until it is full, so a more vulnerable household is never covered worse than a
less vulnerable one with the same need, and stock is never left while a need that can reach it is
short.

The algorithm (the fast path)
-----------------------------
1. Components from the links (union-find); the problem splits into independent *blocks*
   (pool, component), because within a block every unit of stock can serve every need.
2. Water-filling in each block, all blocks at once with numpy: sort needs by breakpoint ``1/w_i``,
   prefix sums give the filled quantity ``F(t) = sum d_i min(1, w_i t)`` at every breakpoint, and
   ``t`` solves ``F(t) = S`` (the block's stock) on the right segment. O(n log n).
3. Whole units: ``floor(d_i min(1, w_i t))``, then the units left in the block go one each to the
   needs with the largest remainders (ties: heavier weight, then the earlier need). Every need is
   within one unit of the fractional optimum and the order of coverage by weight is kept.
4. Sources: a point serves its own needs from its own stock first; shortfalls are filled from other
   points' surpluses in point order, which gives suggested transfers (no point both sends and
   receives the same pool). Lots are consumed first expiry first out: own needs first, then
   outgoing transfers.

With tiers (points numbered in tier order), the needs of a block that can draw on a tier and
those below form nested sets. Step 2 then runs in at most one round per tier: each round fills
every nested set of the needs left, the set whose level comes out lowest is fixed at it (it uses
up the stock of its tiers), and the next round shares the tiers above among the needs above.
Step 3 rounds each round's tiers by cumulative floors, so the units given to the needs up to a
tier never exceed the stock up to it, and step 4's matching in point order sends downstream only.
Without tiers there is one round and the plan is the one above.

Where it can differ from the linear program (``exact.py``): the fractional levels are the LP's
lexicographic optimum (the block reduction is exact under the link semantics above; the LP models
flows on the links explicitly and checks this). The integer plan differs from the fractional one
by less than one unit per need, and ties between equally good plans are broken deterministically.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# Why a need got what it got.
FULL = 0  # it got all it asked for
SHORT = 1  # its pool ran short in its component: everyone there was raised to the same level
NO_STOCK = 2  # no stock of its pool can reach its point

NO_EXPIRY = np.iinfo(np.int64).max  # undated lots go last in first expiry, first out

_EPS = 1e-9


def _ints(values: Iterable[int] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@dataclass(frozen=True, eq=False)
class Problem:
    """The input: needs and lots as parallel arrays, indices of pools and points from 0."""

    n_points: int
    need_pool: np.ndarray
    need_point: np.ndarray
    need_quantity: np.ndarray
    need_weight: np.ndarray
    lot_pool: np.ndarray
    lot_point: np.ndarray
    lot_quantity: np.ndarray
    lot_expiry: np.ndarray
    links: tuple[tuple[int, int], ...] | None = None
    point_tier: np.ndarray | None = None  # non-decreasing by point; only without links

    def __post_init__(self) -> None:
        n, m = len(self.need_pool), len(self.lot_pool)
        if not (len(self.need_point) == len(self.need_quantity) == len(self.need_weight) == n):
            raise ValueError("need arrays differ in length")
        if not (len(self.lot_point) == len(self.lot_quantity) == len(self.lot_expiry) == m):
            raise ValueError("lot arrays differ in length")
        if n and (self.need_quantity.min() <= 0 or not np.all(self.need_weight > 0)):
            raise ValueError("need quantities and weights must be positive")
        if not np.all(np.isfinite(self.need_weight)):
            raise ValueError("need weights must be finite")
        if m and self.lot_quantity.min() < 0:
            raise ValueError("lot quantities cannot be negative")
        points = [self.need_point, self.lot_point]
        if self.links:
            points.append(np.asarray(self.links, dtype=np.int64).reshape(-1))
        for array in points:
            if len(array) and (array.min() < 0 or array.max() >= self.n_points):
                raise ValueError("point index out of range")
        for array in (self.need_pool, self.lot_pool):
            if len(array) and array.min() < 0:
                raise ValueError("pool index cannot be negative")
        tier = self.point_tier
        if tier is not None:
            if self.links is not None:
                raise ValueError("tiers apply only without links")
            if len(tier) != self.n_points or (len(tier) and tier.min() < 0):
                raise ValueError("one tier, from 0, for each point")
            if np.any(np.diff(tier) < 0):
                raise ValueError("points must be numbered in tier order")

    @classmethod
    def build(
        cls,
        *,
        n_points: int,
        needs: Sequence[tuple[int, int, int, float]],
        lots: Sequence[tuple[int, int, int, int | None]],
        links: Iterable[tuple[int, int]] | None = None,
        tiers: Sequence[int] | None = None,
    ) -> Problem:
        """From rows: needs as (pool, point, quantity, weight), lots as (pool, point, quantity,
        expiry as a day number or None); `tiers`, one per point, for downstream-only reach."""
        need_rows = list(needs)
        lot_rows = list(lots)
        return cls(
            n_points=n_points,
            need_pool=_ints([r[0] for r in need_rows]),
            need_point=_ints([r[1] for r in need_rows]),
            need_quantity=_ints([r[2] for r in need_rows]),
            need_weight=np.asarray([r[3] for r in need_rows], dtype=np.float64).reshape(-1),
            lot_pool=_ints([r[0] for r in lot_rows]),
            lot_point=_ints([r[1] for r in lot_rows]),
            lot_quantity=_ints([r[2] for r in lot_rows]),
            lot_expiry=_ints([NO_EXPIRY if r[3] is None else r[3] for r in lot_rows]),
            links=None if links is None else tuple((int(a), int(b)) for a, b in links),
            point_tier=None if tiers is None else _ints(tiers),
        )

    @property
    def n_needs(self) -> int:
        return len(self.need_pool)

    @property
    def n_lots(self) -> int:
        return len(self.lot_pool)


@dataclass(frozen=True, eq=False)
class Plan:
    """The output of the fast path.

    Per need: ``allocated`` (whole units), ``share`` (the fractional optimum, in units),
    ``level_t`` (its block's level ``t``; ``inf`` when the block has enough for everyone) and
    ``limit`` (FULL, SHORT or NO_STOCK). ``picks``: rows (need, lot, quantity); a lot at another
    point than the need's arrives by a transfer. ``transfers``: rows (lot, from point, to point,
    quantity).
    """

    allocated: np.ndarray
    share: np.ndarray
    level_t: np.ndarray
    limit: np.ndarray
    picks: np.ndarray
    transfers: np.ndarray


def components(n_points: int, links: Iterable[tuple[int, int]] | None) -> np.ndarray:
    """The component of each point (numbered by its smallest point); no links: one component."""
    if links is None:
        return np.zeros(n_points, dtype=np.int64)
    parent = list(range(n_points))

    def root(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.asarray([root(p) for p in range(n_points)], dtype=np.int64)


def _segments(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted keys: the start of each run and the run number of each position."""
    change = np.empty(len(keys), dtype=bool)
    change[:1] = True
    change[1:] = keys[1:] != keys[:-1]
    return np.flatnonzero(change), np.cumsum(change) - 1


def water_levels(
    block: np.ndarray, quantity: np.ndarray, weight: np.ndarray, supply: np.ndarray
) -> np.ndarray:
    """The level ``t`` of each block such that ``sum d_i min(1, w_i t) = supply`` (``inf`` when
    the block's needs fit in its supply). ``block`` indexes ``supply``."""
    levels = np.full(len(supply), np.inf)
    n = len(block)
    if n == 0:
        return levels
    breakpoint_ = 1.0 / weight
    order = np.lexsort((breakpoint_, block))
    blk, d = block[order], quantity[order].astype(np.float64)
    b = breakpoint_[order]
    dw = d * weight[order]
    starts, run = _segments(blk)
    cum_d, cum_dw = np.cumsum(d), np.cumsum(dw)
    pre_d = cum_d - (cum_d - d)[starts][run]
    pre_dw = cum_dw - (cum_dw - dw)[starts][run]
    total_dw = np.add.reduceat(dw, starts)
    suf_dw = total_dw[run] - pre_dw
    filled = pre_d + b * suf_dw  # the quantity filled when t reaches each breakpoint
    s = supply[blk].astype(np.float64)
    index = np.where(filled >= s, np.arange(n), n)
    first = np.minimum.reduceat(index, starts)
    ends = np.append(starts[1:], n)
    short = first < ends
    j, st = first[short], starts[short]
    at_start = j == st
    before = np.maximum(j - 1, 0)
    base = np.where(at_start, 0.0, pre_d[before])
    slope = np.where(at_start, total_dw[short], suf_dw[before])
    levels[blk[st]] = (s[st] - base) / slope
    return levels


def _round(
    block: np.ndarray,
    quantity: np.ndarray,
    weight: np.ndarray,
    share: np.ndarray,
    supply: np.ndarray,
) -> np.ndarray:
    """Whole units: floors, then the units left in each block by largest remainder."""
    whole = np.minimum(np.floor(share + _EPS).astype(np.int64), quantity)
    n_blocks = len(supply)
    demand = np.bincount(block, weights=quantity, minlength=n_blocks)
    given = np.bincount(block, weights=whole, minlength=n_blocks)
    left = np.rint(np.minimum(supply, demand) - given).astype(np.int64)
    remainder = np.where(whole < quantity, np.maximum(share - whole, 0.0), -1.0)
    order = np.lexsort((np.arange(len(block)), -weight, -remainder, block))
    starts, run = _segments(block[order])
    rank = np.arange(len(order)) - starts[run]
    gets = (rank < left[block[order]]) & (remainder[order] >= 0)
    whole[order[gets]] += 1
    return whole


def _match(
    c_seg: np.ndarray, c_amount: np.ndarray, s_seg: np.ndarray, s_amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair consumers with suppliers in order within each segment.

    Both sides are sorted by segment (then by their order of use); a segment's consumers take no
    more than its suppliers hold. Returns (consumer index, supplier index, quantity) rows.
    """
    empty = np.zeros(0, dtype=np.int64)
    keep = c_amount > 0
    if not keep.any():
        return empty, empty, empty
    s_end = np.cumsum(s_amount)
    s_start = s_end - s_amount
    seg_keys, first = np.unique(s_seg, return_index=True)
    seg_start = s_start[first]
    c_idx = np.flatnonzero(keep)
    seg, amount = c_seg[c_idx], c_amount[c_idx]
    starts, run = _segments(seg)
    cum = np.cumsum(amount)
    within = cum - amount - (cum - amount)[starts][run]
    c_start = seg_start[np.searchsorted(seg_keys, seg)] + within
    c_end = c_start + amount
    lo = np.searchsorted(s_end, c_start, side="right")
    hi = np.searchsorted(s_start, c_end, side="left")
    count = hi - lo
    consumer = np.repeat(c_idx, count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    supplier = np.repeat(lo, count) + offsets
    qty = np.minimum(np.repeat(c_end, count), s_end[supplier]) - np.maximum(
        np.repeat(c_start, count), s_start[supplier]
    )
    ok = qty > 0
    return consumer[ok], supplier[ok], qty[ok]


def _blocks(problem: Problem) -> tuple[np.ndarray, np.ndarray, int]:
    comp = components(problem.n_points, problem.links)
    n_comp = int(comp.max()) + 1 if problem.n_points else 1
    need_key = problem.need_pool * n_comp + comp[problem.need_point]
    lot_key = problem.lot_pool * n_comp + comp[problem.lot_point]
    keys, inverse = np.unique(np.concatenate([need_key, lot_key]), return_inverse=True)
    return inverse[: problem.n_needs], inverse[problem.n_needs :], len(keys)


def plan(problem: Problem) -> Plan:
    """The fair plan (see the module's docstring for the objective and the algorithm)."""
    need_block, lot_block, n_blocks = _blocks(problem)
    supply = np.bincount(lot_block, weights=problem.lot_quantity, minlength=n_blocks)
    supply = np.rint(supply).astype(np.int64)
    d, w = problem.need_quantity, problem.need_weight
    tier = problem.point_tier
    if tier is None or not len(tier) or tier.min() == tier.max():
        levels = water_levels(need_block, d, w, supply)
        level_t = levels[need_block]
        share = _shares(d, w, level_t)
        allocated = _round(need_block, d, w, share, supply)
        reachable = supply[need_block]
    else:
        level_t, group, reach = _tiered_levels(problem, need_block, lot_block, n_blocks)
        share = _shares(d, w, level_t)
        subgroup, units = _tier_units(problem, group, reach, share)
        allocated = _round(subgroup, d, w, share, units)
        reachable = reach[group]
    limit = np.where(allocated >= d, FULL, np.where(reachable == 0, NO_STOCK, SHORT))
    picks, transfers = _source(problem, need_block, lot_block, allocated)
    return Plan(
        allocated=allocated,
        share=share,
        level_t=level_t,
        limit=limit.astype(np.int64),
        picks=picks,
        transfers=transfers,
    )


def _shares(d: np.ndarray, w: np.ndarray, level_t: np.ndarray) -> np.ndarray:
    """The fractional units of each need at its block's level."""
    # A hair below t, so that rounding error never hands out more than the stock.
    coverage = np.minimum(1.0, w * level_t * (1 - 1e-12))
    coverage = np.where(np.isinf(level_t), 1.0, coverage)
    return d * coverage


def _tiered_levels(
    problem: Problem, need_block: np.ndarray, lot_block: np.ndarray, n_blocks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levels when stock flows downstream only: per need its level, its group (block and round)
    and per group the stock its needs share (see the module's docstring)."""
    tier = problem.point_tier
    n_tiers = int(tier.max()) + 1
    need_tier, lot_tier = tier[problem.need_point], tier[problem.lot_point]
    d, w = problem.need_quantity, problem.need_weight
    stock = np.zeros((n_blocks, n_tiers), dtype=np.int64)
    np.add.at(stock, (lot_block, lot_tier), problem.lot_quantity)
    level = np.full(problem.n_needs, np.inf)
    group = np.zeros(problem.n_needs, dtype=np.int64)
    used_up = np.full(n_blocks, -1)  # the tiers up to this one are shared out already
    reach = np.zeros(n_tiers * n_blocks, dtype=np.int64)
    active = np.ones(problem.n_needs, dtype=bool)
    blocks = np.arange(n_blocks)
    for round_ in range(n_tiers):
        left = np.flatnonzero(active)
        if not len(left):
            break
        # Each need joins the nested set of every tier from its own up.
        copies = n_tiers - need_tier[left]
        member = np.repeat(left, copies)
        offset = np.arange(len(member)) - np.repeat(np.cumsum(copies) - copies, copies)
        key = need_block[member] * n_tiers + need_tier[member] + offset
        open_stock = np.where(np.arange(n_tiers)[None, :] > used_up[:, None], stock, 0)
        prefix = np.cumsum(open_stock, axis=1)
        t = water_levels(key, d[member], w[member], prefix.reshape(-1))
        has = np.zeros(n_blocks * n_tiers, dtype=bool)
        has[key] = True
        t = np.where(has, t, np.inf).reshape(n_blocks, n_tiers)
        lowest = t.min(axis=1)
        bottleneck = np.where(np.isinf(lowest), n_tiers - 1, np.argmin(t, axis=1))
        block = need_block[left]
        fixed = left[need_tier[left] <= bottleneck[block]]
        level[fixed] = lowest[need_block[fixed]]
        group[fixed] = round_ * n_blocks + need_block[fixed]
        reach[round_ * n_blocks + blocks] = prefix[blocks, bottleneck]
        touched = np.zeros(n_blocks, dtype=bool)
        touched[block] = True
        used_up = np.where(touched, bottleneck, used_up)
        active[fixed] = False
    return level, group, reach


def _tier_units(
    problem: Problem, group: np.ndarray, reach: np.ndarray, share: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whole units per (group, tier): cumulative floors of the shares up to each tier, so the
    needs up to a tier never get more than the stock up to it; the top tier gets the rest."""
    n_tiers = int(problem.point_tier.max()) + 1
    need_tier = problem.point_tier[problem.need_point]
    d = problem.need_quantity
    sub = group * n_tiers + need_tier
    n_sub = len(reach) * n_tiers
    shares = np.bincount(sub, weights=share, minlength=n_sub).reshape(-1, n_tiers)
    demand = np.bincount(sub, weights=d, minlength=n_sub).reshape(-1, n_tiers)
    floors = np.floor(np.cumsum(shares, axis=1) + _EPS)
    top = np.minimum(reach, demand.sum(axis=1))
    has = demand > 0
    last = np.where(has.any(axis=1), n_tiers - 1 - np.argmax(has[:, ::-1], axis=1), 0)
    floors[np.arange(len(reach)), last] = top
    floors = np.maximum.accumulate(np.where(has, floors, 0), axis=1)
    units = np.diff(floors, axis=1, prepend=0).reshape(-1)
    return sub, np.rint(units).astype(np.int64)


def _source(
    problem: Problem, need_block: np.ndarray, lot_block: np.ndarray, allocated: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lots for each need: own point first (FEFO), shortfalls by transfers from surpluses."""
    n_pts = max(problem.n_points, 1)
    need_seg = need_block * n_pts + problem.need_point
    lot_seg = lot_block * n_pts + problem.lot_point
    segs, inverse = np.unique(np.concatenate([need_seg, lot_seg]), return_inverse=True)
    need_s, lot_s = inverse[: problem.n_needs], inverse[problem.n_needs :]
    demand = np.bincount(need_s, weights=allocated, minlength=len(segs)).astype(np.int64)
    stock = np.bincount(lot_s, weights=problem.lot_quantity, minlength=len(segs))
    stock = np.rint(stock).astype(np.int64)
    own = np.minimum(demand, stock)
    deficit, surplus = demand - own, stock - own
    seg_block = segs // n_pts
    seg_point = segs % n_pts
    # Transfers: deficits matched with surpluses of the same block, in point order.
    c, s, q = _match(seg_block, deficit, seg_block, surplus)
    t_from, t_to, t_qty = s, c, q  # segment indices
    # Phase 1, at points that do not receive: own needs first, then outgoing transfers.
    lot_order = np.lexsort((np.arange(problem.n_lots), problem.lot_expiry, lot_s))
    sends = deficit[need_s] == 0
    n1 = np.flatnonzero(sends)
    c1_seg = np.concatenate([need_s[n1], t_from])
    c1_kind = np.concatenate([np.zeros(len(n1), np.int64), np.ones(len(t_from), np.int64)])
    c1_ref = np.concatenate([n1, np.arange(len(t_from))])
    c1_amt = np.concatenate([allocated[n1], t_qty])
    o1 = np.lexsort((c1_ref, c1_kind, c1_seg))
    ci, si, qty = _match(c1_seg[o1], c1_amt[o1], lot_s[lot_order], problem.lot_quantity[lot_order])
    kind, ref, lot = c1_kind[o1][ci], c1_ref[o1][ci], lot_order[si]
    picks = [np.stack([ref[kind == 0], lot[kind == 0], qty[kind == 0]], axis=1)]
    tr = ref[kind == 1]
    transfers = np.stack(
        [lot[kind == 1], seg_point[t_from[tr]], seg_point[t_to[tr]], qty[kind == 1]], axis=1
    )
    # Phase 2, at points that receive: own lots first, then what arrives.
    n2 = np.flatnonzero(~sends)
    if len(n2):
        at_dest = deficit[lot_s] > 0
        l2 = lot_order[at_dest[lot_order]]
        sup_seg = np.concatenate([lot_s[l2], t_to[tr]])
        sup_kind = np.concatenate([np.zeros(len(l2), np.int64), np.ones(len(tr), np.int64)])
        sup_lot = np.concatenate([l2, transfers[:, 0]])
        sup_amt = np.concatenate([problem.lot_quantity[l2], transfers[:, 3]])
        sup_key = np.concatenate([np.arange(len(l2)), np.arange(len(tr))])
        o_s = np.lexsort((sup_key, sup_kind, sup_seg))
        o2 = np.lexsort((n2, need_s[n2]))
        ci, si, qty = _match(need_s[n2][o2], allocated[n2][o2], sup_seg[o_s], sup_amt[o_s])
        picks.append(np.stack([n2[o2][ci], sup_lot[o_s][si], qty], axis=1))
    all_picks = np.concatenate(picks).astype(np.int64)
    all_picks = all_picks[np.lexsort((all_picks[:, 1], all_picks[:, 0]))]
    return all_picks, transfers.astype(np.int64)
