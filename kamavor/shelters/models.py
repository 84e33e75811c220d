"""Shelters: the beds of a shelter point, who stays there, and its daily headcount.

A shelter point (`Point.Kind.SHELTER`) gets a `Shelter` record that carries what the point
itself does not: its units (rooms, floors, tents) with beds, its facilities and their state,
its partners, and occupancy counters. The counters (`beds`, `occupied` on the shelter and
`occupied` on each unit) are kept by the services in the same transaction as the placement
that changes them, so the free-beds board reads them instead of counting placements; a test
recounts them from the placements.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.households.models import Household
from kamavor.network.models import Point


class ShelterQuerySet(models.QuerySet):
    def with_point(self) -> ShelterQuerySet:
        return self.select_related("point", "point__organisation")

    def open(self) -> ShelterQuerySet:
        """Shelters of active points."""
        return self.filter(point__active=True)

    def with_free_beds(self, at_least: int = 1) -> ShelterQuerySet:
        return self.filter(beds__gte=F("occupied") + at_least)


class Shelter(models.Model):
    """What Kamavor knows of a shelter point beyond the point itself, and its counters."""

    point = models.OneToOneField(
        Point, on_delete=models.PROTECT, primary_key=True, related_name="shelter_record"
    )
    day_capacity = models.PositiveIntegerField(_("people by day"), default=0)
    hide_address = models.BooleanField(_("hide the address from public pages"), default=True)
    # The shelter's organisation agrees to take households of other organisations of the
    # network; the other organisation agrees by a coordinator of its own placing them.
    accepts_network = models.BooleanField(_("accepts households from the network"), default=False)
    # Counters kept by the services: beds of active units, people placed now, and whether any
    # active unit offers each kind of access (for the board's filters).
    beds = models.PositiveIntegerField(default=0)
    occupied = models.PositiveIntegerField(default=0)
    wheelchair = models.BooleanField(default=False)
    ground_floor = models.BooleanField(default=False)
    family_rooms = models.BooleanField(default=False)
    partners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="partner_shelters", blank=True
    )

    objects = ShelterQuerySet.as_manager()

    class Meta:
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        constraints = [
            models.CheckConstraint(condition=Q(occupied__lte=F("beds")), name="shelter_not_over"),
        ]
        indexes = [models.Index(fields=["beds", "occupied"], name="shelter_free_beds")]

    def __str__(self) -> str:
        return str(self.point)

    @property
    def free(self) -> int:
        return self.beds - self.occupied


class Unit(models.Model):
    """A room, floor or tent of a shelter, with beds; a family is placed in one unit."""

    class Kind(models.TextChoices):
        ROOM = "room", _("room")
        FLOOR = "floor", _("floor")
        TENT = "tent", _("tent")

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROOM)
    beds = models.PositiveIntegerField(_("beds"), default=0)
    occupied = models.PositiveIntegerField(default=0)  # kept by the placement services
    ground_floor = models.BooleanField(_("ground floor"), default=False)
    wheelchair = models.BooleanField(_("wheelchair access"), default=False)
    family_room = models.BooleanField(_("family room"), default=False)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "name"], name="unit_unique_name"),
            models.CheckConstraint(condition=Q(occupied__lte=F("beds")), name="unit_not_over"),
        ]
        indexes = [models.Index(fields=["beds", "occupied"], name="unit_free_beds")]

    def __str__(self) -> str:
        return self.name

    @property
    def free(self) -> int:
        return self.beds - self.occupied


class Facility(models.Model):
    """A facility of the building (toilets, showers…): how many and in what state."""

    class Kind(models.TextChoices):
        TOILETS = "toilets", _("toilets")
        SHOWERS = "showers", _("showers")
        KITCHEN = "kitchen", _("kitchen")
        HEATING = "heating", _("heating")
        LAUNDRY = "laundry", _("laundry")

    class State(models.TextChoices):
        WORKING = "working", _("working")
        NEEDS_REPAIR = "needs_repair", _("needs repair")
        MISSING = "missing", _("missing")

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="facilities")
    kind = models.CharField(_("facility"), max_length=10, choices=Kind.choices)
    count = models.PositiveIntegerField(_("how many"), default=0)
    state = models.CharField(_("state"), max_length=15, choices=State.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "kind"], name="facility_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.state})"


class PlacementQuerySet(models.QuerySet):
    def current(self) -> PlacementQuerySet:
        return self.filter(checked_out_on__isnull=True)

    def on_night(self, night: dt.date) -> PlacementQuerySet:
        """Placements whose people slept there on `night` (checked in on or before it, not
        checked out by then: a check-out on day d means the night of d is not spent there)."""
        return self.filter(checked_in_on__lte=night).filter(
            Q(checked_out_on__isnull=True) | Q(checked_out_on__gt=night)
        )


class Placement(models.Model):
    """A household checked in to a shelter (and unit) from one day until it checks out."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="placements")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="placements")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="placements", null=True, blank=True
    )
    people = models.PositiveIntegerField()
    checked_in_on = models.DateField(default=timezone.localdate)
    checked_out_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(checked_out_on__isnull=True),
                name="placement_one_open_per_household",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="placement_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_on__isnull=True)
                | Q(checked_out_on__gte=F("checked_in_on")),
                name="placement_out_after_in",
            ),
        ]
        indexes = [
            models.Index(fields=["shelter", "checked_out_on"], name="placement_shelter_open"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.shelter_id}"


class Headcount(models.Model):
    """The number of people a partner confirms slept at the shelter on a night."""

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="headcounts")
    night = models.DateField(_("night"))
    people = models.PositiveIntegerField(_("people"))
    derived = models.PositiveIntegerField()  # what the placements said when it was confirmed
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-night"]
        verbose_name = _("headcount")
        verbose_name_plural = _("headcounts")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "night"], name="headcount_unique_night"),
        ]

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.night}: {self.people}"


class WriteKey(models.Model):
    """A client's idempotency key for a shelter write other than a placement (which keeps its
    own): inserted first in the write's transaction, it is the claim; a retry answers the
    object the first write returned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="shelter_write_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key
