"""The apps that hold personal data, as they register themselves for retention and rotation.

Each app that seals personal values registers a `Keeper` in its AppConfig.ready(): how to erase
what it holds of people inactive for a number of days, and how to re-seal it with the current
key. The privacy commands run every keeper, so privacy never imports the apps above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kamavor.core.errors import InvalidInput


@dataclass(frozen=True)
class Keeper:
    """One app's personal data: `erase(days=, now=)` and `rotate()` return how many records
    they changed; `erased` and `rotated` are the command's report lines, with {count} and
    {days} in them."""

    name: str
    erase: Callable[..., int]
    rotate: Callable[[], int]
    erased: str
    rotated: str


_keepers: dict[str, Keeper] = {}


def register(keeper: Keeper) -> None:
    """Add (or replace, when an app is loaded again) the keeper of one app's personal data."""
    _keepers[keeper.name] = keeper


def keepers() -> list[Keeper]:
    """Every registered keeper, in the order the apps registered."""
    return list(_keepers.values())


def erase_inactive(*, days: int, now: dt.datetime | None = None) -> list[tuple[Keeper, int]]:
    """Run every keeper's retention (each works in its own batches); refuses less than a day
    before any keeper starts."""
    if days < 1:
        raise InvalidInput(_("Keep personal data at least one day."), field="days")
    return [(keeper, keeper.erase(days=days, now=now)) for keeper in keepers()]


def rotate_keys() -> list[tuple[Keeper, int]]:
    """Re-seal every keeper's personal data with the first encryption key."""
    return [(keeper, keeper.rotate()) for keeper in keepers()]
