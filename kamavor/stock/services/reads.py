"""Reads shared by the pages and the API."""

from __future__ import annotations

from django.db.models import Sum

from kamavor.stock.models import Balance


def stock_by_item(points) -> list[dict]:
    """Quantity on hand per item over the given points, for stock pages and the API."""
    return list(
        Balance.objects.filter(point__in=points, quantity__gt=0)
        .values("item_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("item_id")
    )
