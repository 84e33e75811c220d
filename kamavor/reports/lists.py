"""The lists a coordinator sees, as exports: the same rows as the screen, filtered the same way.

Each `ListExport` names the screens (URL names) that offer it, the action a member needs, and
builds a `Table` from the request's query string (the screen's own filters). Rows are read with
`values_list(...).iterator()` and names from small look-up dicts, so the number of queries does
not grow with the rows and a 100,000-row export streams without holding its rows. Nothing
personal is exported here: no names, phones or free-text notes (the audited export of personal
fields is `kamavor.reports.personal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kamavor.catalogue.models import Category, Item
from kamavor.network.access import Action, may, organisations_for, points_for
from kamavor.network.models import Point
from kamavor.reports.exports import Column, Table, shared

CHUNK = 5000


def _lang() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _items() -> dict[int, tuple[str, str, str, str]]:
    """Every item's code, name in the reader's language, category name and unit: one query."""
    lang = _lang()
    categories = {c.pk: c.name for c in Category.objects.all()}
    return {
        pk: (code, names.get(lang) or names["en"] or names["hy"], categories.get(cat, ""), unit)
        for pk, code, cat, unit, *texts in Item.objects.values_list(
            "pk", "code", "category_id", "unit", "name_hy", "name_ru", "name_en"
        )
        for names in [dict(zip(("hy", "ru", "en"), texts, strict=True))]
    }


def _point_names() -> dict[int, str]:
    return {p.pk: p.tr.name for p in Point.objects.all()}


def _item_filter(request: HttpRequest, rows, prefix: str = "item"):
    """The stock pages' search (any script, or a barcode) and category filter."""
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    if query:
        rows = rows.filter(**{f"{prefix}__in": Item.objects.search(query).values("pk")})
    if category:
        rows = rows.filter(**{f"{prefix}__category__code": category})
    return rows


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ITEM_COLUMNS = shared("item_code", "item", "category", "unit")


# ---------------------------------------------------------------- stock


def stock_at_point(request: HttpRequest, point: Point) -> Table:
    """The point's stock page: items on hand, in catalogue order."""
    from kamavor.stock.models import ItemBalance

    lang = _lang()
    held = _item_filter(request, ItemBalance.objects.filter(point=point, quantity__gt=0))
    rows = held.order_by("item__category__position", f"item__name_{lang}", "item_id").values_list(
        "item_id", "quantity", "lots"
    )

    def build() -> Iterator[tuple]:
        items = _items()
        for item_id, quantity, lots in rows.iterator(chunk_size=CHUNK):
            yield (*items[item_id], quantity, lots)

    columns = [*ITEM_COLUMNS, Column("quantity", _("On hand")), Column("lots", _("Lots"))]
    return Table(f"stock-{point.slug}", columns, build())


def stock_of_organisation(request: HttpRequest, point: None = None) -> Table:
    """Stock at all my points: a column per point and the total, as on the screen."""
    from kamavor.stock.models import ItemBalance

    points = points_for(request.user, Action.VIEW_STOCK)
    held = _item_filter(request, ItemBalance.objects.filter(point__in=points, quantity__gt=0))
    lang = _lang()
    rows = held.order_by("item__category__position", f"item__name_{lang}", "item_id").values_list(
        "item_id", "point_id", "quantity"
    )

    def build() -> Iterator[tuple]:
        items = _items()
        index = {p.pk: n for n, p in enumerate(points)}
        current, cells = None, [0] * len(points)
        for item_id, point_id, quantity in rows.iterator(chunk_size=CHUNK):
            if item_id != current:
                if current is not None:
                    yield (*items[current], *cells, sum(cells))
                current, cells = item_id, [0] * len(points)
            cells[index[point_id]] = quantity
        if current is not None:
            yield (*items[current], *cells, sum(cells))

    columns = [
        *ITEM_COLUMNS,
        *(Column(f"point_{p.pk}", p.tr.name) for p in points),
        Column("total", _("Total")),
    ]
    return Table("stock-all-points", columns, build())


def lots_at_point(request: HttpRequest, point: Point) -> Table:
    """Lots on hand at the point, first expiry first; `item` for one item's page, `expiring`
    for the expiry page (expired and expiring within the warning window)."""
    from kamavor.stock.models import Lot

    lots = Lot.objects.at(point).in_stock().fefo()
    if item_id := _int(request.GET.get("item")):
        lots = lots.filter(item_id=item_id)
    if request.GET.get("expiring"):
        soon = timezone.localdate() + dt.timedelta(days=settings.KAMAVOR_EXPIRY_WARNING_DAYS)
        lots = lots.filter(expiry__lt=soon)
    rows = lots.values_list("pk", "item_id", "size", "condition", "expiry", "balance__quantity")

    def build() -> Iterator[tuple]:
        items = _items()
        for pk, item_id, size, condition, expiry, quantity in rows.iterator(chunk_size=CHUNK):
            yield (pk, *items[item_id], size, condition, expiry, quantity)

    columns = [
        Column("lot_id", _("Lot")),
        *ITEM_COLUMNS,
        Column("size", _("Size")),
        Column("condition", _("Condition")),
        Column("expiry", _("Expiry")),
        Column("quantity", _("On hand")),
    ]
    return Table(f"lots-{point.slug}", columns, build())


