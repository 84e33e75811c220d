"""Offline desks: the writes a desk made offline that met a conflict when they were sent.

The outbox itself lives in the browser (IndexedDB); the server keeps only what needs a
coordinator's decision, so that no conflicting write is silently lost or silently posted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.households.models import Household
from kamavor.network.models import Point
from kamavor.stock.models import Document


class HeldWriteQuerySet(models.QuerySet):
    def open(self) -> HeldWriteQuerySet:
        return self.filter(state=HeldWrite.State.OPEN)

    def at(self, point: Point | int) -> HeldWriteQuerySet:
        return self.filter(point=point)


class HeldWrite(models.Model):
    """An offline write the server refused when it was synced, held for a coordinator.

    Keyed like the write itself (user and idempotency key): sending it again answers this
    record, never a second attempt. The payload holds no personal fields (the offline desks
    never collect them).
    """

    class Kind(models.TextChoices):
        DONATION = "donation", _("donation")
        DISTRIBUTION = "distribution", _("hand-out")
        HOUSEHOLD = "household", _("household registration")
        DROP_OFF = "drop_off", _("drop-off")
        SORTING_LINE = "sorting_line", _("sorting line")

    class State(models.TextChoices):
        OPEN = "open", _("needs a decision")
        POSTED = "posted", _("posted")
        REVERSED = "reversed", _("reversed and posted")
        DROPPED = "dropped", _("dropped")

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    made_at = models.DateTimeField(_("made at the desk"), null=True, blank=True)
    reported_at = models.DateTimeField(default=timezone.now)
    error_code = models.CharField(max_length=60)
    error_message = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+", null=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", null=True)
    # The earlier posting the coordinator reversed to let this write through (its reversal).
    reversal = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+", null=True)

    objects = HeldWriteQuerySet.as_manager()

    class Meta:
        verbose_name = _("offline write needing a decision")
        verbose_name_plural = _("offline writes needing a decision")
        constraints = [
            models.UniqueConstraint(fields=["by", "key"], name="held_write_user_key"),
        ]
        indexes = [models.Index(fields=["point", "state", "reported_at"], name="held_point_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"
