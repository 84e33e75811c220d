"""The distribution desk's one door to the households and needs apps.

Those apps are being built alongside this one. The desk calls only the functions below; each
looks for the other app's function by name and shapes its answer for the desk, so that a change
of name or shape there is fixed here, in one place.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.households.models import Household
from kamavor.lib import household_codes
from kamavor.network.models import Point


@dataclass(frozen=True)
class Due:
    """What a household is due now of one item, and over which period (for repeat warnings)."""

    item: Item
    quantity: int
    period_days: int


def _find(*candidates: str):
    """The first of these `module:function` names that exists, or None."""
    for candidate in candidates:
        module_name, name = candidate.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, name, None)
        if function is not None:
            return function
    return None


def find_household(user, point: Point, code: str) -> Household | None:
    """The household with this (valid) code, if this member may see it; else None."""
    helper = _find("kamavor.households.access:get_household_for")
    if helper is not None:
        try:
            return helper(user, household_codes.normalise(code))
        except (Http404, PermissionDenied, KamavorError):
            return None
    # Without the households app's access helper: the point's own organisation only.
    return (
        Household.objects.filter(
            code=household_codes.normalise(code), organisation_id=point.organisation_id
        )
        .select_related("shelter", "merged_into")
        .first()
    )


def record_activity(household: Household, at: dt.datetime) -> None:
    """Mark the household as served now (retention counts from its last activity)."""
    function = _find("kamavor.households.services:record_activity")
    if function is not None:
        function(household_ids=[household.pk], at=at)
    else:
        Household.objects.filter(pk=household.pk).update(last_activity_at=at)
    household.last_activity_at = at


def dues_for(household: Household, on: dt.date) -> list[Due]:
    """What the household is due now, one entry per item (rules for one item added up), from
    the needs app's standards; nothing when nothing is due."""
    function = _find("kamavor.needs.services:dues_for")
    if function is None:
        return []
    merged: dict[int, Due] = {}
    for row in function(household, on=on):
        quantity = int(row.due)
        if quantity <= 0:
            continue
        period = int(row.standard.period_days)
        earlier = merged.get(row.item.pk)
        if earlier is not None:
            quantity += earlier.quantity
            period = max(period, earlier.period_days)
        merged[row.item.pk] = Due(item=row.item, quantity=quantity, period_days=period)
    return list(merged.values())


def open_requests(household: Household) -> list:
    """The household's open requests, with their lines (item or category, size, outstanding)."""
    try:
        from kamavor.needs.models import Request
    except ImportError:
        return []
    return list(
        Request.objects.open()
        .with_details()
        .filter(household=household)
        .order_by("-created_at")[:10]
    )
