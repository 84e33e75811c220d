"""Time the fair allocation planner at the scale PRODUCT.md designs for, and print the figures.

    .venv/bin/python bench/allocation.py [--sizes 1000,10000,30000] [--points 50] [--items 1000]
                                         [--lines 10] [--lp-limit 10000] [--seed 1]
                                         [--districts 0]

For each number of households it builds a synthetic network (no database): households spread over
the points, about --lines need lines each over --items items (a few items are wanted by many, most
by few), a fifth of households with vulnerability flags and some urgent requests (weights 1 to
3.5), and stock of each item at a third of the points covering 30 % to 130 % of what is wanted,
in one to three lots with expiry dates. With --districts N the points form N districts that
exchange stock only among themselves; otherwise every point can send to every other.

It prints the fast path's time (engine.plan: water-filling, rounding, lot picks and transfers),
the exact path's time (exact.solve: sequential LPs with HiGHS, run up to --lp-limit households)
the fairness gap between them (exact.fairness_gap: the largest relative shortfall of the fast
path's sorted weighted levels against the LP's), and how far the fast path's whole-unit plan is
from the LP's fractional optimum (the most units any one need is off; below 1 by construction).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from kamavor.allocation import engine, exact


def network(
    households: int,
    *,
    points: int,
    items: int,
    lines: int,
    districts: int,
    seed: int,
    tiers: bool = False,
) -> engine.Problem:
    """A synthetic but realistic network of needs and lots."""
    rng = np.random.default_rng(seed)
    home = rng.integers(0, points, households)
    flags = rng.random(households) < 0.2
    base = np.where(flags, 1.0 + 0.5 * rng.integers(1, 4, households), 1.0)
    per = np.maximum(1, rng.poisson(lines, households))
    n = int(per.sum())
    owner = np.repeat(np.arange(households), per)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.8
    item = rng.choice(items, size=n, p=popularity / popularity.sum())
    quantity = rng.choice([1, 1, 1, 2, 2, 3, 4, 6, 10], size=n)
    urgent = rng.random(n) < 0.05
    weight = base[owner] * np.where(urgent, 1.5, 1.0)
    wanted = np.bincount(item, weights=quantity, minlength=items)
    lot_pool, lot_point, lot_quantity, lot_expiry = [], [], [], []
    for pool in np.flatnonzero(wanted):
        holders = rng.choice(points, size=max(1, points // 3), replace=False)
        total = wanted[pool] * rng.uniform(0.3, 1.3)
        split = rng.dirichlet(np.ones(len(holders))) * total
        for point, amount in zip(holders, split, strict=True):
            pieces = rng.integers(1, 4)
            for part in rng.dirichlet(np.ones(pieces)) * amount:
                lot_pool.append(pool)
                lot_point.append(point)
                lot_quantity.append(int(part))
                lot_expiry.append(int(rng.integers(0, 720)))
    links = None
    if districts:
        district = np.arange(points) % districts
        links = [(int(a), int(b)) for a in range(points) for b in range(a + 1, points)]
        links = [(a, b) for a, b in links if district[a] == district[b] and b - a == districts]
    return engine.Problem(
        n_points=points,
        need_pool=item.astype(np.int64),
        need_point=home[owner].astype(np.int64),
        need_quantity=quantity.astype(np.int64),
        need_weight=weight,
        lot_pool=np.asarray(lot_pool, dtype=np.int64),
        lot_point=np.asarray(lot_point, dtype=np.int64),
        lot_quantity=np.asarray(lot_quantity, dtype=np.int64),
        lot_expiry=np.asarray(lot_expiry, dtype=np.int64),
        links=None if links is None else tuple(links),
        # Downstream only: a fifth of the points collect, a tenth are warehouses, the rest
        # distribute (points numbered in tier order).
        point_tier=None if links is not None or not tiers else _tiers(points),
    )


def _tiers(points: int) -> np.ndarray:
    tier = np.full(points, 2, dtype=np.int64)
    tier[: points // 5] = 0
    tier[points // 5 : points // 5 + points // 10] = 1
    return tier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,30000")
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--lp-limit", type=int, default=10000)
    parser.add_argument("--districts", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tiers", action="store_true", help="stock flows downstream only")
    args = parser.parse_args()
    links = f"{args.districts} districts" if args.districts else "every point to every point"
    if args.tiers and not args.districts:
        links += ", downstream only (collection, warehouse, distribution)"
    print(
        f"points {args.points}, items {args.items}, ~{args.lines} need lines per household, "
        f"links: {links}"
    )
    header = (
        "households  need lines   lots  fast (s)  LP (s)  LP solves  gap (levels)"
        "  plan vs LP (units)"
    )
    print(header)
    for size in (int(s) for s in args.sizes.split(",")):
        problem = network(
            size,
            points=args.points,
            items=args.items,
            lines=args.lines,
            districts=args.districts,
            seed=args.seed,
            tiers=args.tiers,
        )
        start = time.perf_counter()
        result = engine.plan(problem)
        fast = time.perf_counter() - start
        lp_time = solves = gap = plan_gap = "-"
        if size <= args.lp_limit:
            start = time.perf_counter()
            reference = exact.solve(problem)
            lp_time = f"{time.perf_counter() - start:.1f}"
            solves = str(reference.solves)
            gap = f"{100 * exact.fairness_gap(problem, result.share, reference.share):.4f} %"
            plan_gap = f"{np.abs(result.allocated - reference.share).max():.2f}"
        print(
            f"{size:>10}  {problem.n_needs:>10}  {problem.n_lots:>5}  {fast:>8.2f}  "
            f"{lp_time:>6}  {solves:>9}  {gap:>12}  {plan_gap:>10}"
        )


if __name__ == "__main__":
    main()
