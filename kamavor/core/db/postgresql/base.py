"""Django's PostgreSQL backend, with a connection's health told without a round trip and more
prepared statements kept per connection.

Health. A connection kept between requests (CONN_MAX_AGE) is checked before each request's
first statement (`conn_health_checks`): Django's backend sends `SELECT 1` and waits for it, a
round trip for every request, in the app and in the server (about a tenth of a desk read's
time on the wire under load; docs/performance.md, eighth round). Here the check asks the
driver and the socket instead: a connection the driver knows to be closed, broken or not idle
is unusable, and so is one whose socket has something to read while no statement is running.
An idle connection is sent nothing by the server, except when it closes it (a restart, an
administrator's termination, an idle timeout: the socket then reads the server's goodbye or
its end), so a connection lost while it waited is still found before the request uses it.

Prepared statements. psycopg prepares a statement on a connection after its fifth use
(`prepare_threshold`, kamavor/settings.py) and keeps at most `prepared_max` of them, dropping
the least recently used; its default (100) is fewer than the distinct statements the desks
send, so statements were dropped and prepared again (planned again by the server each time).
"""

from __future__ import annotations

import os
import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq

PREPARED_MAX = int(os.environ.get("KAMAVOR_DB_PREPARED_MAX", "400"))


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.prepared_max = PREPARED_MAX
        return connection

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return self.in_atomic_block and _answers(connection)
        return not _readable(connection)


def _readable(connection) -> bool:
    """Whether the idle connection's socket has something to read now (the server closed it).
    poll where there is one: select cannot watch a descriptor numbered 1024 or more, as a
    busy server process's sockets may be."""
    try:
        if hasattr(select, "poll"):
            watch = select.poll()
            watch.register(connection.fileno(), select.POLLIN)
            return bool(watch.poll(0))
        ready, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


def _answers(connection) -> bool:
    """Whether the server answers a statement (the check Django's backend makes), for a
    connection that is inside a transaction, where its socket tells nothing."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
