"""The September week replayed at a tiny scale through the HTTP API of a live server: every
kind of write, with concurrent desks and deliberate retries, and the ledger exact at the end.
Correctness only; bench/replay.py prints the figures."""

from __future__ import annotations

import random

import pytest

from bench import week

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_replays_a_small_week_with_the_ledger_exact(live_server):
    net = week.build_network(points=25, desks=4, items=150, rng=random.Random(7))
    the_week = week.Week(net, movements=400, households=12, seed=7, retry_share=0.1)

    calls = the_week.play(live_server.url, max_seconds=120)
    result = week.check(the_week, calls)

    assert result["failures"] == [], calls.statuses
    assert not [key for key in calls.statuses if key[1] >= 500 or key[1] == 0]
    tally = the_week.tally
    assert result["movements"] == tally.movements >= 400
    assert len(tally.households) == 12, calls.statuses
    assert {"donation", "purchase", "transfer", "distribution"} <= set(tally.kinds)
    # Hand-outs are paced by the week's targets, not by when goods arrive.
    assert tally.kinds["distribution"] == the_week.target_hand_outs == 24
    assert tally.retried > 0
