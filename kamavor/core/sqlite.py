"""SQLite housekeeping for a point served from one laptop.

In WAL mode SQLite copies the log back into the database ("checkpoint") inside the commit
that fills it past `wal_autocheckpoint` pages, which makes every tenth desk action slow. A
background thread checkpoints every few seconds instead, so desk commits rarely have to.

Writers queue at a gate (`WriterGate`, taken by kamavor.core.db.sqlite3 before each
`BEGIN IMMEDIATE`) instead of polling SQLite's lock from its busy handler.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from django.db import connection, connections

from kamavor.lib.private_files import make_files_private

try:
    import fcntl
except ImportError:  # Windows: one server process, its threads queue on the thread lock
    fcntl = None

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0
# A log longer than this (pages of 4 KB) is started again from its beginning: under steady
# desks SQLite never finds a moment to do it alone, and the log would grow all week.
RESTART_PAGES = 4_000
RESTART_WAIT_MS = 50  # how long a restart waits for readers (writers wait meanwhile)
# While a checkpointer runs in the process, a commit copies the log back only past this many
# pages (a safety net should the checkpointer stop): inside a commit the copying holds the
# write lock, and under steady desks the log stays longer than SQLite's usual 4,000 pages, so
# that nearly every commit did it (docs/performance.md, seventh round).
BACKGROUND_AUTOCHECKPOINT = 100_000
_background = False


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def checkpoints_in_background() -> bool:
    """Whether this process runs a checkpointer (its new connections leave the log alone)."""
    return _background


def checkpoint_once(restart_over: int | None = None) -> tuple[int, int, int]:
    """One passive checkpoint (never waits for writers): (busy, log pages, pages copied).

    With `restart_over`, a log longer than that many pages is then restarted: the writers'
    gate is taken (no desk starts writing meanwhile), the rest of the log copied back, and
    readers let finish, so that the next commit writes the log from its beginning.
    """
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, log_pages, copied = cursor.fetchone()
        if restart_over is None or log_pages <= restart_over:
            return int(busy), int(log_pages), int(copied)
        cursor.execute("PRAGMA busy_timeout")
        (timeout_ms,) = cursor.fetchone()
        gate = getattr(connection, "_gate", None)
        if gate is not None:
            gate.acquire(timeout=float(connection.settings_dict["OPTIONS"].get("timeout", 5)))
        try:  # the gate is let go whatever happens: held, it would stop every desk's writes
            # Readers are let finish for a moment only: a long export must not hold the desks.
            cursor.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
            try:
                cursor.execute("PRAGMA wal_checkpoint(RESTART)")
                busy, log_pages, copied = cursor.fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        finally:
            if gate is not None:
                gate.release()
    return int(busy), int(log_pages), int(copied)


def start_checkpointer(interval: float = INTERVAL_SECONDS) -> threading.Event | None:
    """Checkpoint in the background until the returned event is set (None when not SQLite);
    the process's connections opened from now on leave checkpoints to it."""
    global _background
    if not is_sqlite():
        return None
    _background = True
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                checkpoint_once(restart_over=RESTART_PAGES)
            except Exception:  # housekeeping must never take the server down
                logger.exception("SQLite checkpoint failed")
        connections.close_all()

    threading.Thread(target=run, name="sqlite-checkpointer", daemon=True).start()
    return stop


# ============================================================== the writers' gate


class GateTimeout(Exception):
    """The gate stayed closed for the whole timeout."""


class WriterGate:
    """One writer at a time for one SQLite database, woken the moment the last one leaves.

    A process's threads queue on a lock of their own (with the connection's timeout); the one
    in front then takes an advisory lock (flock) of the database's gate file, which the
    writers in other processes hold in turn. The kernel wakes a process waiting for it as
    soon as the holder lets go, and lets go for it when the holder dies. SQLite's own lock
    remains the guarantee: the gate only spares the waiting.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._threads = threading.Lock()
        self._fd: int | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            make_files_private([self.path])
        return self._fd

    def acquire(self, timeout: float) -> None:
        if not self._threads.acquire(timeout=timeout):
            raise GateTimeout(str(self.path))
        if fcntl is None:
            return
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            if fcntl is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


_gates: dict[tuple[int, str], WriterGate] = {}
_gates_lock = threading.Lock()


def gate_for(database: str, uri: bool = False) -> WriterGate | None:
    """This process's gate for the SQLite file `database` (None for a database in memory).

    Gates are per process: a gate (its lock, its open gate file) inherited through a fork
    would let parent and child in together.
    """
    if database == ":memory:" or "mode=memory" in database:
        return None
    if uri and database.startswith("file:"):  # Django opens every database as a URI
        database = database[len("file:") :].split("?", 1)[0]
    path = Path(database).resolve()
    key = (os.getpid(), str(path))
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = WriterGate(path.with_name(path.name + "-writers"))
        return gate
