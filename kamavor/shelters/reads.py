"""What the shelter pages and the API show: the free-beds board, suggestions for an arriving
household, a shelter's page, and its residents (an audited read).

The board and the suggestions read the occupancy counters the placement services keep, so
their cost does not grow with the number of households or placements.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from kamavor.households.models import Household
from kamavor.privacy.audit import AuditEntry, record_households
from kamavor.shelters.models import Facility, Headcount, Placement, Shelter, Unit
from kamavor.shelters.services import headcount_on

BOARD_LIMIT = 100
EXPORT_LIMIT = 100_000
SUGGESTIONS = 8
CHILD_FIELDS = [f"{sex}_{band}" for sex in ("female", "male") for band in ("0_2", "3_5", "6_11")]


@dataclass(frozen=True)
class BoardRow:
    shelter_id: int
    name: str
    organisation: str
    city: str
    beds: int
    occupied: int
    wheelchair: bool
    ground_floor: bool
    family_rooms: bool

    @property
    def free(self) -> int:
        return self.beds - self.occupied


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    shelters: int  # shelters that match, before the limit
    free_beds: int  # free beds in them
    regions: list[str]


def board(
    *,
    region: str = "",
    size: int = 1,
    wheelchair: bool = False,
    ground_floor: bool = False,
    family_rooms: bool = False,
    limit: int = BOARD_LIMIT,
) -> Board:
    """Shelters of the whole network with at least `size` free beds, most free first: three
    queries on the counters, whatever the number of households."""
    shelters = Shelter.objects.open().with_free_beds(max(size, 1))
    if region:
        shelters = shelters.filter(point__city__iexact=region.strip())
    if wheelchair:
        shelters = shelters.filter(wheelchair=True)
    if ground_floor:
        shelters = shelters.filter(ground_floor=True)
    if family_rooms:
        shelters = shelters.filter(family_rooms=True)
    totals = shelters.aggregate(n=Sum(Value(1)), free=Sum(F("beds") - F("occupied")))
    rows = [
        BoardRow(*values)
        for values in shelters.annotate(free_=F("beds") - F("occupied"))
        .order_by("-free_", "point__name", "pk")
        .values_list(
            "pk", "point__name", "point__organisation__name", "point__city", "beds",
            "occupied", "wheelchair", "ground_floor", "family_rooms",
        )[:limit]
    ]  # fmt: skip
    regions = sorted(
        {c for c in Shelter.objects.open().values_list("point__city", flat=True).distinct() if c}
    )
    return Board(rows, totals["n"] or 0, totals["free"] or 0, regions)


# Public pages show free beds only summed by organisation and area, rounded down to this step:
# a family is usually two to six people, so one arrival moves a figure by a step at most, and
# an area with fewer free beds than this says "fewer than 5" instead of a count that could tell
# a watcher that a family of three has just arrived.
PUBLIC_STEP = 5


@dataclass(frozen=True)
class PublicBeds:
    """Free beds of one organisation's shelters in one area (city), for the public pages."""

    organisation: str
    area: str  # the points' city; "" when none was given
    free: int  # rounded down to PUBLIC_STEP; 0 reads "fewer than PUBLIC_STEP"


