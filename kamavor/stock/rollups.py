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
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.core import rows as rows_sql
from kamavor.households.models import Household
from kamavor.network.models import Organisation, Point

HAND_OUT = "distribution"  # the movement kind of a hand-out (Movement.Kind.DISTRIBUTION)


class PointDayFlow(models.Model):
    """Units of one kind that moved at a point on a day, every item together (the sum of the
    point's daily flows of that day and kind; a reversal counts as in DailyFlow)."""

    # No index of its own: point_day_flow_unique begins with it.
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+", db_index=False)
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


def upsert_adding(
    model: type[models.Model], columns: tuple[str, ...], conflict: str, rows: list[tuple]
) -> None:
    """Insert `rows` of (*columns, quantity) into `model`'s table in one statement, adding the
    quantity to a row already there (unique on `conflict`). Rows go in the order given: the
    callers sort them, so that two postings lock the same rows in the same order."""
    if not rows:
        return
    table = model._meta.db_table
    if connection.vendor == "postgresql":  # one array per column: the same text for any rows
        arrays = rows_sql.arrays(model, (*columns, "quantity"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}, quantity) "
                f"SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({conflict}) DO UPDATE SET "
                f"quantity = {table}.quantity + excluded.quantity",
                [rows_sql.array(column) for column in zip(*rows, strict=True)],
            )
        return
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    adapt = connection.ops.adapt_datefield_value
    params = [adapt(v) if isinstance(v, dt.date) else v for values in rows for v in values]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}, quantity) "
            f"VALUES {', '.join(row for _ in rows)} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET "
            f"quantity = {table}.quantity + excluded.quantity",
            params,
        )


def add_point_day_flows(changes: dict[tuple[int, int, dt.date, str], int]) -> None:
    """Add a posting's daily-flow changes (per point, item, day and kind) to the point-day
    flows, in one upsert in (point, day, kind) order: after the daily flows in the ledger's
    lock order, so two postings lock these rows in the same order."""
    summed: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for (point, _item, day, kind), units in changes.items():
        summed[(point, day, kind)] += units
    rows = sorted((*key, units) for key, units in summed.items() if units)
    upsert_adding(PointDayFlow, ("point_id", "day", "kind"), "point_id, day, kind", rows)


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


