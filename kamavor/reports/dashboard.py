"""The dashboard's read model: every figure of a scope (a point, an organisation, the points a
coordinator sees in the network) in one dataclass, read with a fixed number of queries.

Sums over days come from the ledger's daily flows rolled up per point, day and kind
(`PointDayFlow`, kept with the movements), never the movements; stock on hand from item
balances; the trend of stock is today's stock less the net flows of later days. Households
served are those whose latest hand-out falls in the period (`HouseholdVisits`, kept with the
distribution documents; new: registered in the period).
Coverage of dues and open requests is the share of what is due and asked that stock on hand
could cover, from the same arithmetic as the public "needed now" list. The sorting backlog is
the points' drop-offs not closed yet, by kind and age.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, F, Min, Q, Sum, When
from django.utils import timezone
from django.utils.translation import get_language

from kamavor.catalogue.models import Category, Item
from kamavor.reports.access import Scope

PERIODS = (14, 30, 90)
EXPIRY_DAYS = 30
TOP = 10
SPARE = 100  # units of an item nothing asks for that an organisation may call a surplus
INTAKE = ("donation", "purchase")
OUTFLOW = ("distribution", "disposal")
TRANSFERS = ("transfer_in", "transfer_out")


@dataclass
class Flow:
    day: dt.date
    intake: int = 0
    outflow: int = 0
    transfers_in: int = 0
    transfers_out: int = 0
    on_hand: int = 0
    hours: float = 0.0


# The sorting backlog's ages: waiting less than 1, 3 and 7 days, and longer.
AGES = (1, 3, 7)


@dataclass
class Backlog:
    """Drop-offs of a kind waiting to be sorted: bags by age (see AGES), the oldest's days."""

    kind: str  # the drop-off's kind, as stored ("clothing")
    label: str  # the same in the reader's language
    drop_offs: int
    bags: int
    by_age: tuple[int, ...]
    oldest_days: int


@dataclass
class Dashboard:
    scope: Scope
    days: int
    today: dt.date
    by_category: list[tuple[str, int]] = field(default_factory=list)
    on_hand: int = 0
    flows: list[Flow] = field(default_factory=list)
    served: int = 0
    served_new: int = 0
    distributions: int = 0
    requests_open: int = 0
    requests_by_urgency: list[tuple[str, int]] = field(default_factory=list)
    requested_units: int = 0
    fulfilled_units: int = 0
    coverage: int | None = None  # percent of dues and open requests that stock covers
    expiring: list[dict] = field(default_factory=list)
    expiring_units: int = 0
    shortages: list[dict] = field(default_factory=list)
    surpluses: list[dict] = field(default_factory=list)
    hours: float = 0.0
    shifts_unfilled: int = 0
    places_open: int = 0
    sorting: bool = False  # a collection point in scope, or drop-offs waiting
    backlog: list[Backlog] = field(default_factory=list)
    drawn: tuple | None = None  # its charts and their HTML, drawn once (see dashboard_views)

    @property
    def backlog_bags(self) -> int:
        return sum(row.bags for row in self.backlog)

    @property
    def served_returning(self) -> int:
        return self.served - self.served_new

    @property
    def intake(self) -> int:
        return sum(f.intake for f in self.flows)

    @property
    def outflow(self) -> int:
        return sum(f.outflow for f in self.flows)


# ---------------------------------------------------------------- kept dashboards
#
# Each process keeps the dashboards it built (per scope, period and language) and answers the
# next request for the same one from memory while the ledger has not moved: one indexed query
# (the newest movement's id, which every posting, hand-out, transfer and reversal advances),
# as the public pages do (kamavor.public.cache). So stock figures are as fresh as the ledger,
# and what moves without a movement (requests, households registered, sign-ups, the sorting
# queue) reaches the dashboard within MAX_AGE_SECONDS. A posting whose id was taken before a
# newer one's but committed after it also shows within that time.

MAX_AGE_SECONDS = 30.0
MAX_KEPT = 500  # per process: 50 points, their organisations and networks x 3 periods x 3 languages
_kept: OrderedDict[tuple, tuple[float, int | None, Dashboard]] = OrderedDict()
_lock = threading.Lock()
# Replaced by tests that move time forward; time.monotonic is immune to clock changes.
clock: Callable[[], float] = time.monotonic


def forget_kept() -> None:
    """Drop every kept dashboard of this process (tests; a new database)."""
    with _lock:
        _kept.clear()


def _ledger_mark() -> int | None:
    from kamavor.stock.models import Movement

    return Movement.objects.order_by("-pk").values_list("pk", flat=True).first()


