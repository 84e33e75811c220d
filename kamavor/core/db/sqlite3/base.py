"""Django's SQLite backend, with writers queued in line instead of polling for the lock.

SQLite lets one transaction write at a time. A desk's `BEGIN IMMEDIATE` that finds the lock
taken sleeps in SQLite's busy handler (1, 2, 5 … up to 100 ms between tries) and tries again:
under many desks the lock stands free between one writer's COMMIT and the next sleeper's
wake-up, and the server's cores idle while requests queue (docs/performance.md, seventh round).

Here a write transaction first takes the writers' gate (kamavor.core.sqlite.WriterGate): the
threads of a process wait on a lock of their own, and one of them per process on an advisory
lock of the database's gate file, so the next writer starts the moment the last one commits.
SQLite's own lock and busy timeout stay underneath, for anything writing without the gate.
"""

from __future__ import annotations

from django.db import OperationalError
from django.db.backends.sqlite3 import base

from kamavor.core.sqlite import (
    BACKGROUND_AUTOCHECKPOINT,
    GateTimeout,
    WriterGate,
    checkpoints_in_background,
    gate_for,
)


class DatabaseWrapper(base.DatabaseWrapper):
    _gate: WriterGate | None = None
    _gate_held = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self._gate = gate_for(str(conn_params["database"]), conn_params.get("uri", False))
        if checkpoints_in_background():
            connection.execute(f"PRAGMA wal_autocheckpoint={BACKGROUND_AUTOCHECKPOINT}")
        return connection

    def _start_transaction_under_autocommit(self):
        gate = self._gate
        if gate is not None and not self._gate_held:
            try:
                gate.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5)))
            except GateTimeout as error:  # as SQLite says it: retried by in_transaction
                raise OperationalError("database is locked") from error
            self._gate_held = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_gate()
            raise

    def _leave_gate(self) -> None:
        if self._gate_held:
            self._gate_held = False
            self._gate.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_gate()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_gate()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_gate()
