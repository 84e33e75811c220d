"""Idempotency keys: the checks every idempotent write shares, whatever it stores the key with."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kamavor.core.errors import IdempotencyKeyReused, InvalidInput

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