def build(scope: Scope, *, days: int = 30, now: dt.datetime | None = None) -> Dashboard:
    """Every figure of the scope over the last `days` days (today included); a kept one while
    the ledger has not moved and it is younger than MAX_AGE_SECONDS (see above)."""
    if now is not None or not scope.points:
        return build_now(scope, days=days, now=now)
    key = (scope.kind, tuple(scope.point_ids), days, get_language(), timezone.localdate())
    mark = _ledger_mark()
    kept = _kept.get(key)
    if kept is not None and kept[1] == mark and clock() - kept[0] < MAX_AGE_SECONDS:
        return kept[2]
    board = build_now(scope, days=days)
    with _lock:
        _kept[key] = (clock(), mark, board)
        _kept.move_to_end(key)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return board


def build_now(scope: Scope, *, days: int = 30, now: dt.datetime | None = None) -> Dashboard:
    """Every figure of the scope over the last `days` days (today included), read now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    board = Dashboard(scope=scope, days=days, today=today)
    if not scope.points:
        return board
    _stock(board)
    _flows(board)
    _households(board, now)
    _requests(board)
    _expiring(board)
    _volunteers(board, now)
    _backlog(board, now)
    return board


def _item_names(ids) -> dict[int, str]:
    return {item.pk: item.name for item in Item.objects.filter(pk__in=ids)}


def _stock(board: Dashboard) -> None:
    from kamavor.stock.models import ItemBalance

    # The points' item balances summed per item first (from the index that holds the
    # quantity, with no join), then those items' sums per category: a join of one row an item.
    balances, items = ItemBalance._meta.db_table, Item._meta.db_table
    marks = ", ".join("%s" for _ in board.scope.point_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.category_id, SUM(s.units) FROM (SELECT item_id, SUM(quantity) AS units "
            f"FROM {balances} WHERE point_id IN ({marks}) AND quantity > 0 GROUP BY item_id) s "
            f"JOIN {items} i ON i.id = s.item_id GROUP BY i.category_id",
            board.scope.point_ids,
        )
        units = {category: int(n) for category, n in cursor.fetchall()}
    categories = Category.objects.filter(pk__in=units).order_by("position", "pk")
    board.by_category = [(c.name, units[c.pk]) for c in categories]
    board.on_hand = sum(units.values())


def _flows(board: Dashboard) -> None:
    from kamavor.stock.rollups import PointDayFlow

    start = board.today - dt.timedelta(days=board.days - 1)
    # The roll-up per point and day (every item together): a few rows a point's day.
    rows = (
        PointDayFlow.objects.filter(point_id__in=board.scope.point_ids, day__gte=start)
        .values_list("day", "kind")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    flows = {
        start + dt.timedelta(days=n): Flow(start + dt.timedelta(days=n)) for n in range(board.days)
    }
    net = defaultdict(int)
    for day, kind, units in rows:
        flow = flows.get(day)
        net[day] += units
        if flow is None:
            continue
        if kind in INTAKE:
            flow.intake += units
        elif kind in OUTFLOW:
            flow.outflow -= units
        elif kind == "transfer_in":
            flow.transfers_in += units
        elif kind == "transfer_out":
            flow.transfers_out -= units
    # Stock at the end of each day: today's stock less what later days added.
    later = 0
    for day in sorted(flows, reverse=True):
        flows[day].on_hand = board.on_hand - later
        later += net.get(day, 0)
    board.flows = [flows[day] for day in sorted(flows)]


def _households(board: Dashboard, now: dt.datetime) -> None:
    """Households served in the period (its days, today included), new ones (registered since
    its first day) and hand-outs. A household is served only at its organisation's points: for
    an organisation whose every point is in scope, its households' latest visits (one row a
    household, HouseholdVisits); for the points of a partly seen one, the period's documents."""
    from kamavor.network.models import Point
    from kamavor.stock.models import Document
    from kamavor.stock.rollups import HouseholdVisits

    start = board.today - dt.timedelta(days=board.days - 1)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    in_scope = set(board.scope.point_ids)
    partly: set[int] = set()
    for organisation, point in Point.objects.filter(
        organisation_id__in=board.scope.organisation_ids
    ).values_list("organisation_id", "pk"):
        if point not in in_scope:
            partly.add(organisation)
    whole = [pk for pk in board.scope.organisation_ids if pk not in partly]
    seen = [p.pk for p in board.scope.points if p.organisation_id in partly]
    documents = Document.objects.filter(
        kind=Document.Kind.DISTRIBUTION, point_id__in=board.scope.point_ids, created_at__gte=since
    )
    board.distributions = documents.count()
    if whole:
        latest = HouseholdVisits.objects.filter(organisation_id__in=whole, last_visit__gte=start)
        # COUNT(*) and a sum of CASE read only the index's columns (household_visits_recent);
        # a count of the key with a filter made SQLite read every row too (18 ms instead of 5).
        figures = latest.aggregate(
            served=Count("*"),
            new=Sum(Case(When(registered__gte=start, then=1), default=0)),
        )
        board.served += figures["served"]
        board.served_new += figures["new"] or 0
    if seen:
        visited = (
            documents.filter(point_id__in=seen, household__isnull=False)
            .values("household_id")
            .annotate(registered=Min("household__registered_at"))
            .order_by()
        )
        for row in visited:
            board.served += 1
            board.served_new += row["registered"] >= since


