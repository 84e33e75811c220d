"""Print reports (A4): an organisation's month, a donor's receipt, a partner's deliveries.

Each is a desk page whose print stylesheet drops the frame, so "Print" in the browser (or
"Save as PDF") gives the paper; no PDF library is needed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kamavor.catalogue.models import Category
from kamavor.reports import access
from kamavor.reports.dashboard import INTAKE, OUTFLOW


def _month(text: str | None, today: dt.date) -> dt.date:
    """The first day of the month asked for as YYYY-MM (else the last whole month)."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def monthly_figures(scope: access.Scope, first: dt.date) -> dict:
    """An organisation's month: units in and out per category, households served (new and
    returning), deliveries to shelters, requests opened, volunteer hours."""
    from kamavor.needs.models import Request
    from kamavor.stock.models import DailyFlow, Document
    from kamavor.volunteers.models import SignUp

    end = _next_month(first)
    start_at = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    flows = (
        DailyFlow.objects.filter(point_id__in=scope.point_ids, day__gte=first, day__lt=end)
        .values_list("item__category_id", "kind")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    per_category: dict[int, dict[str, int]] = defaultdict(lambda: {"in": 0, "out": 0})
    for category_id, kind, units in flows:
        if kind in INTAKE:
            per_category[category_id]["in"] += units
        elif kind in OUTFLOW:
            per_category[category_id]["out"] -= units
    categories = Category.objects.filter(pk__in=per_category).order_by("position", "pk")
    rows = [(c.name, per_category[c.pk]["in"], per_category[c.pk]["out"]) for c in categories]
    documents = Document.objects.filter(
        point_id__in=scope.point_ids, created_at__gte=start_at, created_at__lt=end_at
    )
    served = documents.filter(kind=Document.Kind.DISTRIBUTION).aggregate(
        served=Count("household", distinct=True),
        new=Count("household", distinct=True, filter=Q(household__registered_at__gte=start_at)),
        visits=Count("pk"),
    )
    kinds = dict(documents.values_list("kind").annotate(n=Count("pk")).order_by())
    hours = sum(
        max((out - came).total_seconds() / 3600, 0)
        for came, out in SignUp.objects.filter(
            shift__point_id__in=scope.point_ids,
            cancelled_at__isnull=True,
            checked_in_at__gte=start_at,
            checked_in_at__lt=end_at,
            checked_out_at__isnull=False,
        ).values_list("checked_in_at", "checked_out_at")
    )
    return {
        "rows": rows,
        "total_in": sum(r[1] for r in rows),
        "total_out": sum(r[2] for r in rows),
        "served": served["served"],
        "served_new": served["new"],
        "visits": served["visits"],
        "donations": kinds.get(Document.Kind.DONATION, 0),
        "deliveries": kinds.get(Document.Kind.DELIVERY, 0),
        "transfers": kinds.get(Document.Kind.TRANSFER, 0),
        "requests": Request.objects.filter(
            organisation_id__in=scope.organisation_ids,
            created_at__gte=start_at,
            created_at__lt=end_at,
        ).count(),
        "hours": round(hours, 1),
    }


@login_required
def monthly(request: HttpRequest, organisation_id: int) -> HttpResponse:
    scope = access.organisation_scope(request.user, organisation_id)
    today = timezone.localdate()
    first = _month(request.GET.get("month"), today)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = _next_month(first)
    return render(
        request,
        "reports/monthly.html",
        {
            "scope": scope,
            "first": first,
            "last": _next_month(first) - dt.timedelta(days=1),
            "figures": monthly_figures(scope, first),
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m") if following <= today else None,
            "printed": timezone.now(),
        },
    )


@login_required
def receipt(request: HttpRequest, document_id: int) -> HttpResponse:
    """A donor's receipt for a donation: what was received, where and when; the donor's name
    only if they gave one."""
    from kamavor.stock.access import get_document_for
    from kamavor.stock.models import Document

    document = get_document_for(request.user, document_id)
    if document.kind != Document.Kind.DONATION:
        raise Http404
    lines = document.lines.select_related("item", "item__category").order_by("pk")
    return render(
        request,
        "reports/receipt.html",
        {"document": document, "lines": lines, "units": sum(line.quantity for line in lines)},
    )


@login_required
def delivery_history(request: HttpRequest) -> HttpResponse:
    """The deliveries to the shelters a partner (or a coordinator) sees, newest first, with
    their lines: what arrived, and when."""
    from kamavor.distribution.access import deliveries_for, with_details
    from kamavor.stock.models import Document, DocumentLine

    deliveries = list(
        with_details(deliveries_for(request.user))
        .filter(status__in=[Document.Status.SENT, Document.Status.RECEIVED])
        .order_by("-created_at", "-pk")[:200]
    )
    lines = defaultdict(list)
    for line in (
        DocumentLine.objects.filter(document__in=[d.pk for d in deliveries])
        .select_related("item")
        .order_by("pk")
    ):
        lines[line.document_id].append(line)
    return render(
        request,
        "reports/deliveries.html",
        {
            "deliveries": [(d, lines[d.pk]) for d in deliveries],
            "printed": timezone.now(),
            "tab": "in_transit",
        },
    )
