"""Accounts: failed sign-ins (for throttling) and each member's signed-in sessions.

Both are kept in the database so that they hold across several app processes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One wrong password or code. The account and the address are kept as keyed digests: the
    counters need to compare them, nobody needs to read them."""

    account = models.CharField(max_length=64)
    address = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["account", "at"], name="login_failure_account"),
            models.Index(fields=["address", "at"], name="login_failure_address"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.account[:8]} {self.address[:8]}"


class SessionRecord(models.Model):
    """A session a member signed in with, so their sessions are listed without reading every
    session of the network. The browser is kept as a rough name only, not its full header."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_records"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    browser = models.CharField(max_length=40, blank=True)
    system = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