def _requests(board: Dashboard) -> None:
    from kamavor.needs.models import Request, RequestLine
    from kamavor.public.needs import assess_many

    scope = board.scope
    open_requests = Request.objects.open().filter(organisation_id__in=scope.organisation_ids)
    if scope.kind == "point" and scope.point.kind == "shelter":
        open_requests = open_requests.filter(shelter=scope.point)
    urgency = dict(Request.Urgency.choices)
    counts = dict(open_requests.values_list("urgency").annotate(n=Count("pk")).order_by())
    board.requests_by_urgency = [
        (str(label), counts.get(value, 0)) for value, label in reversed(list(urgency.items()))
    ]
    board.requests_open = sum(counts.values())
    units = RequestLine.objects.filter(request__in=open_requests).aggregate(
        asked=Sum("quantity"), given=Sum("fulfilled_quantity")
    )
    board.requested_units = units["asked"] or 0
    board.fulfilled_units = units["given"] or 0
    # Dues and requests against stock, per organisation (the public list's arithmetic), for
    # what something asks for; what nothing asks for is spare from SPARE units on (below).
    figures = assess_many(scope.organisation_ids, now=timezone.now(), wanted_only=True)
    demand = covered = 0
    short: dict[int, int] = defaultdict(int)
    spare: dict[int, int] = defaultdict(int)
    for by_key in figures.values():
        for (kind, pk), f in by_key.items():
            if kind != "item":
                continue
            demand += f.demand
            covered += min(f.demand, f.on_hand)
            if f.demand > f.on_hand:
                short[pk] += f.demand - f.on_hand
            elif f.on_hand > 0 and f.on_hand >= 3 * max(f.demand, 1) and f.on_hand >= SPARE:
                spare[pk] += f.on_hand - f.demand
    for organisation, item_id, units in _plentiful(scope.organisation_ids):
        if ("item", item_id) not in figures[organisation]:
            spare[item_id] += units
    board.coverage = round(100 * covered / demand) if demand else None
    _across_points(board, short, spare)


def _plentiful(organisations: list[int]) -> list[tuple[int, int, int]]:
    """(organisation, item, units) of every item of which an organisation holds SPARE units or
    more at the points whose stock it counts (active, not shelters: as kamavor.public.needs)."""
    from kamavor.network.models import Point
    from kamavor.stock.models import ItemBalance

    return list(
        ItemBalance.objects.filter(
            point__organisation_id__in=organisations, point__active=True, quantity__gt=0
        )
        .exclude(point__kind=Point.Kind.SHELTER)
        .values("point__organisation_id", "item_id")
        .annotate(units=Sum("quantity"))
        .filter(units__gte=SPARE)
        .values_list("point__organisation_id", "item_id", "units")
        .order_by()
    )


def _across_points(board: Dashboard, short: dict[int, int], spare: dict[int, int]) -> None:
    """The largest shortages, each with the points in scope that hold the item (where one
    point's surplus may meet another's need), and the largest surpluses."""
    from kamavor.stock.models import ItemBalance

    top_short = sorted(short, key=lambda pk: -short[pk])[:TOP]
    top_spare = sorted(spare, key=lambda pk: -spare[pk])[:TOP]
    held: dict[int, list[tuple[str, int]]] = defaultdict(list)
    names = {p.pk: p.tr.name for p in board.scope.points}
    for item_id, point_id, units in (
        ItemBalance.objects.filter(
            point_id__in=board.scope.point_ids, item_id__in=top_short + top_spare, quantity__gt=0
        )
        .order_by("-quantity")
        .values_list("item_id", "point_id", "quantity")
    ):
        held[item_id].append((names[point_id], units))
    items = _item_names(top_short + top_spare)
    board.shortages = [
        {"item": items.get(pk, ""), "missing": short[pk], "held_at": held[pk][:3]}
        for pk in top_short
    ]
    board.surpluses = [
        {"item": items.get(pk, ""), "spare": spare[pk], "held_at": held[pk][:3]} for pk in top_spare
    ]


