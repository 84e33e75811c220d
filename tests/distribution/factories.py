"""Households for the distribution tests (created directly: the tests here are about stock)."""

from __future__ import annotations

from kamavor.households.models import Household
from kamavor.lib.household_codes import new_code
from kamavor.stock.models import Lot
from kamavor.stock.services import IntakeLine
from tests.factories import World, donate


def make_household(w: World, *, org=None, **fields) -> Household:
    fields.setdefault("female_18_59", 1)
    return Household.objects.create(
        code=new_code(),
        organisation=org or w.org,
        registered_point=w.point,
        registered_by=w.coordinator,
        **fields,
    )


def stock_up(w: World, item, quantity: int, *, expiry=None, point=None, size="") -> Lot:
    """Put units of an item on the shelf (through the ledger) and return their lot."""
    if item.tracks_expiry and expiry is None:
        expiry = w.later(200)
    donate(w, IntakeLine(item, quantity, expiry=expiry, size=size), point=point)
    return Lot.objects.get(item=item, point=point or w.point, expiry=expiry, size=size)


def make_shelter(org, name: str = "Hotel shelter"):
    from kamavor.network.models import Point
    from tests.factories import make_point

    return make_point(org, name, Point.Kind.SHELTER)


def shelter_request(w: World, shelter, *lines, by=None, people: int = 40):
    """A partner's request for a shelter's residents (lines: LineIn)."""
    from kamavor.needs.services import create_request

    return create_request(
        by=by or w.partner, shelter=shelter, lines=list(lines), number_of_people=people
    )
