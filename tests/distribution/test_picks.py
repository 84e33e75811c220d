"""A hand-out by item picks its lots as suggest_picks does (first expiry first out, never an
expired lot), though it reads the candidates of all its lines in one statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core.errors import NotEnoughStock
from kamavor.distribution.services import ItemLine, _picked
from kamavor.stock.services import IntakeLine, suggest_picks
from tests.factories import donate


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lots=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 9)), min_size=1, max_size=6),
    ahead=st.integers(0, 30),
    want=st.integers(1, 40),
)
def test_picks_are_those_suggest_picks_gives(w, travel, lots, ahead, want):
    with transaction.atomic():
        today = timezone.localdate()
        donate(
            w,
            *[IntakeLine(w.rice, n, expiry=today + dt.timedelta(days=days)) for days, n in lots],
        )
        travel(ahead)  # some lots have expired since
        expected = suggest_picks(point=w.point, item=w.rice, quantity=want)
        have = sum(take for _lot, take in expected)
        if have < want:
            with pytest.raises(NotEnoughStock):
                _picked(w.point, [ItemLine(w.rice, want)])
        else:
            picked = _picked(w.point, [ItemLine(w.rice, want)])
            assert [(x.lot.pk, x.quantity) for x in picked] == [
                (lot.pk, take) for lot, take in expected
            ]
        transaction.set_rollback(True)
