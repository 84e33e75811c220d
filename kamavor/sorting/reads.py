"""What the sorting pages show, read in a few counted queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from kamavor.network.models import Point
from kamavor.sorting.models import DropOff, Kind, SortingLine, SortingNotice, queue_summary


@dataclass
class Queue:
    """A point's sorting queue: totals, by kind, and the oldest drop-offs waiting."""

    by_kind: list[dict]
    waiting: list[DropOff]
    drop_offs: int
    bags: int

    @property
    def empty(self) -> bool:
        return not self.drop_offs


def backlog_at(point: Point) -> Queue:
    """The queue's totals by kind alone (one query), for the stock page."""
    by_kind = queue_summary(point)
    now = timezone.now()
    for row in by_kind:
        row["hours"] = int((now - row["oldest"]).total_seconds() // 3600)
        row["kind_label"] = Kind(row["kind"]).label
    return Queue(
        by_kind=by_kind,
        waiting=[],
        drop_offs=sum(row["drop_offs"] for row in by_kind),
        bags=sum(row["bags"] or 0 for row in by_kind),
    )


def queue_at(point: Point, *, limit: int = 30) -> Queue:
    """The queue's totals and its oldest drop-offs (with their tags and lines sorted)."""
    queue = backlog_at(point)
    queue.waiting = list(
        DropOff.objects.at(point)
        .waiting()
        .oldest_first()
        .annotate(line_count=Count("lines"))
        .prefetch_related("bag_set")[:limit]
    )
    return queue


def sorted_per_hour(point: Point, *, since: dt.datetime) -> list[dict]:
    """Bags closed per hour at the point since a time (the sorting shifts' pace), and the lines
    the volunteers sorted in those hours."""
    closed = dict(
        DropOff.objects.at(point)
        .filter(closed_at__gte=since)
        .annotate(hour=TruncHour("closed_at"))
        .values("hour")
        .annotate(n=Sum("bags"))
        .values_list("hour", "n")
    )
    lines = dict(
        SortingLine.objects.filter(drop_off__point=point, at__gte=since)
        .annotate(hour=TruncHour("at"))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    hours = sorted(set(closed) | set(lines))
    return [{"hour": h, "bags": closed.get(h, 0) or 0, "lines": lines.get(h, 0)} for h in hours]


def public_notice(point: Point) -> SortingNotice | None:
    """The point's sorting notice for its public page, while its day has not passed."""
    notice = SortingNotice.objects.filter(point=point, until__gte=timezone.localdate()).first()
    return notice


@dataclass
class ShiftPace:
    """What a sorting shift got through: bags of drop-offs closed and lines sorted in it."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    hands_needed: int
    bags: int
    lines: int

    @property
    def bags_per_hour(self) -> float:
        hours = (self.ends_at - self.starts_at).total_seconds() / 3600
        return round(self.bags / hours, 1) if hours > 0 else 0.0


def pace_at(point: Point, *, days: int = 7) -> list[ShiftPace]:
    """The point's sorting shifts of the last days, newest first, with what each got through
    (three queries however many shifts)."""
    from kamavor.volunteers.models import Shift, Task

    since = timezone.now() - dt.timedelta(days=days)
    shifts = list(
        Shift.objects.filter(
            point=point, task=Task.SORTING, cancelled=False, ends_at__gte=since,
            starts_at__lte=timezone.now(),
        ).order_by("-starts_at")
    )  # fmt: skip
    closed = list(
        DropOff.objects.at(point).filter(closed_at__gte=since).values_list("closed_at", "bags")
    )
    lines = list(
        SortingLine.objects.filter(drop_off__point=point, at__gte=since).values_list(
            "at", flat=True
        )
    )
    return [
        ShiftPace(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            hands_needed=s.hands_needed,
            bags=sum(n for at, n in closed if s.starts_at <= at < s.ends_at),
            lines=sum(1 for at in lines if s.starts_at <= at < s.ends_at),
        )
        for s in shifts
    ]


def quarantine_at(point: Point, *, limit: int = 50) -> list[SortingLine]:
    """Lines of closed drop-offs at the point that wait for a pharmacist's check."""
    return list(
        SortingLine.objects.filter(
            drop_off__point=point,
            drop_off__closed_at__isnull=False,
            set_aside="check",
            checked_at__isnull=True,
        )
        .select_related("item", "drop_off")
        .order_by("at", "pk")[:limit]
    )
