"""What the reports app keeps: whether an organisation publishes its accounts to the public."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.network.models import Organisation


class PublicAccounts(models.Model):
    """An organisation's choice to show donors, on a public page, what came in and went out
    (aggregated by category and week; nothing about any person)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="public_accounts"
    )
    published = models.BooleanField(_("published"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("public accounts")
        verbose_name_plural = _("public accounts")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {'published' if self.published else 'hidden'}"