def _expiring(board: Dashboard) -> None:
    from kamavor.stock.models import Balance

    until = board.today + dt.timedelta(days=EXPIRY_DAYS)
    # The balances' partial index of dated lots (balance_expiring): a range of days, each
    # lot's quantity then read from its row; `expiry IS NOT NULL` is written out for SQLite to
    # choose it, and the unary plus keeps SQLite (which has no statistics) from walking each
    # point's balances by the point's index instead (660 ms instead of 9 at 2 million
    # movements).
    marks = ", ".join("%s" for _ in board.scope.point_ids)
    point = "+point_id" if connection.vendor == "sqlite" else "point_id"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT item_id, SUM(quantity), MIN(expiry) AS first, COUNT(*) "
            f"FROM {Balance._meta.db_table} WHERE expiry IS NOT NULL AND expiry >= %s "
            "AND expiry < %s AND quantity > 0 "
            f"AND {point} IN ({marks}) GROUP BY item_id ORDER BY first, item_id",
            [
                connection.ops.adapt_datefield_value(board.today),
                connection.ops.adapt_datefield_value(until),
                *board.scope.point_ids,
            ],
        )
        rows = [
            {"item_id": item, "units": int(units), "first": _day(first), "lots": lots}
            for item, units, first, lots in cursor.fetchall()
        ]
    board.expiring_units = sum(row["units"] for row in rows)
    names = _item_names([row["item_id"] for row in rows[:TOP]])
    board.expiring = [{**row, "item": names.get(row["item_id"], "")} for row in rows[:TOP]]


def _day(value) -> dt.date:
    """A date as a raw query returns it (SQLite gives text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _volunteers(board: Dashboard, now: dt.datetime) -> None:
    from kamavor.volunteers.models import Shift, SignUp

    start = board.flows[0].day if board.flows else board.today
    by_day = {flow.day: flow for flow in board.flows}
    for checked_in, checked_out in SignUp.objects.filter(
        shift__point_id__in=board.scope.point_ids,
        cancelled_at__isnull=True,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
        shift__starts_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
    ).values_list("checked_in_at", "checked_out_at"):
        hours = max((checked_out - checked_in).total_seconds() / 3600, 0.0)
        board.hours += hours
        flow = by_day.get(timezone.localdate(checked_in))
        if flow is not None:
            flow.hours += hours
    board.hours = round(board.hours, 1)
    for flow in board.flows:
        flow.hours = round(flow.hours, 1)
    coming = (
        Shift.objects.upcoming(now)
        .filter(point_id__in=board.scope.point_ids)
        .annotate(taken=Count("signups", filter=Q(signups__cancelled_at__isnull=True)))
        .filter(taken__lt=F("hands_needed"))
        .values_list("hands_needed", "taken")
    )
    for hands, taken in coming:
        board.shifts_unfilled += 1
        board.places_open += hands - taken


def _backlog(board: Dashboard, now: dt.datetime) -> None:
    """The sorting queue of the scope's points (drop-offs not closed) by kind, its bags by age;
    one query over the queue's own index."""
    from kamavor.sorting.models import DropOff, Kind

    bounds = [now - dt.timedelta(days=n) for n in AGES]
    ages = {"age0": Sum("bags", filter=Q(created_at__gt=bounds[0]))}
    for n in range(1, len(AGES)):
        ages[f"age{n}"] = Sum(
            "bags", filter=Q(created_at__gt=bounds[n], created_at__lte=bounds[n - 1])
        )
    ages[f"age{len(AGES)}"] = Sum("bags", filter=Q(created_at__lte=bounds[-1]))
    rows = (
        DropOff.objects.filter(point_id__in=board.scope.point_ids)
        .waiting()
        .values("kind")
        .annotate(drop_offs=Count("pk"), waiting=Sum("bags"), oldest=Min("created_at"), **ages)
        .order_by("oldest")
    )
    labels = dict(Kind.choices)
    board.backlog = [
        Backlog(
            kind=row["kind"],
            label=str(labels.get(row["kind"], row["kind"])),
            drop_offs=row["drop_offs"],
            bags=row["waiting"] or 0,
            by_age=tuple(row[f"age{n}"] or 0 for n in range(len(AGES) + 1)),
            oldest_days=max((now - row["oldest"]).days, 0),
        )
        for row in rows
    ]
    board.sorting = bool(board.backlog) or any(
        p.kind == p.Kind.COLLECTION for p in board.scope.points
    )
