"""Reads for the public "hands needed" board and a point's shifts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kamavor.network.models import Point
from kamavor.public.models import listed_points
from kamavor.volunteers.models import Shift

BOARD_DAYS = 14


def open_shifts(
    *,
    point: Point | None = None,
    limit: int = 60,
    days: int = BOARD_DAYS,
    among: list[Point] | None = None,
) -> list[Shift]:
    """Shifts starting in the coming days at listed points (or at `point`, or `among` these
    listed points a caller has already read): those with empty places first (soonest first),
    then the full ones. Each carries `taken` and `left`."""
    now = timezone.now()
    at = [point] if point is not None else among if among is not None else listed_points()
    shifts = (
        Shift.objects.upcoming(now)
        .filter(starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=days))
        .filter(point__in=at)
        .with_taken()
    )
    shifts = list(shifts[: limit * 3])
    for shift in shifts:
        shift.left = max(0, shift.hands_needed - shift.taken)
    shifts.sort(key=lambda s: (s.left == 0, s.starts_at, s.pk))
    return shifts[:limit]
