"""Dashboards per point, per organisation and for the points a coordinator sees in the network."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from kamavor.reports import access
from kamavor.reports.charts import charts_for
from kamavor.reports.dashboard import PERIODS, build
from kamavor.reports.exports import FORMATS, download


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        return 30
    return days if days in PERIODS else 30


def _render(request: HttpRequest, scope: access.Scope) -> HttpResponse:
    board = build(scope, days=_days(request))
    charts = charts_for(board)
    wanted = request.GET.get("chart")
    if wanted:
        fmt = request.GET.get("format", "csv")
        chart = next((c for c in charts if c.ident == wanted), None)
        if chart is None or fmt not in FORMATS:
            raise Http404
        return download(chart.table, fmt)
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "charts": charts,
            "periods": PERIODS,
            "scope": scope,
            "point": scope.point,
            "organisations": access.dashboard_organisations(request.user),
            "network_url": reverse("reports:network_dashboard"),
            "formats": FORMATS,
        },
    )


@login_required
def point_dashboard(request: HttpRequest, point_id: int) -> HttpResponse:
    return _render(request, access.point_scope(request.user, point_id))


@login_required
def organisation_dashboard(request: HttpRequest, organisation_id: int) -> HttpResponse:
    return _render(request, access.organisation_scope(request.user, organisation_id))


@login_required
def network_dashboard(request: HttpRequest) -> HttpResponse:
    return _render(request, access.network_scope(request.user))
