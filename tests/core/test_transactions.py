"""A transaction the database refused for another's sake (deadlock, busy lock) is run again as
a whole, a bounded number of times; any other error is not retried."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, connections

from kamavor.core import transactions
from kamavor.core.transactions import in_transaction, is_retryable
from kamavor.stock.models import Balance
from tests.factories import build_world, donate, lot_of

pytestmark = pytest.mark.django_db(transaction=True)


def two_lots():
    from kamavor.stock.services import IntakeLine

    w = build_world()
    donate(w, IntakeLine(w.soap, 10), IntakeLine(w.rice, 10, expiry=w.later(90)))
    return lot_of(w, w.soap).pk, lot_of(w, w.rice).pk


def add(lot_id: int, units: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Balance._meta.db_table} SET quantity = quantity + %s WHERE lot_id = %s",
            [units, lot_id],
        )


@pytest.mark.postgres_only
def test_a_real_deadlock_is_retried_and_both_transactions_land():
    first, second = two_lots()
    both_hold_one = threading.Barrier(2, timeout=30)
    runs = {"a": 0, "b": 0}
    errors = []

    def desk(name: str, one: int, other: int) -> None:
        def unit() -> None:
            runs[name] += 1
            add(one, 1)
            if runs[name] == 1:
                both_hold_one.wait()  # each holds one row and wants the other's: a deadlock
            add(other, 1)

        try:
            in_transaction(unit)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=desk, args=("a", first, second)),
        threading.Thread(target=desk, args=("b", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(runs.values()) == [1, 2]  # PostgreSQL broke the deadlock; the loser ran again
    quantities = Balance.objects.filter(lot_id__in=[first, second]).values_list("quantity")
    assert sorted(q for (q,) in quantities) == [12, 12]


def test_a_busy_sqlite_database_is_retried(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's busy lock")
    first, _second = two_lots()
    blocker = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    connection.ensure_connection()
    connection.connection.execute("PRAGMA busy_timeout = 10")
    waits = []

    def release_then_pause(attempt: int) -> float:
        waits.append(attempt)
        blocker.rollback()  # the other process finishes while this one waits to retry
        return 0

    monkeypatch.setattr(transactions, "pause", release_then_pause)
    in_transaction(lambda: add(first, 5))
    blocker.close()
    assert waits == [1]
    assert Balance.objects.get(lot_id=first).quantity == 15


def test_retries_are_bounded_and_the_last_refusal_goes_up(monkeypatch):
    monkeypatch.setattr(transactions, "pause", lambda attempt: 0)
    calls = []

    def always_busy() -> None:
        calls.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        in_transaction(always_busy, attempts=3)
    assert len(calls) == 3


def test_other_errors_are_not_retried():
    calls = []

    def broken() -> None:
        calls.append(1)
        raise IntegrityError("UNIQUE constraint failed")

    with pytest.raises(IntegrityError):
        in_transaction(broken)
    assert calls == [1]
    assert not is_retryable(ValueError("database is locked"))


def test_inside_an_outer_transaction_it_runs_once_and_leaves_the_retry_to_the_owner():
    from django.db import transaction

    calls = []

    def busy() -> None:
        calls.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError), transaction.atomic():
        in_transaction(busy)
    assert calls == [1]