def movements_at_point(request: HttpRequest, point: Point) -> Table:
    """Movements at the point, newest first; `lot` for one lot's history, `days` for a period."""
    from kamavor.stock.models import Movement

    movements = Movement.objects.filter(point=point)
    if lot_id := _int(request.GET.get("lot")):
        movements = movements.filter(lot_id=lot_id)
    if days := _int(request.GET.get("days")):
        movements = movements.filter(at__gte=timezone.now() - dt.timedelta(days=days))
    return movements_table(movements, f"movements-{point.slug}")


def movements_table(movements, name: str, *, limit: int | None = None) -> Table:
    """Movements, newest first (at most `limit`), as an export: the point's list and the
    benchmark's 100,000 rows share it."""
    rows = movements.order_by("-at", "-pk").values_list(
        "pk", "at", "kind", "item_id", "lot_id", "quantity", "balance_after", "document_id"
    )
    if limit is not None:
        rows = rows[:limit]

    def build() -> Iterator[tuple]:
        items = _items()
        for pk, at, kind, item_id, lot_id, quantity, after, document in rows.iterator(
            chunk_size=CHUNK
        ):
            yield (pk, at, kind, *items[item_id], lot_id, quantity, after, document)

    columns = [
        Column("movement_id", _("Movement")),
        Column("at", _("When")),
        Column("kind", _("Kind")),
        *ITEM_COLUMNS,
        Column("lot_id", _("Lot")),
        Column("quantity", _("Quantity")),
        Column("balance_after", _("Balance after")),
        Column("document_id", _("Document")),
    ]
    return Table(name, columns, build())


def documents_at_point(request: HttpRequest, point: Point) -> Table:
    """The point's documents of one kind (`kind`: donation, transfer, count, distribution…),
    with their lines and units; transfers also those coming here. Donor names and notes stay
    out (they may name people)."""
    from kamavor.stock.models import Document

    kind = request.GET.get("kind", "")
    documents = Document.objects.filter(Q(point=point) | Q(destination=point))
    if kind in Document.Kind.values:
        documents = documents.filter(kind=kind)
    rows = (
        documents.annotate(line_count=Count("lines"), units=Sum("lines__quantity"))
        .order_by("-created_at", "-pk")
        .values_list(
            "pk", "kind", "status", "created_at", "point_id", "destination_id",
            "household__code", "supplier", "line_count", "units",
        )
    )  # fmt: skip
    from kamavor.stock.models import NUMBER_PREFIX

    def build() -> Iterator[tuple]:
        names = _point_names()
        kinds = dict(Document.Kind.choices)
        statuses = dict(Document.Status.choices)
        for pk, kind_, status, at, src, dst, code, supplier, lines, units in rows.iterator(
            chunk_size=CHUNK
        ):
            yield (
                f"{NUMBER_PREFIX.get(kind_, 'X')}-{pk:06d}", kind_, str(kinds.get(kind_, kind_)),
                status, str(statuses.get(status, status)), at, names.get(src, ""),
                names.get(dst, ""), code or "", supplier, lines, units or 0,
            )  # fmt: skip

    columns = [
        Column("number", _("Number")),
        Column("kind", _("Kind")),
        Column("kind_label", _("Kind (name)")),
        Column("status", _("Status")),
        Column("status_label", _("Status (name)")),
        Column("created_at", _("Created")),
        *shared("point"),
        Column("destination", _("Destination")),
        Column("household_code", _("Household code")),
        Column("supplier", _("Supplier")),
        Column("lines", _("Lines")),
        Column("units", _("Units")),
    ]
    return Table(f"documents-{kind or 'all'}-{point.slug}", columns, build())


# ---------------------------------------------------------------- people and plans


