"""What is on hand: per point and for the organisation, by category, with expiry warnings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kamavor.catalogue.models import Category, Item
from kamavor.core.errors import KamavorError
from kamavor.core.paging import page_of
from kamavor.network.access import Action, may, points_for
from kamavor.network.decorators import point_view
from kamavor.stock import services
from kamavor.stock.access import get_lot_for
from kamavor.stock.models import Balance, ItemBalance, Lot, Movement
from kamavor.stock.services import LotLine


def _warning_window() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today, today + dt.timedelta(days=settings.KAMAVOR_EXPIRY_WARNING_DAYS)


def _filtered_balances(request: HttpRequest, balances):
    """Apply the page's search (any script, or barcode) and category filters."""
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    if query:
        balances = balances.filter(item__in=Item.objects.search(query).values("pk"))
    if category:
        balances = balances.filter(item__category__code=category)
    return balances, query, category


@point_view(Action.VIEW_STOCK)
def point_stock(request: HttpRequest, point) -> HttpResponse:
    """One page of the items on hand, in catalogue order; expiry for that page's lots only."""
    today, _soon = _warning_window()
    held, query, category = _filtered_balances(
        request, ItemBalance.objects.filter(point=point, quantity__gt=0)
    )
    name = f"item__name_{(get_language() or 'hy')[:2]}"
    # One row per item the point holds gives the order, the count and the total units.
    on_hand = list(
        held.values_list("item_id", "quantity", "lots").order_by(
            "item__category__position", name, "item_id"
        )
    )
    page, page_query = page_of(request, on_hand, STOCK_PAGE_SIZE)
    items = Item.objects.select_related("category").in_bulk(
        [item_id for item_id, *_rest in page.object_list]
    )
    expiry = _expiry_by_item(point, [i for i, item in items.items() if item.tracks_expiry])
    no_expiry = {"next_expiry": None, "expired": 0, "expiring": 0}
    rows = [
        {"item": items[item_id], "quantity": units, "lots": lots, **expiry.get(item_id, no_expiry)}
        for item_id, units, lots in page.object_list
    ]
    return render(
        request,
        "stock/point_stock.html",
        {
            "point": point,
            "tab": "stock",
            "rows": rows,
            "page": page,
            "page_query": page_query,
            "item_count": len(on_hand),
            "query": query,
            "category": category,
            "categories": Category.objects.all(),
            "today": today,
            "total_units": sum(units for _item, units, _lots in on_hand),
            # An item's page lies below the stock page: one reverse() for the page, not per row.
            "stock_url": reverse("stock:point_stock", args=[point.pk]),
        },
    )


def _expiry_by_item(point, item_ids: list[int]) -> dict[int, dict]:
    """The next expiry of these items' lots on hand here, and how many lots expired or soon."""
    if not item_ids:
        return {}
    today, soon = _warning_window()
    # The redundant lot__point lets PostgreSQL use the point's index on lots, not a full scan.
    rows = (
        Balance.objects.filter(point=point, lot__point=point, quantity__gt=0, item_id__in=item_ids)
        .values("item_id")
        .annotate(
            next_expiry=Min("lot__expiry"),
            expired=Count("lot", filter=Q(lot__expiry__lt=today)),
            expiring=Count("lot", filter=Q(lot__expiry__gte=today, lot__expiry__lt=soon)),
        )
        .order_by()
    )
    return {row.pop("item_id"): row for row in rows}


STOCK_PAGE_SIZE = 50


@point_view(Action.VIEW_STOCK)
def point_item(request: HttpRequest, point, item_id: int) -> HttpResponse:
    item = get_object_or_404(Item.objects.select_related("category"), pk=item_id)
    lots = Lot.objects.at(point).filter(item=item).in_stock().with_details().fefo()
    today, soon = _warning_window()
    return render(
        request,
        "stock/point_item.html",
        {"point": point, "tab": "stock", "item": item, "lots": lots, "today": today, "soon": soon},
    )


@point_view(Action.VIEW_STOCK)
def expiry(request: HttpRequest, point) -> HttpResponse:
    today, soon = _warning_window()
    lots = Lot.objects.at(point).in_stock().with_details().fefo()
    return render(
        request,
        "stock/expiry.html",
        {
            "point": point,
            "tab": "stock",
            "expired": lots.expired(on=today),
            "expiring": lots.expiring(before=soon, on=today),
            "days": settings.KAMAVOR_EXPIRY_WARNING_DAYS,
            "may_dispose": may(request.user, point.organisation_id, Action.DISPOSE),
        },
    )


@require_POST
@point_view(Action.DISPOSE)
def dispose_lot(request: HttpRequest, point, lot_id: int) -> HttpResponse:
    lot = get_lot_for(request.user, lot_id, point=point)
    reason = request.POST.get("reason", "").strip() or _("expired")
    try:
        quantity = int(request.POST.get("quantity", "0"))
        services.dispose(
            point=point,
            lines=[LotLine(lot, quantity)],
            by=request.user,
            reason=reason,
            idempotency_key=request.POST.get("key") or None,
        )
    except ValueError:
        messages.error(request, _("The quantity must be a whole number."))
    except KamavorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(lot)s: %(q)d disposed.") % {"lot": lot, "q": quantity})
    return redirect("stock:expiry", point_id=point.pk)


@point_view(Action.VIEW_STOCK)
def lot_history(request: HttpRequest, point, lot_id: int) -> HttpResponse:
    lot = get_lot_for(request.user, lot_id, point=point)
    movements = (
        Movement.objects.filter(lot=lot).select_related("document", "by").order_by("-at", "-pk")
    )
    page = Paginator(movements, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "stock/lot_history.html",
        {"point": point, "tab": "stock", "lot": lot, "page": page},
    )


@login_required
def organisation_stock(request: HttpRequest) -> HttpResponse:
    """The items on hand across the member's points, one column per point: one page of items
    at a time (the organisation's whole catalogue would be hundreds of kilobytes), with the
    stock page's search and category filter. Read from item balances: one row per point and
    item, never the lots."""
    points = points_for(request.user, Action.VIEW_STOCK)
    held, query, category = _filtered_balances(
        request, ItemBalance.objects.filter(point__in=points, quantity__gt=0)
    )
    name = f"item__name_{(get_language() or 'hy')[:2]}"
    totals = list(
        held.values("item_id")
        .annotate(total=Sum("quantity"))
        .values_list("item_id", "total")
        .order_by("item__category__position", name, "item_id")
    )
    page, page_query = page_of(request, totals, ORGANISATION_PAGE_SIZE)
    shown = [item_id for item_id, _total in page.object_list]
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for item_id, point_id, units in held.filter(item_id__in=shown).values_list(
        "item_id", "point_id", "quantity"
    ):
        table[item_id][point_id] = units
    items = Item.objects.select_related("category").in_bulk(shown)
    rows = [
        {
            "item": items[item_id],
            "cells": [table[item_id].get(p.pk, 0) for p in points],
            "total": total,
        }
        for item_id, total in page.object_list
    ]
    return render(
        request,
        "stock/organisation_stock.html",
        {
            "points": points,
            "rows": rows,
            "page": page,
            "page_query": page_query,
            "item_count": len(totals),
            "total_units": sum(total for _item, total in totals),
            "query": query,
            "category": category,
            "categories": Category.objects.all(),
        },
    )


ORGANISATION_PAGE_SIZE = 50
