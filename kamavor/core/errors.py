"""Errors a user can act on. Each has a stable `code` (for the API) and a translated message."""

from __future__ import annotations


class KamavorError(Exception):
    """A refused request: nothing was written."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        return data


class InvalidInput(KamavorError):
    code = "invalid"
    status = 400


class NotEnoughStock(KamavorError):
    code = "not_enough_stock"
    status = 409


class Conflict(KamavorError):
    """The document is not in a state that allows this (already received, already reversed)."""

    code = "conflict"
    status = 409


class IdempotencyKeyReused(KamavorError):
    code = "idempotency_key_reused"
    status = 422
