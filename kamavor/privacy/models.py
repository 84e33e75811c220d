"""The audit log of personal data: who saw, exported, changed, erased or wrote to whom, when.

The two logs were born in the households and volunteers apps and keep their tables
(`households_auditentry`, `volunteers_contactaudit`), so that an installation keeps its history
when it upgrades. They point at the household or volunteer by a lazy reference: this app imports
neither of those apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who saw, exported, changed or erased which personal fields of which household, when."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        CREATE = "create", _("recorded")
        UPDATE = "update", _("changed")
        ERASE = "erase", _("erased")
        MERGE = "merge", _("merged")
        LOCKDOWN = "lockdown", _("locked down")  # every session and token ended (accounts)

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="audit_entries", null=True
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    fields = models.JSONField(default=list)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "households_auditentry"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.household_id}"


class ContactAudit(models.Model):
    """Who saw, exported or wrote to which volunteers' contact data, when."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        CONTACT = "contact", _("wrote to")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="+"
    )
    shift = models.ForeignKey(
        "volunteers.Shift", on_delete=models.PROTECT, related_name="+", null=True
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    fields = models.JSONField(default=list)

    class Meta:
        db_table = "volunteers_contactaudit"
        verbose_name = _("contact audit entry")
        verbose_name_plural = _("contact audit log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.volunteer_id}"
