"""The allocation engine and its exact path: invariants, fairness, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamavor.allocation import engine, exact

WEIGHTS = [1.0, 1.25, 1.5, 2.0, 3.0]


@st.composite
def problems(
    draw, max_points: int = 4, max_pools: int = 3, max_needs: int = 25, tiered: bool = False
):
    n_points = draw(st.integers(1, max_points))
    n_pools = draw(st.integers(1, max_pools))
    point = st.integers(0, n_points - 1)
    pool = st.integers(0, n_pools - 1)
    needs = draw(
        st.lists(
            st.tuples(pool, point, st.integers(1, 8), st.sampled_from(WEIGHTS)),
            min_size=1,
            max_size=max_needs,
        )
    )
    expiry = st.one_of(st.none(), st.integers(0, 60))
    lots = draw(st.lists(st.tuples(pool, point, st.integers(0, 20), expiry), max_size=12))
    pairs = st.tuples(point, point)
    if tiered:  # points numbered in tier order, stock flows downstream only
        tiers = sorted(draw(st.lists(st.integers(0, 2), min_size=n_points, max_size=n_points)))
        return engine.Problem.build(n_points=n_points, needs=needs, lots=lots, tiers=tiers)
    links = draw(st.one_of(st.none(), st.lists(pairs, max_size=4)))
    return engine.Problem.build(n_points=n_points, needs=needs, lots=lots, links=links)


def used_per_lot(problem: engine.Problem, result: engine.Plan) -> np.ndarray:
    return np.bincount(result.picks[:, 1], weights=result.picks[:, 2], minlength=problem.n_lots)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_it_never_allocates_more_than_a_lot_holds_or_a_need_asks(problem):
    result = engine.plan(problem)
    assert np.all(used_per_lot(problem, result) <= problem.lot_quantity)
    assert np.all(result.allocated >= 0)
    assert np.all(result.allocated <= problem.need_quantity)
    picked = np.bincount(result.picks[:, 0], weights=result.picks[:, 2], minlength=problem.n_needs)
    assert np.array_equal(picked.astype(np.int64), result.allocated)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_it_picks_only_from_the_same_pool_and_reachable_points(problem):
    result = engine.plan(problem)
    comp = engine.components(problem.n_points, problem.links)
    need, lot = result.picks[:, 0], result.picks[:, 1]
    assert np.array_equal(problem.need_pool[need], problem.lot_pool[lot])
    assert np.array_equal(comp[problem.need_point[need]], comp[problem.lot_point[lot]])
    # Whatever is picked at another point arrives by a suggested transfer of that lot.
    away = problem.need_point[need] != problem.lot_point[lot]
    moved = np.bincount(lot[away], weights=result.picks[away, 2], minlength=problem.n_lots)
    t = result.transfers
    sent = np.bincount(t[:, 0], weights=t[:, 3], minlength=problem.n_lots)
    assert np.array_equal(moved, sent)
    assert np.all(problem.lot_point[t[:, 0]] == t[:, 1])
    assert np.all(t[:, 1] != t[:, 2])


@settings(max_examples=150, deadline=None)
@given(problems())
def test_it_uses_all_the_stock_or_covers_every_need(problem):
    result = engine.plan(problem)
    comp = engine.components(problem.n_points, problem.links)
    blocks = {
        (int(p), int(comp[q])) for p, q in zip(problem.need_pool, problem.need_point, strict=True)
    }
    for pool, component in blocks:
        needs = (problem.need_pool == pool) & (comp[problem.need_point] == component)
        lots = (problem.lot_pool == pool) & (comp[problem.lot_point] == component)
        wanted, held = problem.need_quantity[needs].sum(), problem.lot_quantity[lots].sum()
        assert result.allocated[needs].sum() == min(wanted, held)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_it_consumes_lots_first_expiry_first_out(problem):
    result = engine.plan(problem)
    left = problem.lot_quantity - used_per_lot(problem, result)
    used = used_per_lot(problem, result) > 0
    for lot in np.flatnonzero(used):
        same = (problem.lot_pool == problem.lot_pool[lot]) & (
            problem.lot_point == problem.lot_point[lot]
        )
        earlier = same & (problem.lot_expiry < problem.lot_expiry[lot])
        assert not np.any(left[earlier] > 0)


@settings(max_examples=100, deadline=None)
@given(problems())
def test_it_gives_the_same_plan_every_time(problem):
    first, second = engine.plan(problem), engine.plan(problem)
    for name in ("allocated", "share", "limit", "picks", "transfers"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name


@settings(max_examples=120, deadline=None)
@given(problems())
def test_it_matches_the_linear_program(problem):
    result = engine.plan(problem)
    reference = exact.solve(problem)
    assert exact.fairness_gap(problem, result.share, reference.share) <= 0.01
    assert exact.fairness_gap(problem, reference.share, result.share) <= 0.01
    # The whole-unit plan is within one unit of the fractional optimum, need by need.
    assert np.all(np.abs(result.allocated - reference.share) < 1 + 1e-6)


@settings(max_examples=150, deadline=None)
@given(
    problems(),
    st.integers(1, 8),
    st.sampled_from(WEIGHTS[:-1]),
    st.floats(0.01, 2.0),
    st.data(),
)
def test_a_more_vulnerable_household_is_never_covered_worse(problem, quantity, light, extra, data):
    """Two needs alike but for the weight: the heavier one gets at least as much."""
    pool = data.draw(st.integers(0, int(problem.need_pool.max())))
    point = data.draw(st.integers(0, problem.n_points - 1))
    heavy = light + extra
    needs = [
        (int(a), int(b), int(c), float(d))
        for a, b, c, d in zip(
            problem.need_pool,
            problem.need_point,
            problem.need_quantity,
            problem.need_weight,
            strict=True,
        )
    ]
    first_heavy = data.draw(st.booleans())
    pair = [(pool, point, quantity, heavy), (pool, point, quantity, light)]
    lots = list(
        zip(
            problem.lot_pool.tolist(),
            problem.lot_point.tolist(),
            problem.lot_quantity.tolist(),
            [None if e == engine.NO_EXPIRY else e for e in problem.lot_expiry.tolist()],
            strict=True,
        )
    )
    both = engine.Problem.build(
        n_points=problem.n_points,
        needs=needs + (pair if first_heavy else pair[::-1]),
        lots=lots,
        links=problem.links,
    )
    result = engine.plan(both)
    h, lt = (-2, -1) if first_heavy else (-1, -2)
    assert result.allocated[h] >= result.allocated[lt]
    assert result.share[h] >= result.share[lt]


def test_water_filling_gives_twice_the_coverage_to_twice_the_weight():
    # 6 units for two needs of 4, weights 1 and 2: t = 1/2, coverage 1/2 and 1.
    problem = engine.Problem.build(
        n_points=1, needs=[(0, 0, 4, 1.0), (0, 0, 4, 2.0)], lots=[(0, 0, 6, None)]
    )
    result = engine.plan(problem)
    assert result.allocated.tolist() == [2, 4]
    assert result.limit.tolist() == [engine.SHORT, engine.FULL]


def test_stock_moves_only_along_links():
    needs = [(0, 1, 5, 1.0)]
    lots = [(0, 0, 5, None)]
    apart = engine.Problem.build(n_points=3, needs=needs, lots=lots, links=[(1, 2)])
    linked = engine.Problem.build(n_points=3, needs=needs, lots=lots, links=[(0, 2), (2, 1)])
    assert engine.plan(apart).allocated.tolist() == [0]
    assert engine.plan(apart).limit.tolist() == [engine.NO_STOCK]
    assert exact.solve(apart).share.tolist() == [0.0]
    result = engine.plan(linked)
    assert result.allocated.tolist() == [5]
    assert result.transfers.tolist() == [[0, 0, 1, 5]]
    assert exact.solve(linked).share[0] == pytest.approx(5.0)


def test_own_stock_serves_own_needs_before_any_transfer():
    problem = engine.Problem.build(
        n_points=2,
        needs=[(0, 0, 3, 1.0), (0, 1, 3, 1.0)],
        lots=[(0, 0, 2, 10), (0, 1, 4, 20)],
    )
    result = engine.plan(problem)
    assert result.allocated.tolist() == [3, 3]
    assert result.transfers.tolist() == [[1, 1, 0, 1]]


@pytest.mark.parametrize(
    "needs,lots",
    [
        ([(0, 0, 0, 1.0)], []),
        ([(0, 0, 2, 0.0)], []),
        ([(0, 0, 2, float("inf"))], []),
        ([(0, 3, 2, 1.0)], []),
        ([(0, 0, 2, 1.0)], [(0, 0, -1, None)]),
        ([(-1, 0, 2, 1.0)], []),
    ],
)
def test_it_refuses_bad_input(needs, lots):
    with pytest.raises(ValueError):
        engine.Problem.build(n_points=2, needs=needs, lots=lots)


def test_it_plans_nothing_from_nothing():
    for needs, lots in (([], []), ([], [(0, 1, 5, None)]), ([(0, 0, 3, 1.0)], [])):
        problem = engine.Problem.build(n_points=2, needs=needs, lots=lots)
        result = engine.plan(problem)
        assert result.allocated.tolist() == [0] * len(needs)
        assert len(result.picks) == len(result.transfers) == 0
    assert (
        engine.plan(engine.Problem.build(n_points=2, needs=[(0, 0, 3, 1.0)], lots=[])).limit[0]
        == engine.NO_STOCK
    )


@settings(max_examples=150, deadline=None)
@given(problems(tiered=True))
def test_stock_flows_downstream_only(problem):
    """Collection (0) to warehouse (1) to distribution (2): never back up, and the plan is
    still whole (every pick from a lot that holds it, by a transfer where it is elsewhere)."""
    result = engine.plan(problem)
    tier = problem.point_tier
    need, lot = result.picks[:, 0], result.picks[:, 1]
    assert np.all(tier[problem.lot_point[lot]] <= tier[problem.need_point[need]])
    t = result.transfers
    assert np.all(tier[t[:, 1]] <= tier[t[:, 2]])
    assert np.all(used_per_lot(problem, result) <= problem.lot_quantity)
    picked = np.bincount(need, weights=result.picks[:, 2], minlength=problem.n_needs)
    assert np.array_equal(picked.astype(np.int64), result.allocated)
    assert np.all(result.allocated <= problem.need_quantity)
    away = problem.need_point[need] != problem.lot_point[lot]
    moved = np.bincount(lot[away], weights=result.picks[away, 2], minlength=problem.n_lots)
    sent = np.bincount(t[:, 0], weights=t[:, 3], minlength=problem.n_lots)
    assert np.array_equal(moved, sent)


@settings(max_examples=120, deadline=None)
@given(problems(tiered=True))
def test_downstream_plans_match_the_linear_program(problem):
    result = engine.plan(problem)
    reference = exact.solve(problem)
    assert exact.fairness_gap(problem, result.share, reference.share) <= 0.01
    assert exact.fairness_gap(problem, reference.share, result.share) <= 0.01
    assert np.all(np.abs(result.allocated - reference.share) < 1 + 1e-6)


def test_a_distribution_point_does_not_send_back_to_a_collection_point():
    # Point 0 collects (tier 0), point 1 distributes (tier 2) and holds the only stock.
    needs = [(0, 0, 4, 1.0), (0, 1, 2, 1.0)]
    lots = [(0, 1, 6, None)]
    problem = engine.Problem.build(n_points=2, needs=needs, lots=lots, tiers=[0, 2])
    result = engine.plan(problem)
    assert result.allocated.tolist() == [0, 2]
    assert result.limit.tolist() == [engine.NO_STOCK, engine.FULL]
    assert result.transfers.tolist() == []
    # The other way round it flows: the collection point's stock reaches the distribution point.
    upstream = engine.Problem.build(
        n_points=2, needs=[(0, 1, 4, 1.0)], lots=[(0, 0, 6, None)], tiers=[0, 2]
    )
    assert engine.plan(upstream).transfers.tolist() == [[0, 0, 1, 4]]


def test_a_bottleneck_upstream_is_shared_fairly_downstream():
    # Needs of 4 at the collection point (tier 0) and 4 at the distribution point (tier 2);
    # 2 units collected, 6 at the distribution point: the collection point's need can use only
    # its 2, the distribution point's need is covered from its own 6.
    problem = engine.Problem.build(
        n_points=2,
        needs=[(0, 0, 4, 1.0), (0, 1, 4, 1.0)],
        lots=[(0, 0, 2, None), (0, 1, 6, None)],
        tiers=[0, 2],
    )
    result = engine.plan(problem)
    assert result.allocated.tolist() == [2, 4]
    assert exact.solve(problem).share.tolist() == pytest.approx([2.0, 4.0])


def test_tiers_need_point_order_and_no_links():
    with pytest.raises(ValueError):
        engine.Problem.build(n_points=2, needs=[], lots=[], tiers=[2, 0])
    with pytest.raises(ValueError):
        engine.Problem.build(n_points=2, needs=[], lots=[], tiers=[0, 2], links=[(0, 1)])
