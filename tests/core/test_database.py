"""The database is set up for several desks at once."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_the_checkpointer_copies_the_log_back_without_waiting(monkeypatch):
    from kamavor.core import sqlite
    from kamavor.core.sqlite import checkpoint_once, is_sqlite, start_checkpointer

    monkeypatch.setattr(sqlite, "_background", False)  # start_checkpointer sets it

    if not is_sqlite():
        assert start_checkpointer() is None
        return
    busy, log_pages, copied = checkpoint_once()
    assert busy == 0 and copied <= log_pages
    stop = start_checkpointer(interval=0.05)
    assert stop is not None
    stop.set()


def test_postgresql_prepares_a_statement_run_often_on_a_connection_and_plans_it_once():
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return
    statement = "SELECT id FROM catalogue_category WHERE id = %s"
    with connection.cursor() as cursor:
        for attempt in range(12):
            cursor.execute(statement, [attempt])
        cursor.execute(
            "SELECT count(*), sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%FROM catalogue_category WHERE id = $1%"],
        )
        prepared, generic, custom = cursor.fetchone()
    assert prepared == 1
    # Its generic plan runs on every call after it is prepared; none is planned for its values.
    assert generic >= 7
    assert custom == 0


@pytest.mark.django_db(transaction=True)
def test_a_long_log_is_restarted_and_served_connections_leave_checkpoints_to_the_thread():
    from kamavor.core import sqlite

    if not sqlite.is_sqlite():
        return
    from tests.factories import make_org

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # this test's connection: left alone
        for number in range(40):
            make_org(f"Log filler {number}")
        busy, log_pages, copied = sqlite.checkpoint_once()
        assert busy == 0 and log_pages > 0  # passive: copied, but the log is as long
        busy, log_pages, copied = sqlite.checkpoint_once(restart_over=0)
        assert busy == 0 and log_pages == copied
        make_org("After the restart")
        busy, after, _ = sqlite.checkpoint_once()
        assert after < log_pages  # the next commit wrote the log from its beginning
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000  # the desks' timeout is back
    assert not connection._gate._threads.locked()

    connection.close()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 4000
    sqlite._background = True
    try:
        connection.close()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == sqlite.BACKGROUND_AUTOCHECKPOINT
    finally:
        sqlite._background = False
        connection.close()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_tells_a_lost_connection_without_a_round_trip():
    """A kept connection's health is read from the driver and its socket: a healthy idle one
    is usable with no statement sent (the server still shows the last one), one the server
    ended while it waited is not, and the next request's first statement reconnects."""
    import time

    import psycopg
    from django.db import connections

    from kamavor.core.db.postgresql.base import PREPARED_MAX

    connection.ensure_connection()
    assert connection.connection.prepared_max == PREPARED_MAX > 100
    pid = connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")
    assert connection.is_usable() and connection.is_usable()

    params = connections["default"].get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        shown = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        assert shown.fetchone()[0] == "SELECT 'the last statement'"
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(200):  # the server ends it at once; its goodbye arrives a moment later
        if not connection.is_usable():
            break
        time.sleep(0.01)
    assert not connection.is_usable()
    connection.health_check_enabled, connection.health_check_done = True, False
    with connection.cursor() as cursor:  # the check closes it, the cursor connects anew
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