def public_free_beds() -> list[PublicBeds]:
    """Free beds by organisation and area, never by shelter (whether or not it hides its
    address): one grouped query over the kept counters of active shelters that have beds."""
    rows = (
        Shelter.objects.filter(point__active=True, beds__gt=0)
        .values("point__organisation__name", "point__city")
        .annotate(free=Sum(F("beds") - F("occupied")))
        .order_by("point__organisation__name", "point__city")
    )
    return [
        PublicBeds(
            organisation=row["point__organisation__name"],
            area=row["point__city"],
            free=(row["free"] or 0) // PUBLIC_STEP * PUBLIC_STEP,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Suggestion:
    """A unit where the whole household fits, in a shelter near the point that serves it."""

    shelter: Shelter
    unit: Unit
    same_city: bool
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)


def _distance(a, b) -> float | None:
    """Great-circle distance in km between two points with coordinates (else None)."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    la1, lo1, la2, lo2 = map(math.radians, map(float, (a.latitude, a.longitude, b.latitude,
                                                          b.longitude)))  # fmt: skip
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return round(6371 * 2 * math.asin(math.sqrt(h)), 1)


def needs_access(household: Household) -> bool:
    return household.disability


def has_children(household: Household) -> bool:
    return any(getattr(household, name) for name in CHILD_FIELDS)


def suggestions(
    *, household: Household, organisation_ids: list[int], limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Shelters with a unit where the whole family fits: the household's organisation's (among
    those the desk may place into) and other organisations' that take households from the
    network. Wheelchair or ground-floor units when someone has a disability, family rooms first
    for families with children, the same city as the point that serves it first, then the
    nearest; at equal distance its own organisation's first. One query, on the counters."""
    size = household.size
    if size < 1 or household.organisation_id not in organisation_ids:
        return []
    near = household.registered_point
    units = Unit.objects.filter(
        Q(shelter__point__organisation_id=household.organisation_id)
        | Q(shelter__accepts_network=True),
        active=True,
        beds__gte=F("occupied") + size,
        shelter__point__active=True,
    )
    if needs_access(household):
        units = units.filter(Q(wheelchair=True) | Q(ground_floor=True))
    city = (near.city if near else "") or ""
    family = has_children(household) and size >= 3
    ranked = (
        units.annotate(
            far=Case(
                When(shelter__point__city__iexact=city, then=0),
                default=1,
                output_field=IntegerField(),
            )
            if city
            else Value(0),
            not_family=Case(When(family_room=True, then=0), default=1, output_field=IntegerField())
            if family
            else Value(0),
            spare=F("beds") - F("occupied") - size,
            other=Case(
                When(shelter__point__organisation_id=household.organisation_id, then=0),
                default=1,
                output_field=IntegerField(),
            ),
        )
        .select_related("shelter__point__organisation")
        .order_by("far", "other", "not_family", "spare", "pk")[: limit * 6]
    )
    chosen: dict[int, Suggestion] = {}
    for unit in ranked:
        if unit.shelter_id in chosen:
            continue
        point = unit.shelter.point
        reasons = []
        if city and unit.far == 0:
            reasons.append("same_city")
        if family and unit.family_room:
            reasons.append("family_room")
        if unit.wheelchair:
            reasons.append("wheelchair")
        if unit.other:
            reasons.append("network")
        chosen[unit.shelter_id] = Suggestion(
            shelter=unit.shelter,
            unit=unit,
            same_city=bool(city) and unit.far == 0,
            distance_km=_distance(near, point) if near else None,
            reasons=reasons,
        )
    found = list(chosen.values())
    found.sort(
        key=lambda s: (
            not s.same_city,
            s.distance_km if s.distance_km is not None else math.inf,
            "network" in s.reasons,
        )
    )
    return found[:limit]


@dataclass(frozen=True)
class ShelterPage:
    shelter: Shelter
    units: list[Unit]
    facilities: list[Facility]
    tonight: int
    headcounts: list[Headcount]
    partners: list


def shelter_page(shelter: Shelter, *, today: dt.date | None = None) -> ShelterPage:
    today = today or timezone.localdate()
    return ShelterPage(
        shelter=shelter,
        units=list(Unit.objects.filter(shelter=shelter)),
        facilities=list(Facility.objects.filter(shelter=shelter)),
        tonight=headcount_on(shelter=shelter, night=today),
        headcounts=list(
            Headcount.objects.filter(shelter=shelter).select_related("confirmed_by")[:7]
        ),
        partners=list(shelter.partners.all()),
    )


def residents(
    *, shelter: Shelter, by, offset: int = 0, limit: int | None = None, shown: int | None = None
) -> list[Placement]:
    """Who stays at the shelter now (the rows from `offset`, `limit` of them); every household
    shown (the first `shown` rows, all unless told: an API page reads one row more to know
    whether another page follows) is written to the audit log (the caller has checked that
    `by` may see them)."""
    rows = (
        Placement.objects.current()
        .filter(shelter=shelter)
        .select_related("household", "unit")
        .order_by("unit__name", "checked_in_on", "pk")
    )
    placements = list(rows[offset : None if limit is None else offset + limit])
    record_households(
        by=by,
        action=AuditEntry.Action.VIEW,
        targets=[
            (p.household.organisation_id, p.household_id, ["shelter"]) for p in placements[:shown]
        ],
        note=f"residents of shelter {shelter.pk}",
    )
    return placements
