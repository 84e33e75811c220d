"""What the sorting pages show, read in a few counted queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from kamavor.network.models import Point
from kamavor.sorting.models import DropOff, Kind, SortingLine, queue_summary


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
