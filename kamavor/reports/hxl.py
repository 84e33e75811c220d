"""HXL-tagged exports for the humanitarian system: 3W ("who does what where"), stock and needs.

Each is a table whose second row holds HXL hashtags (https://hxlstandard.org) instead of our
machine keys, aggregated by organisation, point and area (the point's city or marz: Kamavor has
no finer administrative field), so that a cluster's tools read it as they read anyone's 3W.
Counts of households under SMALL are suppressed (the cell is left empty, and the units beside it
too): no family can be singled out by a row that counts one or two households.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Category, Item
from kamavor.network.models import Organisation, Point
from kamavor.reports.access import Scope
from kamavor.reports.exports import Column, Table, shared

SMALL = 5
KINDS = ("3w", "stock", "needs")

WHERE = shared("organisation", "point", "area", hxl=True)


def suppressed(households: int | None) -> int | None:
    """A count of households as published: None (an empty cell) when under SMALL."""
    return households if households and households >= SMALL else None


def _places(scope: Scope) -> dict[int, tuple[str, str, str]]:
    organisations = dict(Organisation.objects.values_list("pk", "name"))
    return {
        p.pk: (organisations.get(p.organisation_id, ""), p.tr.name, p.city or "")
        for p in Point.objects.filter(pk__in=scope.point_ids)
    }


def _categories() -> dict[int, str]:
    return {c.pk: c.name for c in Category.objects.all()}


def three_w(scope: Scope, *, days: int = 30, now: dt.datetime | None = None) -> Table:
    """Who handed out what where: per organisation, point and category over the period,
    households reached (suppressed under SMALL) and units handed out."""
    from kamavor.stock.models import Document, DocumentLine

    since = (now or timezone.now()) - dt.timedelta(days=days)
    rows = (
        DocumentLine.objects.filter(
            document__kind=Document.Kind.DISTRIBUTION,
            document__point_id__in=scope.point_ids,
            document__created_at__gte=since,
        )
        .values_list("document__point_id", "item__category_id")
        .annotate(
            households=Count("document__household", distinct=True),
            units=Sum("quantity"),
        )
        .order_by("document__point_id", "item__category_id")
    )
    start = timezone.localdate(since).isoformat()

    def build() -> Iterator[tuple]:
        places, categories = _places(scope), _categories()
        for point_id, category_id, households, units in rows:
            shown = suppressed(households)
            yield (
                *places[point_id], categories.get(category_id, ""), str(_("distribution")),
                shown, units if shown else None, start,
            )  # fmt: skip

    columns = [
        *WHERE,
        *shared("category", hxl=True),
        Column("#activity+name", _("Activity")),
        Column("#reached+households", _("Households reached")),
        Column("#output+num+units", _("Units handed out")),
        Column("#date+start", _("Since")),
    ]
    return Table(f"3w-{scope.slug}", columns, build())


def stock(scope: Scope) -> Table:
    """What each point holds, per category and item."""
    from kamavor.stock.models import ItemBalance

    rows = (
        ItemBalance.objects.filter(point_id__in=scope.point_ids, quantity__gt=0)
        .order_by("point_id", "item__category__position", "item_id")
        .values_list("point_id", "item_id", "quantity")
    )

    def build() -> Iterator[tuple]:
        places, categories = _places(scope), _categories()
        items = {
            i.pk: (categories.get(i.category_id, ""), i.name, i.code, i.unit)
            for i in Item.objects.all()
        }
        for point_id, item_id, units in rows.iterator(chunk_size=5000):
            yield (*places[point_id], *items[item_id], units)

    columns = [
        *WHERE,
        *shared("category", "item", "item_code", "unit", hxl=True),
        Column("#indicator+num+stock", _("Units on hand")),
    ]
    return Table(f"stock-{scope.slug}", columns, build())


def needs(scope: Scope) -> Table:
    """Open requests per organisation, place (the shelter, else the household's shelter or the
    point where it was registered), category and item: households asking (suppressed under
    SMALL), units asked and still outstanding."""
    from kamavor.needs.models import Request, RequestLine

    lines = RequestLine.objects.filter(
        request__state__in=Request.OPEN_STATES,
        request__organisation_id__in=scope.organisation_ids,
    )
    if scope.kind == "point":
        lines = lines.filter(
            Q(request__shelter_id__in=scope.point_ids)
            | Q(request__household__shelter_id__in=scope.point_ids)
            | Q(
                request__household__shelter__isnull=True,
                request__household__registered_point_id__in=scope.point_ids,
            )
        )
    rows = (
        lines.values_list(
            "request__organisation_id", "request__shelter_id", "request__household__shelter_id",
            "request__household__registered_point_id", "item_id", "category_id",
        )
        .annotate(
            households=Count("request__household", distinct=True),
            asked=Sum("quantity"),
            given=Sum("fulfilled_quantity"),
        )
        .order_by()
    )  # fmt: skip

    def build() -> Iterator[tuple]:
        places, categories = _places(scope), _categories()
        organisations = dict(Organisation.objects.values_list("pk", "name"))
        items = {i.pk: (i.category_id, i.name, i.code) for i in Item.objects.all()}
        merged: dict[tuple, list[int]] = {}
        for org, shelter, home, registered, item_id, category_id, households, asked, given in rows:
            point_id = shelter or home or registered
            if point_id in places:
                place = places[point_id]
            elif scope.kind == "point":
                continue
            else:  # a household of the organisation that stays at none of its points
                place = (organisations.get(org, ""), "", "")
            key = (place, item_id, category_id)
            sums = merged.setdefault(key, [0, 0, 0])
            sums[0] += households
            sums[1] += asked
            sums[2] += given
        for (place, item_id, category_id), (households, asked, given) in sorted(
            merged.items(), key=lambda pair: (pair[0][0], pair[0][1] or 0, pair[0][2] or 0)
        ):
            category, name, code = items.get(item_id, (category_id, "", ""))
            shown = suppressed(households)
            small = households and not shown
            yield (
                *place, categories.get(category, ""), name, code, shown,
                None if small else asked, None if small else max(asked - given, 0),
            )  # fmt: skip

    columns = [
        *WHERE,
        *shared("category", "item", "item_code", hxl=True),
        Column("#inneed+households", _("Households asking")),
        Column("#indicator+num+requested", _("Units asked")),
        Column("#indicator+num+outstanding", _("Units outstanding")),
    ]
    return Table(f"needs-{scope.slug}", columns, build())


def table(kind: str, scope: Scope, *, days: int = 30) -> Table:
    if kind == "3w":
        return three_w(scope, days=days)
    if kind == "stock":
        return stock(scope)
    return needs(scope)
