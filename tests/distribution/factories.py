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
