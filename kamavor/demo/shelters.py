"""Shelters for the demo network: units, facilities and the partner of each demo shelter, and
the demo households that stay in one placed there through the placement service (so their
"where it stays" and the shelter's occupancy agree)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kamavor.core.errors import KamavorError
from kamavor.households.models import Household
from kamavor.network.models import Point
from kamavor.shelters import services
from kamavor.shelters.access import shelter_record
from kamavor.shelters.models import Placement, Unit

# point slug: (coordinator login, partner login or None, [(unit, kind, beds, ground, wheelchair,
# family room)], [(facility, count, state, note)])
SHELTERS = {
    "goris-school": (
        "goris",
        "partner",
        [(f"Classroom {n}", "room", 12, n <= 4, n <= 2, n % 3 == 0) for n in range(1, 13)]
        + [("Gym", "floor", 40, True, True, False)],
        [("toilets", 6, "working", ""), ("showers", 2, "needs_repair", "one has no hot water"),
         ("kitchen", 1, "working", "school canteen"), ("heating", 1, "missing", "needs heaters"),
         ("laundry", 0, "missing", "a washing machine is asked for")],
    ),
    "kentron-hotel": (
        "medic",
        None,
        [(f"Room {n}", "room", 4 if n % 4 else 6, n < 110, n in (101, 102), n % 4 == 0)
         for n in range(101, 141)],
        [("toilets", 40, "working", ""), ("showers", 40, "working", ""),
         ("kitchen", 1, "working", ""), ("heating", 1, "working", ""),
         ("laundry", 1, "working", "")],
    ),
}  # fmt: skip


def build_shelters(*, users: dict) -> int:
    """Fit out the demo shelters once and place the households that stay in them; returns the
    households placed."""
    placed = 0
    for slug, (coordinator, partner, units, facilities) in SHELTERS.items():
        point = Point.objects.filter(slug=slug).first()
        if point is None:
            continue
        shelter = shelter_record(point)
        by = users[coordinator]
        if not Unit.objects.filter(shelter=shelter).exists():
            for name, kind, beds, ground, wheelchair, family in units:
                services.save_unit(shelter=shelter, by=by, name=name, kind=kind, beds=beds,
                                   ground_floor=ground, wheelchair=wheelchair,
                                   family_room=family)  # fmt: skip
            for kind, count, state, note in facilities:
                services.set_facility(shelter=shelter, by=by, kind=kind, state=state,
                                      count=count, note=note)  # fmt: skip
            if partner:
                services.set_partner(shelter=shelter, by=by, partner=users[partner])
        staying = Household.objects.filter(shelter=point, status=Household.Status.ACTIVE).exclude(
            pk__in=Placement.objects.current().values("household_id")
        )
        for n, household in enumerate(staying.order_by("pk")):
            try:
                services.place_household(
                    household=household,
                    shelter=shelter,
                    by=by,
                    on=timezone.localdate() - dt.timedelta(days=n % 20),
                )
            except KamavorError:
                continue  # the shelter is full: it stays "where it stays" without a bed
            placed += 1
    return placed
