"""One write, one transaction, retried as a whole when the database gave up on it.

Under load PostgreSQL may end a transaction to break a deadlock (SQLSTATE 40P01) or a
serialization failure (40001), and SQLite may answer "database is locked" when its busy
timeout runs out. None of these wrote anything, so the whole unit of work is run again, a few
times, after a short random pause (so two colliding desks do not collide again). A retry is
safe with idempotency keys because the key is claimed inside the same transaction.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
FIRST_PAUSE = 0.005  # seconds; doubled for each further attempt, then jittered
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
SQLITE_BUSY = ("database is locked", "database table is locked")


def is_retryable(error: BaseException) -> bool:
    """Whether the database refused the transaction only because of other transactions."""
    if not isinstance(error, DatabaseError):
        return False
    if getattr(error.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(error)
    return any(text in message for text in SQLITE_BUSY)


def pause(attempt: int) -> float:
    """A random pause before the given retry (1, 2, …): full jitter over a doubling ceiling."""
    return random.uniform(0, FIRST_PAUSE * 2**attempt)


def in_transaction(unit: Callable[[], T], *, attempts: int | None = None) -> T:
    """Run `unit` in one transaction; run it again (up to `attempts` in all) when the database
    refused it for a deadlock, a serialization failure or a busy lock.

    Inside an outer transaction there is nothing to retry alone: `unit` then runs once in a
    savepoint, and a refusal goes up to whoever owns the outer transaction.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            return unit()
    attempts = attempts or ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return unit()
        except DatabaseError as error:
            if attempt >= attempts or not is_retryable(error):
                raise
            logger.info("Transaction refused (%s); retry %d of %d", error, attempt, attempts - 1)
        time.sleep(pause(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
