"""Fair allocation: substitute groups, plans, their lines (one per need) and picks (one per lot).

A plan is computed by `kamavor.allocation.services.run_plan` with the engine in `engine.py` and
stored whole, so what a coordinator accepts and what a household is told are the same numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Category, Item, Named
from kamavor.households.models import Household
from kamavor.needs.models import RequestLine
from kamavor.network.models import Organisation, Point
from kamavor.stock.models import Document, Lot


class SubstituteGroup(Named):
    """Items a coordinator declares interchangeable for needs (any child's winter jacket).

    An item belongs to at most one group; sizes still have to match.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="substitute_groups"
    )
    items = models.ManyToManyField(Item, related_name="substitute_groups", blank=True)

    class Meta:
        verbose_name = _("substitute group")
        verbose_name_plural = _("substitute groups")
        ordering = ["name_en"]


class SizeSubstitute(models.Model):
    """A coordinator's rule: which other sizes, in order of preference, may meet a need for a
    size of an item (or of any item of a category) when that size is short (8: 9, then 10)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="size_substitutes"
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    size = models.CharField(max_length=20)
    substitutes = models.JSONField(default=list)

    class Meta:
        verbose_name = _("size substitute rule")
        verbose_name_plural = _("size substitute rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True, category__isnull=False)
                | Q(item__isnull=False, category__isnull=True),
                name="size_substitute_item_or_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.size} ← {', '.join(self.substitutes)}"


class PointLink(models.Model):
    """Two points of an organisation that can exchange stock (either way).

    With no link in an organisation, a network plan lets every point send to every other; once
    there is one, stock moves only along links (through chains of them).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    point_a = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="+")
    point_b = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("transfer link")
        verbose_name_plural = _("transfer links")
        constraints = [
            models.UniqueConstraint(fields=["point_a", "point_b"], name="point_link_unique"),
            models.CheckConstraint(
                condition=Q(point_a__lt=models.F("point_b")), name="point_link_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_a_id} ↔ {self.point_b_id}"


class PlanQuerySet(models.QuerySet):
    def of_organisations(self, organisation_ids) -> PlanQuerySet:
        return self.filter(organisation_id__in=organisation_ids)

    def accepted(self) -> PlanQuerySet:
        return self.filter(status=Plan.Status.ACCEPTED)


class Plan(models.Model):
    """An allocation of stock to needs, for one point or all of an organisation's points."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACCEPTED = "accepted", _("accepted")
        SUPERSEDED = "superseded", _("superseded")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    weights = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    seconds = models.FloatField(default=0.0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    transfers = models.ManyToManyField(Document, related_name="+", blank=True)
    # A retried run returns the first plan; a retried acceptance answers as the first did.
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    accepted_key = models.CharField(max_length=200, blank=True, default="")

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        indexes = [models.Index(fields=["organisation", "status"], name="plan_org_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="plan_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class PlanLine(models.Model):
    """One need in a plan: who, what, how much was wanted and planned, with weight and why."""

    class Limit(models.TextChoices):
        FULL = "full", _("got all it needed")
        SHORT = "short", _("stock was short")
        NO_STOCK = "no_stock", _("no stock within reach")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="lines")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    shelter = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    request_line = models.ForeignKey(
        RequestLine, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    size = models.CharField(max_length=20, blank=True, default="")
    wanted = models.PositiveIntegerField()
    planned = models.PositiveIntegerField()
    share = models.FloatField()
    weight = models.FloatField()
    level = models.FloatField(null=True)
    limit = models.CharField(max_length=10, choices=Limit.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(planned__lte=models.F("wanted")), name="plan_line_not_over"
            ),
        ]
        indexes = [models.Index(fields=["household", "plan"], name="plan_line_household")]

    def __str__(self) -> str:
        return f"{self.planned}/{self.wanted} × {self.item_id}"

    @property
    def coverage(self) -> float:
        return self.planned / self.wanted if self.wanted else 1.0


class PlanPick(models.Model):
    """Units of one lot for one plan line; a lot at another point arrives by a transfer."""

    line = models.ForeignKey(PlanLine, on_delete=models.CASCADE, related_name="picks")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} × lot {self.lot_id}"
