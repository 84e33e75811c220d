"""Open request lines summed per organisation and item or category, kept as requests change.

The public pages need, per organisation and item (or category), how many units its open
requests still ask for and whether any of them is pressing. Summing thousands of open lines
was a fifth of the network page's cold build; these rows make it one read of a few hundred.

- **Kept**: every change to a request goes through kamavor.needs.services (creation,
  cancelling, planning, a fulfilment counted or taken back); each reports the request's lines
  as they were and as they are (`count_change`), inside its transaction, and the difference is
  added to the rows in one UPDATE (a missing row is inserted first, once).
- **Read**: `open_needs` reads the rows.
- `rebuild_open_totals()` sums every row again from the lines (after requests were written in
  bulk, around the services); the migration that adds the rows sums them once.

A line counts while its request is open (open, planned or partly fulfilled): its outstanding
units (asked less counted as handed out, never below zero), and one pressing line when its
request is high or critical and something is still outstanding.

`tests/needs/test_open_totals.py` holds the kept rows to a recount after random sequences of
the request services (a property test).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from django.db import connection
from django.db.models import Case, F, Q, Sum, Value, When

from kamavor.core.transactions import in_transaction
from kamavor.needs.models import OpenNeedTotal, Request, RequestLine

PRESSING = (Request.Urgency.HIGH, Request.Urgency.CRITICAL)

# (item id, category id): exactly one is set.
Key = tuple[int | None, int | None]
# A line as counted: (item id, category id, quantity asked, quantity fulfilled).
LineState = tuple[int | None, int | None, int, int]
# (organisation, item, category, outstanding units, pressing lines or whether any).
Row = tuple[int, int | None, int | None, int, int]


def line_states(request: Request) -> list[LineState]:
    """The request's lines as `count_change` reads them (one query)."""
    return list(
        request.lines.order_by("pk").values_list(
            "item_id", "category_id", "quantity", "fulfilled_quantity"
        )
    )


def shares(state: str, urgency: str, lines: Iterable[LineState]) -> dict[Key, list[int]]:
    """What these lines of a request in this state and urgency add to the rows:
    key → [outstanding units, pressing lines]."""
    counted: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    if state not in Request.OPEN_STATES:
        return counted
    pressing = 1 if urgency in PRESSING else 0
    for item_id, category_id, quantity, fulfilled in lines:
        if quantity > fulfilled:
            share = counted[(item_id, category_id)]
            share[0] += quantity - fulfilled
            share[1] += pressing
    return counted


def count_change(
    *,
    organisation_id: int,
    urgency: str,
    before: tuple[str, Iterable[LineState]] | None,
    after: tuple[str, Iterable[LineState]],
) -> None:
    """Add to the organisation's rows what a request's change did: its (state, lines) before
    (None for a new request) and after. Inside the caller's transaction."""
    was = shares(before[0], urgency, before[1]) if before else {}
    now = shares(after[0], urgency, after[1])
    delta: dict[Key, tuple[int, int]] = {}
    for key in sorted(set(was) | set(now), key=_order):
        units = now.get(key, (0, 0))[0] - was.get(key, (0, 0))[0]
        pressing = now.get(key, (0, 0))[1] - was.get(key, (0, 0))[1]
        if units or pressing:
            delta[key] = (units, pressing)
    if delta:
        _add(organisation_id, delta)


def _order(key: Key) -> tuple[int, int]:
    item_id, category_id = key
    return (0, item_id) if item_id else (1, category_id or 0)


def _add(organisation_id: int, delta: dict[Key, tuple[int, int]]) -> None:
    """One UPDATE of the rows; rows not there yet are inserted (an insert that meets a row
    another transaction has just inserted does nothing) and updated in a second UPDATE."""
    updated = _update(organisation_id, delta)
    if updated == len(delta):
        return
    items = [item for item, _category in delta if item]
    categories = [category for item, category in delta if not item]
    present = set(
        OpenNeedTotal.objects.filter(organisation_id=organisation_id)
        .filter(Q(item_id__in=items) | Q(category_id__in=categories))
        .values_list("item_id", "category_id")
    )
    missing = {key: change for key, change in delta.items() if key not in present}
    OpenNeedTotal.objects.bulk_create(
        [
            OpenNeedTotal(organisation_id=organisation_id, item_id=item, category_id=category)
            for item, category in missing
        ],
        ignore_conflicts=True,
    )
    _update(organisation_id, missing)


