"""SQLite's writers queue at a gate: one at a time across threads and processes, released
however the transaction ends."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from kamavor.core.sqlite import GateTimeout, WriterGate, gate_for
from kamavor.core.transactions import is_retryable


def _hold_in_child(path: str, held, release, order) -> None:
    gate = WriterGate(path)
    gate.acquire(timeout=5)
    held.set()
    release.wait(5)
    order.put(("child leaves", time.monotonic()))
    gate.release()


@pytest.mark.skipif(os.name != "posix", reason="one server process on Windows: no other to exclude")
def test_a_writer_in_another_process_keeps_the_gate_until_it_leaves(tmp_path):
    path = str(tmp_path / "db.sqlite3-writers")
    context = multiprocessing.get_context("fork")
    held, release, order = context.Event(), context.Event(), context.Queue()
    child = context.Process(target=_hold_in_child, args=(path, held, release, order))
    child.start()
    try:
        assert held.wait(5)
        gate = WriterGate(path)
        threading.Timer(0.2, release.set).start()
        gate.acquire(timeout=5)
        entered = time.monotonic()
        gate.release()
        what, left = order.get(timeout=5)
        assert what == "child leaves" and entered >= left
    finally:
        release.set()
        child.join(5)


def test_threads_of_a_process_wait_in_turn_and_give_up_after_the_timeout(tmp_path):
    gate = WriterGate(tmp_path / "db.sqlite3-writers")
    gate.acquire(timeout=1)
    with pytest.raises(GateTimeout):
        gate.acquire(timeout=0.05)
    entered = []
    waiter = threading.Thread(target=lambda: (gate.acquire(timeout=5), entered.append(1)))
    waiter.start()
    time.sleep(0.05)
    assert entered == []
    gate.release()
    waiter.join(5)
    assert entered == [1]
    gate.release()


def test_the_gate_file_is_private_and_one_gate_serves_a_database_per_process(tmp_path):
    database = tmp_path / "kamavor.sqlite3"
    gate = gate_for(str(database))
    assert gate is gate_for(str(database)) and gate.path.name == "kamavor.sqlite3-writers"
    gate.acquire(timeout=1)
    gate.release()
    assert stat.S_IMODE(gate.path.stat().st_mode) == 0o600
    assert gate_for(":memory:") is None
    assert gate_for("file:memorydb_default?mode=memory&cache=shared", uri=True) is None


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_gate_until_commit_rollback_or_close():
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    connection.ensure_connection()
    gate = connection._gate
    assert gate is not None and not gate._threads.locked()
    with transaction.atomic():
        assert gate._threads.locked()
        with transaction.atomic():  # a savepoint: still the one gate
            assert gate._threads.locked()
    assert not gate._threads.locked()
    with pytest.raises(ValueError), transaction.atomic():
        assert gate._threads.locked()
        raise ValueError("the desk's request was wrong")
    assert not gate._threads.locked()
    with transaction.atomic():
        connection.close()
    assert not gate._threads.locked()


@pytest.mark.django_db(transaction=True)
def test_a_gate_closed_too_long_is_refused_as_a_busy_database_and_retried():
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    connection.ensure_connection()
    gate = connection._gate
    refused = []

    def other_desk() -> None:
        from django.db import connection as own

        options = {**own.settings_dict["OPTIONS"], "timeout": 0.05}
        own.settings_dict = {**own.settings_dict, "OPTIONS": options}  # this thread's only
        try:
            with transaction.atomic():
                pass
        except OperationalError as error:
            refused.append(error)
        finally:
            own.close()

    with transaction.atomic():
        desk = threading.Thread(target=other_desk)
        desk.start()
        desk.join(5)
    assert gate is not None and len(refused) == 1 and is_retryable(refused[0])
