"""The tables every desk write changes keep no index that only costs: each index is written on
every insert and on every update that is not heap-only, and an index whose one column leads
another index of its table (a unique constraint, a composite index) serves no read the other
does not."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

WRITTEN_BY_DESKS = [
    "households_household",
    "households_nametoken",
    "households_registrationkey",
    "stock_balance",
    "stock_dailyflow",
    "stock_document",
    "stock_documentline",
    "stock_handoutmonth",
    "stock_householdvisits",
    "stock_idempotencyrecord",
    "stock_itembalance",
    "stock_lot",
    "stock_movement",
    "stock_pointdayflow",
]


def _partial(table: str) -> set[str]:
    """The table's partial indexes (they cover fewer rows, so none stands in for another)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND i.indpred IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql LIKE '%% WHERE %%'",
                [table],
            )
        return {name for (name,) in cursor.fetchall()}


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    partial = _partial(table)
    return {
        name: about
        for name, about in found.items()
        if (about["index"] or about["unique"])
        and name not in partial
        and about["columns"]
        and None not in about["columns"]
    }


def _redundant(table: str) -> list[str]:
    indexes = _indexes(table)
    found = []
    for name, about in indexes.items():
        columns = tuple(about["columns"])
        if about["unique"] or len(columns) != 1 or name.endswith("_like"):
            continue
        for other, others in indexes.items():
            if other != name and len(others["columns"]) > 1 and others["columns"][0] == columns[0]:
                found.append(f"{table}.{name} ({columns[0]}) leads {other}")
                break
    return found


def test_the_desks_tables_keep_no_index_that_another_begins_with():
    redundant = [line for table in WRITTEN_BY_DESKS for line in _redundant(table)]
    assert redundant == [], "\n".join(redundant)


def test_the_check_sees_an_index_that_another_begins_with():
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX balance_point_alone ON stock_balance (point_id)")
    assert _redundant("stock_balance") == [
        "stock_balance.balance_point_alone (point_id) leads balance_point_item"
    ]
