"""Idempotency keys: the checks every idempotent write shares, whatever it stores the key with.

A write claims its key inside its own transaction, before it changes anything else, by
inserting the row that holds the key (unique per user and key). A concurrent request with the
same key then waits on that unique index until the first one commits, fails on it, and answers
what the first one wrote; if the first one rolled back, the second one goes ahead. So a retried
request, concurrent or not, gets the original answer and never counts twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError
from django.utils.translation import gettext as _

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput
from kamavor.core.transactions import in_transaction

T = TypeVar("T")
MAX_KEY_LENGTH = 200
# The limit as the API description states it (check_key enforces it, with its own message).
KEY_LIMITS = {"minLength": 1, "maxLength": MAX_KEY_LENGTH}


def check_key(key: str | None) -> str | None:
    """The client's key, trimmed; refused when empty, too long or not text."""
    if key is None:
        return None
    key = str(key).strip()
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise InvalidInput(
            _("The idempotency key must be 1 to %(n)d characters.") % {"n": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
        )
    return key


def ensure_same_request(stored_fingerprint: str, fingerprint: str) -> None:
    """A key may be replayed only with the request it was first used for."""
    if stored_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            _("This idempotency key was already used for a different request.")
        )


def run_once(*, unit: Callable[[], T], replay: Callable[[], T | None] | None) -> T:
    """Run `unit` (which claims its key first) in one transaction, retried on deadlocks; when
    the claim meets a key already committed, answer `replay()` instead: what that request
    wrote. Without a key (`replay` None) the unit simply runs once."""
    try:
        return in_transaction(unit)
    except IntegrityError:
        earlier = replay() if replay is not None else None
        if earlier is None:
            raise
        return earlier
