"""What was handed out in each standard's period, read from the whole months' kept sums and the
days at the period's two ends, equals the daily flows summed over every day of the period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from kamavor.public.needs import _handed_out, _stock_points
from kamavor.stock.ledger import Posting, lot_for
from kamavor.stock.models import DailyFlow, Document, Lot, Movement
from kamavor.stock.services import IntakeLine
from kamavor.stock.services._common import _new_document
from tests.factories import donate


def _hand_out(w, point, item, units: int, days_ago: int) -> None:
    lot = lot_for(item=item, point=point, expiry=None, size="", condition=Lot().condition)
    document = _new_document(kind=Document.Kind.DISTRIBUTION, point=point, by=w.coordinator)
    posting = Posting(
        document=document, by=w.coordinator, at=timezone.now() - dt.timedelta(days_ago)
    )
    posting.move(lot=lot, delta=-units, kind=Movement.Kind.DISTRIBUTION)
    posting.save()


def _summed(points: dict[int, list[int]], periods: dict[int, int], today: dt.date) -> dict:
    totals: dict[int, dict[int, int]] = {}
    for org, pks in points.items():
        for item_id, days in periods.items():
            units = DailyFlow.objects.filter(
                point_id__in=pks,
                item_id=item_id,
                kind=Movement.Kind.DISTRIBUTION,
                day__gte=today - dt.timedelta(days=days - 1),
            ).aggregate(s=Sum("quantity"))["s"]
            if units:
                totals.setdefault(org, {})[item_id] = -units
    return totals


@pytest.mark.parametrize("days", [1, 7, 14, 30, 31, 45, 62, 90, 365])
def test_each_period_sums_what_its_days_hold(w, days):
    donate(w, IntakeLine(w.soap, 900))
    donate(w, IntakeLine(w.soap, 900), point=w.warehouse)
    donate(w, IntakeLine(w.soap, 900), point=w.other_point, by=w.outsider)
    for n, days_ago in enumerate(
        (0, 1, 6, 7, 13, 20, 29, 30, 31, 35, 44, 60, 61, 62, 63, 89, 200, 364, 365, 400)
    ):
        _hand_out(w, w.point, w.soap, 1 + n, days_ago)
        _hand_out(w, w.warehouse, w.soap, 2, days_ago)
        _hand_out(w, w.other_point, w.soap, 3, days_ago)
    points = _stock_points([w.org.pk, w.other_org.pk])
    today = timezone.localdate()
    handed = _handed_out(points, {w.soap.pk: days}, today)
    assert {org: dict(by_item) for org, by_item in handed.items() if by_item} == _summed(
        points, {w.soap.pk: days}, today
    )


def test_a_year_and_a_week_together_and_a_reversal_in_an_old_month(w, travel):
    from kamavor.stock import services

    donate(w, IntakeLine(w.soap, 900), IntakeLine(w.rice, 900, expiry=w.later(900)))
    for days_ago in (3, 50, 100, 300):
        _hand_out(w, w.point, w.soap, 5, days_ago)
    old = Document.objects.filter(kind=Document.Kind.DISTRIBUTION).order_by("pk").last()
    services.reverse_document(document=old, by=w.coordinator)  # the one of 300 days ago
    periods = {w.soap.pk: 365, w.rice.pk: 7}
    points = _stock_points([w.org.pk])
    for ahead in (0, 20, 40):  # "today" moved on: the period's months and days move with it
        today = travel(ahead) if ahead else timezone.localdate()
        handed = _handed_out(points, periods, today)
        assert {org: dict(v) for org, v in handed.items() if v} == _summed(points, periods, today)
