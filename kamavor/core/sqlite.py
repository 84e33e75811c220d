"""SQLite housekeeping for a point served from one laptop.

In WAL mode SQLite copies the log back into the database ("checkpoint") inside the commit
that fills it past `wal_autocheckpoint` pages, which makes every tenth desk action slow. A
background thread checkpoints every few seconds instead, so desk commits rarely have to.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection, connections

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 2.0


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def checkpoint_once() -> tuple[int, int, int]:
    """One passive checkpoint (never waits for writers): (busy, log pages, pages copied)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, log_pages, copied = cursor.fetchone()
    return int(busy), int(log_pages), int(copied)


def start_checkpointer(interval: float = INTERVAL_SECONDS) -> threading.Event | None:
    """Checkpoint in the background until the returned event is set (None when not SQLite)."""
    if not is_sqlite():
        return None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                checkpoint_once()
            except Exception:  # housekeeping must never take the server down
                logger.exception("SQLite checkpoint failed")
        connections.close_all()

    threading.Thread(target=run, name="sqlite-checkpointer", daemon=True).start()
    return stop
