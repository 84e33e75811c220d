"""The replay's stand-in for autovacuum does what autovacuum would, where it is off."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.benchkit import Upkeep

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_analyses_the_tables_past_autovacuums_thresholds():
    if connection.vendor != "postgresql":
        assert not Upkeep.needed()  # SQLite: nothing to stand in for
        return
    from tests.factories import make_org

    for number in range(60):  # past 50 rows changed in a table never analysed
        make_org(f"Upkeep {number}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # the counts, seen at once
    assert Upkeep.once() >= 1
    with connection.cursor() as cursor:  # ANALYZE counted the table's rows
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'network_organisation'")
        assert cursor.fetchone()[0] >= 60
