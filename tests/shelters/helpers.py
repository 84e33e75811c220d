"""Shelters for tests: a shelter point with units, made through the services."""

from __future__ import annotations

from kamavor.network.models import Point
from kamavor.shelters import services
from kamavor.shelters.access import shelter_record
from kamavor.shelters.models import Shelter
from tests.factories import make_point


def make_shelter(
    org, name: str, *, by, units: dict[str, int] | None = None, **unit_flags
) -> Shelter:
    """A shelter point of `org` with the given units (name → beds), added by `by`."""
    shelter = shelter_record(make_point(org, name, Point.Kind.SHELTER))
    for unit_name, beds in (units or {}).items():
        services.save_unit(shelter=shelter, by=by, name=unit_name, beds=beds, **unit_flags)
    shelter.refresh_from_db()
    return shelter


def counters_match(shelter: Shelter) -> bool:
    """The kept counters equal a recount from the placements."""
    shelter.refresh_from_db()
    total, by_unit = services.recount(shelter)
    units = {u.pk: u.occupied for u in shelter.units.all()}
    return shelter.occupied == total and all(units[pk] == by_unit.get(pk, 0) for pk in units)
