"""The exact path: the same objective as ``engine.py`` solved as linear programs with HiGHS.

It exists to validate the fast path on small and medium cases, so it models the network as it
is rather than as the fast path reduces it: per pool, variables are the quantity ``x_i`` of each
need and a flow on each link in each direction (or, without links, through one hub that every
point can send to and receive from, or a chain of hubs, one per tier, when stock flows downstream
only); each point may give out at most its stock.

The lexicographic max-min is solved as a sequence of LPs (progressive filling):

1. maximise ``t`` subject to ``x_i >= d_i w_i t`` for every need not yet fixed;
2. the needs whose level constraint has a non-zero dual are blocked at ``t``: fix their lower bound
   at ``min(d_i, d_i w_i t)`` and drop their constraint (if no dual is non-zero, a degenerate
   case, all remaining needs are fixed);
3. repeat until every need is fixed.

Pools share no stock, so each pool is solved on its own; the optimum of the whole is the optimum of
each pool. The result is fractional (no integer rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from kamavor.allocation.engine import Problem

_INF = highspy.kHighsInf
_DUAL = 1e-9
_SLACK = 1e-9


@dataclass(frozen=True, eq=False)
class ExactPlan:
    """Fractional units per need, and how many LPs were solved."""

    share: np.ndarray
    solves: int


def _arcs(problem: Problem) -> tuple[int, list[tuple[int, int]]]:
    """Nodes (points, plus a hub without links) and the directed arcs stock may move along."""
    n = problem.n_points
    if problem.links is None and problem.point_tier is not None:
        # A hub per tier, chained downstream: a point sends into its tier's hub and receives
        # from it, and each hub passes on to the next, so stock goes from tier a to b if a <= b.
        tiers = problem.point_tier.tolist()
        n_tiers = max(tiers, default=0) + 1
        arcs = [(p, n + t) for p, t in enumerate(tiers)] + [(n + t, p) for p, t in enumerate(tiers)]
        arcs += [(n + t, n + t + 1) for t in range(n_tiers - 1)]
        return n + n_tiers, arcs
    if problem.links is None:
        hub = n
        return n + 1, [(p, hub) for p in range(n)] + [(hub, p) for p in range(n)]
    arcs: set[tuple[int, int]] = set()
    for a, b in problem.links:
        if a != b:
            arcs.update({(a, b), (b, a)})
    return n, sorted(arcs)


def _solve_pool(
    problem: Problem, needs: np.ndarray, lots: np.ndarray, n_nodes: int, arcs: list
) -> tuple[np.ndarray, int]:
    d = problem.need_quantity[needs].astype(np.float64)
    w = problem.need_weight[needs]
    n, k = len(needs), len(arcs)
    stock = np.bincount(
        problem.lot_point[lots], weights=problem.lot_quantity[lots], minlength=n_nodes
    )
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Columns: x_0..x_{n-1}, the arcs, then t.
    n_cols = n + k + 1
    lower = np.zeros(n_cols)
    upper = np.concatenate([d, np.full(k, _INF), [float(1.0 / w.min()) + 1.0]])
    h.addVars(n_cols, lower, upper)
    cost = np.zeros(n_cols)
    cost[-1] = 1.0
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    # Node rows: what the point's needs take plus what it sends out less what comes in <= stock.
    rows: list[list[tuple[int, float]]] = [[] for _ in range(n_nodes)]
    for i, point in enumerate(problem.need_point[needs]):
        rows[point].append((i, 1.0))
    for j, (a, b) in enumerate(arcs):
        rows[a].append((n + j, 1.0))
        rows[b].append((n + j, -1.0))
    for node, entries in enumerate(rows):
        if entries:
            idx = np.asarray([e[0] for e in entries], dtype=np.int32)
            val = np.asarray([e[1] for e in entries])
            h.addRow(-_INF, float(stock[node]), len(idx), idx, val)
    first_level_row = h.getNumRow()
    index = np.empty(2 * n, dtype=np.int32)
    index[0::2], index[1::2] = np.arange(n), n_cols - 1
    value = np.empty(2 * n)
    value[0::2], value[1::2] = -1.0, d * w
    starts = np.arange(0, 2 * n, 2, dtype=np.int32)
    h.addRows(n, np.full(n, -_INF), np.zeros(n), 2 * n, starts, index, value)
    active = np.ones(n, dtype=bool)
    solves = 0
    while active.any():
        h.run()
        solves += 1
        t = h.getSolution().col_value[-1]
        duals = np.asarray(h.getSolution().row_dual)[first_level_row : first_level_row + n]
        blocked = active & (np.abs(duals) > _DUAL)
        if not blocked.any():
            blocked = active.copy()
        for i in np.flatnonzero(blocked):
            floor_ = max(0.0, min(d[i], d[i] * w[i] * t) - _SLACK * max(1.0, d[i]))
            h.changeColBounds(int(i), floor_, float(d[i]))
            h.changeRowBounds(first_level_row + int(i), -_INF, _INF)
        active &= ~blocked
    x = np.asarray(h.getSolution().col_value)[:n]
    return np.minimum(np.maximum(x, 0.0), d), solves


def solve(problem: Problem) -> ExactPlan:
    """The fractional lexicographic max-min optimum, need by need."""
    share = np.zeros(problem.n_needs)
    n_nodes, arcs = _arcs(problem)
    solves = 0
    lots_by_pool: dict[int, list[int]] = {}
    for j, pool in enumerate(problem.lot_pool.tolist()):
        lots_by_pool.setdefault(pool, []).append(j)
    order = np.argsort(problem.need_pool, kind="stable")
    pools, starts = np.unique(problem.need_pool[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    for pool, start, end in zip(pools.tolist(), starts, ends, strict=True):
        needs = order[start:end]
        lots = np.asarray(lots_by_pool.get(pool, []), dtype=np.int64)
        if len(lots) == 0 or problem.lot_quantity[lots].sum() == 0:
            continue
        x, count = _solve_pool(problem, needs, lots, n_nodes, arcs)
        share[needs] = x
        solves += count
    return ExactPlan(share=share, solves=solves)


def levels(problem: Problem, share: np.ndarray) -> np.ndarray:
    """The weighted level ``c_i / w_i`` of each need for the given units."""
    return share / problem.need_quantity / problem.need_weight


def fairness_gap(problem: Problem, share: np.ndarray, reference: np.ndarray) -> float:
    """How far ``share`` falls short of ``reference`` on the lexicographic objective.

    Both level vectors are sorted ascending and compared position by position: the gap is the
    largest relative shortfall ``(ref_k - got_k) / ref_k`` over positions where ``ref_k > 0``
    (0.0 when ``share`` is at least as good everywhere). For the lexicographic optimum as
    reference, a gap of 0.01 means no need's level, in rank order, is more than 1 % below it.
    """
    got = np.sort(levels(problem, share))
    ref = np.sort(levels(problem, reference))
    positive = ref > 1e-12
    if not positive.any():
        return 0.0
    shortfall = (ref[positive] - got[positive]) / ref[positive]
    return float(max(0.0, shortfall.max()))
