"""Reads for the public "hands needed" board and a point's shifts."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from kamavor.core import rows
from kamavor.network.models import Point
from kamavor.public.models import listed_points
from kamavor.volunteers.models import Shift, SignUp

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
    if among is not None:
        shifts = _upcoming_among(among, now, days, limit * 3)
        for shift in shifts:
            shift.left = max(0, shift.hands_needed - shift.taken)
        shifts.sort(key=lambda s: (s.left == 0, s.starts_at, s.pk))
        return shifts[:limit]
    at = [point] if point is not None else listed_points()
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


def _upcoming_among(points: list[Point], now: dt.datetime, days: int, limit: int) -> list[Shift]:
    """The query of open_shifts for points already read, written by hand (the network page
    reads it every 10 seconds; the ORM's compilation of its count cost more than running it):
    each shift with its point and `taken`, soonest first."""
    ids = sorted({p.pk for p in points})
    if not ids:
        return []
    sql = (
        f"SELECT {rows.columns(Shift, 's')}, {rows.columns(Point, 'p')}, "
        f"(SELECT COUNT(*) FROM {rows.table(SignUp)} g WHERE g.shift_id = s.id "
        f"AND g.cancelled_at IS NULL) FROM {rows.table(Shift)} s "
        f"JOIN {rows.table(Point)} p ON p.id = s.point_id "
        "WHERE s.ends_at > %s AND s.cancelled = %s AND s.starts_at > %s AND s.starts_at < %s "
        f"AND s.point_id IN ({rows.marks(ids)}) ORDER BY s.starts_at, s.id LIMIT %s"
    )
    at = connection.ops.adapt_datetimefield_value
    params = [at(now), False, at(now), at(now + dt.timedelta(days=days)), *ids, limit]
    start, found = rows.width(Shift), []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            shift = rows.instance(Shift, row)
            rows.related(shift, "point", rows.instance(Point, row, start))
            shift.taken = row[-1]
            found.append(shift)
    return found