def _update(organisation_id: int, delta: dict[Key, tuple[int, int]]) -> int:
    quote = connection.ops.quote_name
    table = quote(OpenNeedTotal._meta.db_table)
    whens, units, pressing, items, categories = [], [], [], [], []
    for (item_id, category_id), (du, dp) in delta.items():
        if item_id:
            whens.append("item_id = %s")
            units += [item_id, du]
            pressing += [item_id, dp]
            items.append(item_id)
        else:
            whens.append("category_id = %s")
            units += [category_id, du]
            pressing += [category_id, dp]
            categories.append(category_id)
    case = " ".join(f"WHEN {when} THEN %s" for when in whens)
    where = []
    if items:
        where.append(f"item_id IN ({', '.join(['%s'] * len(items))})")
    if categories:
        where.append(f"category_id IN ({', '.join(['%s'] * len(categories))})")
    sql = (
        f"UPDATE {table} SET units = units + CASE {case} ELSE 0 END, "
        f"pressing = pressing + CASE {case} ELSE 0 END "
        f"WHERE organisation_id = %s AND ({' OR '.join(where)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*units, *pressing, organisation_id, *items, *categories])
        return cursor.rowcount


def open_needs(organisations: Collection[int]) -> list[Row]:
    """(organisation, item, category, outstanding units, pressing) of what the organisations'
    open requests still ask for: one read of the kept rows (written by hand: the public pages
    read it on every build, and the ORM's compilation cost more than the statement)."""
    organisations = sorted(organisations)
    if not organisations:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organisation_id, item_id, category_id, units, pressing FROM "
            f"{connection.ops.quote_name(OpenNeedTotal._meta.db_table)} WHERE organisation_id "
            f"IN ({', '.join('%s' for _ in organisations)}) AND units > 0",
            organisations,
        )
        return [
            (org, item_id, category_id, units, pressing > 0)
            for org, item_id, category_id, units, pressing in cursor.fetchall()
        ]


def recounted(organisations: Collection[int] | None = None) -> list[Row]:
    """(organisation, item, category, outstanding units, pressing lines) summed from the open
    lines themselves, by the database: what the kept rows must equal."""
    open_part = Q(quantity__gt=F("fulfilled_quantity"))
    lines = RequestLine.objects.filter(request__state__in=Request.OPEN_STATES)
    if organisations is not None:
        lines = lines.filter(request__organisation_id__in=list(organisations))
    rows = (
        lines.values("request__organisation_id", "item_id", "category_id")
        .annotate(
            outstanding=Sum(
                Case(
                    When(open_part, then=F("quantity") - F("fulfilled_quantity")),
                    default=Value(0),
                )
            ),
            pressing=Sum(
                Case(
                    When(open_part & Q(request__urgency__in=PRESSING), then=Value(1)),
                    default=Value(0),
                )
            ),
        )
        .values_list(
            "request__organisation_id", "item_id", "category_id", "outstanding", "pressing"
        )
        .order_by()
    )
    return [row for row in rows if row[3] or row[4]]


def rebuild_open_totals() -> int:
    """Sum every row again from the open lines (after requests were written in bulk, around
    the services), with no request change in between; the number of rows written."""

    def unit() -> int:
        if connection.vendor == "postgresql":
            # Writers of the rows wait until the sums are written; changes that committed
            # before the lock are in the lines read below.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(OpenNeedTotal._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        OpenNeedTotal.objects.all().delete()
        rows = OpenNeedTotal.objects.bulk_create(
            [
                OpenNeedTotal(
                    organisation_id=org,
                    item_id=item_id,
                    category_id=category_id,
                    units=units,
                    pressing=pressing,
                )
                for org, item_id, category_id, units, pressing in recounted()
            ],
            batch_size=500,
        )
        return len(rows)

    return in_transaction(unit)
