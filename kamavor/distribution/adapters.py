"""What the distribution desk needs of the households and needs apps, shaped for the desk.

The desk calls only these functions for a household's code and dues, so that a change of shape in
those apps is met here, in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kamavor.catalogue.models import Item
from kamavor.core.errors import KamavorError
from kamavor.households.access import get_household_for
from kamavor.households.models import Household
from kamavor.households.services import record_activity as record_households_activity
from kamavor.lib import household_codes
from kamavor.needs import services as needs
from kamavor.needs.models import Standard


@dataclass(frozen=True)
class Due:
    """What a household is due now of one item, and over which period (for repeat warnings)."""

    item: Item
    quantity: int
    period_days: int


def find_household(user, code: str) -> Household | None:
    """The household with this (valid) code, if this member may see it; else None."""
    try:
        # The desk shows the code, composition and flags: nothing related needs reading.
        return get_household_for(user, household_codes.normalise(code), related=())
    except (Http404, PermissionDenied, KamavorError):
        return None


def record_activity(household: Household, at: dt.datetime) -> None:
    """Mark the household as served now (retention counts from its last activity)."""
    record_households_activity(household_ids=[household.pk], at=at)
    household.last_activity_at = at


def dues_for(
    household: Household,
    on: dt.date,
    *,
    standards: Sequence[Standard] | None = None,
    history: needs.History | None = None,
) -> list[Due]:
    """What the household is due now under the (active) standards, one entry per item (rules
    for one item added up); nothing when nothing is due. Standards and a history already read
    save reading them again."""
    merged: dict[int, Due] = {}
    for row in needs.dues_for(household, on=on, standards=standards, history=history):
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