def households(request: HttpRequest, point: None = None) -> Table:
    """The households of the member's organisations, newest first: code, composition and
    flags; no names, phones, documents, notes or where they stay."""
    from kamavor.households.access import households_for
    from kamavor.households.models import COMPOSITION_FIELDS, VULNERABILITIES, Household

    if not any(
        may(request.user, o, Action.VIEW_HOUSEHOLD) for o in organisations_for(request.user)
    ):
        raise PermissionDenied
    visible = households_for(request.user)
    if status := request.GET.get("status"):
        visible = visible.filter(status=status)
    flags = [name for name, _label in VULNERABILITIES]
    rows = visible.order_by("-registered_at", "-pk").values_list(
        "code", "organisation__name", "status", "registered_at", "registered_point_id",
        "shelter_id", *COMPOSITION_FIELDS, *flags,
    )  # fmt: skip

    def build() -> Iterator[tuple]:
        names = _point_names()
        for code, org, status, at, registered, shelter, *rest in rows.iterator(chunk_size=CHUNK):
            composition = rest[: len(COMPOSITION_FIELDS)]
            yield (
                f"{code[:4]}-{code[4:]}", org, status, at, names.get(registered, ""),
                names.get(shelter, ""), sum(composition), *composition,
                *(int(v) for v in rest[len(COMPOSITION_FIELDS) :]),
            )  # fmt: skip

    fields = {f.name: f for f in Household._meta.get_fields() if hasattr(f, "verbose_name")}
    columns = [
        Column("household_code", _("Household code")),
        *shared("organisation"),
        Column("status", _("Status")),
        Column("registered_at", _("Registered")),
        Column("registered_point", _("Registered at")),
        Column("shelter", _("Shelter")),
        Column("people", _("People")),
        *(Column(name, _composition_label(name)) for name in COMPOSITION_FIELDS),
        *(Column(name, fields[name].verbose_name) for name in flags),
    ]
    return Table("households", columns, build())


def _composition_label(name: str) -> str:
    from kamavor.households.models import AGE_BANDS, SEXES

    sex, band = name.split("_", 1)
    return f"{dict(SEXES)[sex]} {next(label for b, label, *_r in AGE_BANDS if b == band)}"


def requests(request: HttpRequest, point: None = None) -> Table:
    """Open requests the member sees, most urgent first: one row per line."""
    from kamavor.needs.access import requests_for
    from kamavor.needs.models import RequestLine

    visible = requests_for(request.user).open().by_urgency().values("pk")
    rows = (
        RequestLine.objects.filter(request__in=visible)
        .order_by("request__created_at", "request_id", "pk")
        .values_list(
            "request_id", "request__organisation__name", "request__household__code",
            "request__shelter_id", "request__number_of_people", "request__urgency",
            "request__state", "request__created_at", "item_id", "category_id", "size",
            "quantity", "fulfilled_quantity",
        )
    )  # fmt: skip

    def build() -> Iterator[tuple]:
        items = _items()
        categories = {c.pk: c.name for c in Category.objects.all()}
        names = _point_names()
        for (pk, org, code, shelter, people, urgency, state, at, item_id, category_id, size,
             quantity, fulfilled) in rows.iterator(chunk_size=CHUNK):  # fmt: skip
            item = items.get(item_id, ("", "", categories.get(category_id, ""), ""))
            yield (
                pk, org, f"{code[:4]}-{code[4:]}" if code else "", names.get(shelter, ""),
                people, urgency, state, at, *item, size, quantity, fulfilled,
                max(quantity - fulfilled, 0),
            )  # fmt: skip

    columns = [
        Column("request_id", _("Request")),
        *shared("organisation"),
        Column("household_code", _("Household code")),
        Column("shelter", _("Shelter")),
        Column("people", _("People")),
        Column("urgency", _("Urgency")),
        Column("state", _("State")),
        Column("created_at", _("Created")),
        *ITEM_COLUMNS,
        Column("size", _("Size")),
        Column("quantity", _("Quantity")),
        Column("fulfilled", _("Fulfilled")),
        Column("outstanding", _("Outstanding")),
    ]
    return Table("requests", columns, build())


def plans(request: HttpRequest, point: None = None) -> Table:
    """The plans of the organisations where the member plans, newest first."""
    from kamavor.allocation.access import planning_organisations
    from kamavor.allocation.models import Plan

    organisations = planning_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    rows = (
        Plan.objects.of_organisations([o.pk for o in organisations])
        .order_by("-created_at", "-pk")
        .values_list(
            "pk", "organisation__name", "point_id", "status", "created_at", "accepted_at",
            "seconds",
        )
    )  # fmt: skip

    def build() -> Iterator[tuple]:
        names = _point_names()
        for pk, org, point_id, status, at, accepted, seconds in rows.iterator(chunk_size=CHUNK):
            yield (pk, org, names.get(point_id, ""), status, at, accepted, round(seconds, 3))

    columns = [
        Column("plan_id", _("Plan")),
        *shared("organisation"),
        *shared("point"),
        Column("status", _("Status")),
        Column("created_at", _("Created")),
        Column("accepted_at", _("Accepted")),
        Column("seconds", _("Seconds to plan")),
    ]
    return Table("plans", columns, build())


