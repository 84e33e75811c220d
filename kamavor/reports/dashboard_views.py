"""Dashboards per point, per organisation and for the points a coordinator sees in the network."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kamavor.reports import access
from kamavor.reports.charts import charts_for
from kamavor.reports.dashboard import PERIODS, Dashboard, build
from kamavor.reports.exports import FORMATS, download


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        return 30
    return days if days in PERIODS else 30


def _charts(board: Dashboard) -> tuple[list, str]:
    """The board's charts and their sections drawn once: a kept board keeps them too (the
    board is kept per language, and the sections hold no user's data but the board's)."""
    if board.drawn is None:
        charts = charts_for(board)
        html = render_to_string(
            "reports/_charts.html", {"charts": charts, "board": board, "formats": FORMATS}
        )
        board.drawn = (charts, html)
    return board.drawn


def _render(request: HttpRequest, scope: access.Scope) -> HttpResponse:
    board = build(scope, days=_days(request))
    charts, charts_html = _charts(board)
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
            "charts_html": charts_html,  # a SafeString, as render_to_string returns it
            "periods": PERIODS,
            "scope": scope,
            "point": scope.point,
            "organisations": access.dashboard_organisations(request.user),
            "network_url": reverse("reports:network_dashboard"),
            "formats": FORMATS,
            "hxl_kinds": [
                ("3w", _("3W (who does what where)")),
                ("stock", _("Stock")),
                ("needs", _("Needs")),
            ],
            "hxl_query": _hxl_query(scope, board.days),
            "accounts": _accounts(request, scope),
        },
    )


def _accounts(request: HttpRequest, scope: access.Scope) -> dict | None:
    """The public accounts switch of an organisation's dashboard (for those who publish)."""
    from kamavor.network.access import Action, may
    from kamavor.reports.models import PublicAccounts

    if scope.kind != "organisation" or not may(
        request.user, scope.organisation.pk, Action.PUBLISH_NEEDS
    ):
        return None
    record = PublicAccounts.objects.filter(organisation=scope.organisation).first()
    return {
        "published": bool(record and record.published),
        "url": reverse(
            "public_reports:accounts", args=[(get_language() or "hy")[:2], scope.organisation.slug]
        ),
    }


def _hxl_query(scope: access.Scope, days: int) -> str:
    query = {"days": days}
    if scope.kind == "point":
        query["point"] = scope.point.pk
    elif scope.kind == "organisation":
        query["organisation"] = scope.organisation.pk
    return urlencode(query)


@login_required
def point_dashboard(request: HttpRequest, point_id: int) -> HttpResponse:
    return _render(request, access.point_scope(request.user, point_id))


@login_required
def organisation_dashboard(request: HttpRequest, organisation_id: int) -> HttpResponse:
    return _render(request, access.organisation_scope(request.user, organisation_id))


@login_required
def network_dashboard(request: HttpRequest) -> HttpResponse:
    return _render(request, access.network_scope(request.user))


@login_required
def hxl_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """3W, stock or needs as HXL-tagged CSV (or XLSX), for a point (`point`), an organisation
    (`organisation`) or every point the member coordinates."""
    from kamavor.reports import hxl

    if kind not in hxl.KINDS or fmt not in FORMATS:
        raise Http404
    if request.GET.get("point"):
        scope = access.point_scope(request.user, request.GET["point"])
    elif request.GET.get("organisation"):
        scope = access.organisation_scope(request.user, request.GET["organisation"])
    else:
        scope = access.network_scope(request.user)
    return download(hxl.table(kind, scope, days=_days(request)), fmt)


@require_POST
@login_required
def publish_accounts(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Show or hide the organisation's public accounts page."""
    from kamavor.reports.services import set_public_accounts

    scope = access.organisation_scope(request.user, organisation_id)
    published = request.POST.get("published") == "1"
    set_public_accounts(organisation=scope.organisation, published=published, by=request.user)
    if published:
        messages.success(request, _("The public accounts page is published."))
    else:
        messages.success(request, _("The public accounts page is hidden."))
    return redirect("reports:organisation_dashboard", organisation_id=scope.organisation.pk)