class HandOutMonth(models.Model):
    """Units of an item handed out at a point in a calendar month (`month` is its first day):
    the point's daily flows of the distribution kind summed over the month (a reversal counts
    as in DailyFlow, under the month of what it reverses).

    Why: the households' dues subtract what was handed out in each standard's period, and
    some periods are a year: 365 daily flows per point and item, 73,000 index entries for five
    yearly items at 40 points. A year is at most 12 months here and the days at its two ends
    (kamavor.public.needs._handed_out), about a ninth of the rows. Kept by the same postings in
    the same transaction as the daily flows (kamavor.stock.ledger.Posting.save);
    `rebuild_hand_out_months` sums it again from the daily flows after a bulk load."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="+")
    # No index of its own: hand_out_month_unique begins with it.
    item = models.ForeignKey(
        "catalogue.Item", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.DateField()
    quantity = models.BigIntegerField(default=0)

    class Meta:
        app_label = "stock"
        verbose_name = _("hand-outs of a month")
        verbose_name_plural = _("hand-outs of months")
        constraints = [
            # Also the read's index: a range of months per item and point.
            models.UniqueConstraint(fields=["item", "point", "month"], name="hand_out_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.item_id} @ {self.point_id}: {self.quantity:+d}"


def add_hand_out_months(changes: dict[tuple[int, int, dt.date, str], int]) -> None:
    """Add a posting's daily-flow changes of the distribution kind to the hand-outs of their
    months, in one upsert in (item, point, month) order (after the daily flows and the
    point-day flows, in the ledger's lock order). Postings without hand-outs write nothing."""
    summed: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    for (point, item, day, kind), units in changes.items():
        if kind == HAND_OUT:
            summed[(item, point, day.replace(day=1))] += units
    rows = sorted((*key, units) for key, units in summed.items() if units)
    upsert_adding(HandOutMonth, ("item_id", "point_id", "month"), "item_id, point_id, month", rows)


def hand_out_month_sums() -> dict[tuple[int, int, dt.date], int]:
    """(item, point, month) → units, summed from the daily flows of the distribution kind in
    Python (what HandOutMonth keeps)."""
    from kamavor.stock.models import DailyFlow

    sums: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    for point, item, day, units in DailyFlow.objects.filter(kind=HAND_OUT).values_list(
        "point_id", "item_id", "day", "quantity"
    ):
        sums[(item, point, day.replace(day=1))] += units
    return {key: units for key, units in sums.items() if units}


def rebuild_hand_out_months() -> int:
    """Sum the hand-outs of each month again from the daily flows; the number of rows written."""
    HandOutMonth.objects.all().delete()
    rows = [
        HandOutMonth(item_id=item, point_id=point, month=month, quantity=units)
        for (item, point, month), units in hand_out_month_sums().items()
    ]
    HandOutMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


class HouseholdVisits(models.Model):
    """A household's latest hand-out (the day of its newest distribution document, at any point
    of its organisation, where alone it may be served) and the day it registered.

    The dashboards' households served in the last n days (today included) are the rows of
    their organisations whose latest visit is on or after the period's first day, new ones
    those registered since: an index range of one row per household instead of every
    hand-out of the period. Kept by `add_visit` when a distribution document is written (the
    only writer, `kamavor.stock.services._common._new_document`), in the same transaction;
    documents are never deleted nor moved to another household, so a row only moves forward.
    `rebuild_household_visits` writes it again from the documents after a bulk load.
    """

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # No index of its own: household_visits_recent begins with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    registered = models.DateField()  # the household's registered_at, as a local day
    last_visit = models.DateField()

    class Meta:
        app_label = "stock"
        verbose_name = _("latest visit of a household")
        verbose_name_plural = _("latest visits of households")
        indexes = [
            # Served and new in a period: a range per organisation, read from the index alone.
            models.Index(
                fields=["organisation", "last_visit", "registered"], name="household_visits_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.last_visit}"


def add_visit(document) -> None:
    """Record a distribution document's hand-out as its household's latest visit (one upsert;
    a visit older than the one kept changes nothing)."""
    household = document.household
    table = HouseholdVisits._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (household_id, organisation_id, registered, last_visit) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (household_id) DO UPDATE SET last_visit = "
            f"CASE WHEN excluded.last_visit > {table}.last_visit THEN excluded.last_visit "
            f"ELSE {table}.last_visit END",
            [
                household.pk,
                household.organisation_id,
                connection.ops.adapt_datefield_value(timezone.localdate(household.registered_at)),
                connection.ops.adapt_datefield_value(timezone.localdate(document.created_at)),
            ],
        )


def household_visit_sums() -> dict[int, tuple[int, dt.date, dt.date]]:
    """Household id → (organisation, registered day, latest visit day), recounted from the
    distribution documents (what HouseholdVisits keeps)."""
    from kamavor.stock.models import Document

    rows = (
        Document.objects.filter(kind=Document.Kind.DISTRIBUTION, household__isnull=False)
        .values("household_id")
        .annotate(last=Max("created_at"))
        .values_list(
            "household_id", "household__organisation_id", "household__registered_at", "last"
        )
        .order_by()
    )
    return {
        household: (organisation, timezone.localdate(registered), timezone.localdate(last))
        for household, organisation, registered, last in rows
    }


def rebuild_household_visits() -> int:
    """Write every household's latest visit again from the documents; the rows written."""
    HouseholdVisits.objects.all().delete()
    rows = [
        HouseholdVisits(
            household_id=household,
            organisation_id=organisation,
            registered=registered,
            last_visit=last,
        )
        for household, (organisation, registered, last) in household_visit_sums().items()
    ]
    HouseholdVisits.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