def shifts(request: HttpRequest, point: Point) -> Table:
    """Coming shifts at the point, soonest first, with places taken and open."""
    from kamavor.volunteers.models import Shift

    rows = (
        Shift.objects.upcoming()
        .filter(point=point)
        .with_taken()
        .values_list("pk", "task", "starts_at", "ends_at", "hands_needed", "taken")
    )

    def build() -> Iterator[tuple]:
        tasks = dict(Shift._meta.get_field("task").choices)
        for pk, task, starts, ends, hands, taken in rows.iterator(chunk_size=CHUNK):
            yield (pk, task, str(tasks.get(task, task)), starts, ends, hands, taken,
                   max(hands - taken, 0))  # fmt: skip

    columns = [
        Column("shift_id", _("Shift")),
        Column("task", _("Task")),
        Column("task_label", _("Task (name)")),
        Column("starts_at", _("Starts")),
        Column("ends_at", _("Ends")),
        Column("hands_needed", _("Hands needed")),
        Column("taken", _("Places taken")),
        Column("open", _("Places open")),
    ]
    return Table(f"shifts-{point.slug}", columns, build())


HOURS_DAYS = 90


def hours(request: HttpRequest, point: Point) -> Table:
    """Hours per volunteer at the point over the last 90 days, as on the screen, each person
    under a pseudonym (the start of their key) instead of their name."""
    from kamavor.volunteers import services

    since = timezone.now() - dt.timedelta(days=HOURS_DAYS)
    people = services.hours_by_person(points=[point], since=since)
    rows = (
        (f"V-{p.key[:8]}", p.shifts, p.worked, p.no_shows, round(p.hours, 2), int(p.recurring))
        for p in people
    )
    columns = [
        Column("volunteer", _("Volunteer (pseudonym)")),
        Column("shifts", _("Shifts")),
        Column("worked", _("Worked")),
        Column("no_shows", _("No-shows")),
        Column("hours", _("Hours")),
        Column("recurring", _("Recurring")),
    ]
    return Table(f"hours-{point.slug}", columns, rows)


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Screen:
    """A page that offers an export: its URL name, the URL arguments it turns into filters,
    and fixed filters (a documents list of one kind)."""

    view_name: str
    kwargs: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListExport:
    key: str
    build: Callable[[HttpRequest, Point | None], Table]
    action: Action
    at_point: bool
    screens: tuple[Screen, ...]
    # The screen's query parameters that filter the list (page numbers do not).
    params: tuple[str, ...] = ()


LISTS = {
    e.key: e
    for e in [
        ListExport("stock", stock_at_point, Action.VIEW_STOCK, True,
                   (Screen("stock:point_stock"),), ("q", "category")),
        ListExport("all-stock", stock_of_organisation, Action.VIEW_STOCK, False,
                   (Screen("stock:organisation_stock"),), ("q", "category")),
        ListExport("lots", lots_at_point, Action.VIEW_STOCK, True,
                   (Screen("stock:point_item", {"item_id": "item"}),
                    Screen("stock:expiry", fixed={"expiring": "1"})), ("item", "expiring")),
        ListExport("movements", movements_at_point, Action.VIEW_STOCK, True,
                   (Screen("stock:lot", {"lot_id": "lot"}),), ("lot", "days")),
        ListExport("documents", documents_at_point, Action.VIEW_STOCK, True,
                   (Screen("stock:intake", fixed={"kind": "donation"}),
                    Screen("stock:transfers", fixed={"kind": "transfer"}),
                    Screen("stock:counts", fixed={"kind": "count"}),
                    Screen("stock:kits", fixed={"kind": "kit_build"}),
                    Screen("distribution:desk", fixed={"kind": "distribution"}),
                    Screen("distribution:deliveries", fixed={"kind": "delivery"})), ("kind",)),
        ListExport("households", households, Action.VIEW_HOUSEHOLD, False,
                   (Screen("households:index"),), ("status",)),
        ListExport("requests", requests, Action.VIEW_REQUESTS, False,
                   (Screen("needs:requests"),)),
        ListExport("plans", plans, Action.PLAN, False, (Screen("allocation:plans"),)),
        ListExport("shifts", shifts, Action.MANAGE_SHIFTS, True,
                   (Screen("volunteers:shifts"),)),
        ListExport("hours", hours, Action.MANAGE_SHIFTS, True, (Screen("volunteers:hours"),)),
    ]
}  # fmt: skip
SCREENS: dict[str, tuple[ListExport, Screen]] = {
    screen.view_name: (export, screen) for export in LISTS.values() for screen in export.screens
}
