"""On PostgreSQL a posting's update of a balance changes the quantity alone, which no index of
the balances holds: the update is heap-only, writing no index entry (docs/performance.md,
ninth round)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from kamavor.stock.services import IntakeLine
from tests.factories import donate

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _updates() -> tuple[int, int]:
    """This transaction's updates of balances so far, and how many of them were heap-only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
            "pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["stock_balance", "stock_balance"],
        )
        return cursor.fetchone()


def test_a_posting_updates_its_balances_heap_only(w):
    # A dated lot too: its balance is in balance_expiring, by its expiry.
    dated = dt.date.today() + dt.timedelta(days=200)
    donate(w, IntakeLine(w.soap, 5), IntakeLine(w.rice, 5, expiry=dated))
    updated, heap_only = _updates()
    donate(w, IntakeLine(w.soap, 3), IntakeLine(w.rice, 2, expiry=dated))
    more, more_heap_only = _updates()
    assert more - updated >= 2
    assert more_heap_only - heap_only == more - updated
