"""Roll-ups of the ledger's daily flows for the dashboards: units per point, day and kind.

`DailyFlow` keeps a row per point, item, day and kind, a few hundred rows a busy point's day;
the dashboards of an organisation or of the network sum every item of every point over 90 days,
close to a million rows at 2 million movements. `PointDayFlow` is the same figure without the
item: a row per point, day and kind (a few thousand rows a year at 50 points), kept by the same
postings in the same transaction (see `kamavor.stock.ledger.Posting.save`), so it always equals
the daily flows summed over items; `rebuild_point_day_flows` sums it again after a bulk load.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from kamavor.network.models import Point


class PointDayFlow(models.Model):
    """Units of one kind that moved at a point on a day, every item together (the sum of the
    point's daily flows of that day and kind; a reversal counts as in DailyFlow)."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        app_label = "stock"
        verbose_name = _("daily flow of a point")
        verbose_name_plural = _("daily flows of points")
        constraints = [
            # Also the dashboards' index: a range of days per point, every kind.
            models.UniqueConstraint(fields=["point", "day", "kind"], name="point_day_flow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} @ {self.point_id}: {self.quantity:+d}"


def add_point_day_flows(changes: dict[tuple[int, int, dt.date, str], int]) -> None:
    """Add a posting's daily-flow changes (per point, item, day and kind) to the point-day
    flows, in one upsert in (point, day, kind) order: after the daily flows in the ledger's
    lock order, so two postings lock these rows in the same order."""
    summed: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for (point, _item, day, kind), units in changes.items():
        summed[(point, day, kind)] += units
    rows = sorted((key, units) for key, units in summed.items() if units)
    if not rows:
        return
    table = PointDayFlow._meta.db_table
    values = ", ".join("(%s, %s, %s, %s)" for _ in rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (point_id, day, kind, quantity) VALUES {values} "
            "ON CONFLICT (point_id, day, kind) DO UPDATE SET "
            f"quantity = {table}.quantity + excluded.quantity",
            [
                v
                for (point, day, kind), units in rows
                for v in (point, connection.ops.adapt_datefield_value(day), kind, units)
            ],
        )


def rebuild_point_day_flows() -> int:
    """Sum the point-day flows again from the daily flows; the number of rows written."""
    from kamavor.stock.models import DailyFlow

    PointDayFlow.objects.all().delete()
    rows = [
        PointDayFlow(point_id=point, day=day, kind=kind, quantity=units)
        for point, day, kind, units in DailyFlow.objects.values_list("point_id", "day", "kind")
        .annotate(units=Sum("quantity"))
        .values_list("point_id", "day", "kind", "units")
        .order_by()
        if units
    ]
    PointDayFlow.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
