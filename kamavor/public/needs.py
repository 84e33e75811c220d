"""A point's "needed now": open needs against stock on hand and recent intake.

Needs are the households' dues under the standards (entitled in the period less what was
handed out in it, summed over the organisation's households) and the open request lines. Stock
is what the organisation's points hold; recent intake is what came in over the last week. The
shortages of the organisation's accepted allocation plans count too: what a fair share of the
stock could not cover is needed, whatever the sums say. The
arithmetic is organisation-wide (donations are moved between its points).

What changes with every posting is read afresh each time, and set-based: stock on hand is one
row per point and item (ItemBalance, kept by the ledger), never the lots or movements. Sums over
a period (intake of the last RECENT_DAYS days, what was handed out in each standard's period)
read the ledger's daily flows (DailyFlow: a row per point, item, day and kind, a reversed
movement already taken off its own day), never the movements; a period of N days is the N
calendar days that end today. They and the households' entitlements are kept per process for
WINDOW_SECONDS: they move slowly. So stock on the page follows the ledger at once, and "arrived
this week" and "handed out this period" follow it within WINDOW_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import heapq
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language

from kamavor.allocation.models import Plan
from kamavor.catalogue.models import Category, Item
from kamavor.core import rows as rows_sql
from kamavor.needs.models import Standard
from kamavor.needs.open_totals import open_needs
from kamavor.needs.totals import entitlement_totals
from kamavor.network.models import Organisation, Point
from kamavor.public.models import LEVEL_RANK, Level, NeedOverride, PublicPage
from kamavor.stock.models import DailyFlow, ItemBalance, Movement
from kamavor.stock.rollups import HAND_OUT, HandOutMonth

RECENT_DAYS = 7
PLAN_DAYS = 14  # an accepted plan's shortages count this long (a newer plan replaces it)
# Below a quarter of what is needed is urgent; three times what is needed (and at least this
# many units) that keeps arriving is more than the point can use.
URGENT_SHARE = 4
SURPLUS_FACTOR = 3
SURPLUS_UNITS = 100
# At most this many lines of each level, and of all (pinned lines first): a page stays small.
SHOWN = {Level.URGENT: 25, Level.NEEDED: 25, Level.ENOUGH: 12, Level.DO_NOT_BRING: 12}
MAX_LINES = 60
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Figures:
    """One item's or category's numbers across the organisation."""

    demand: int = 0
    on_hand: int = 0
    recent: int = 0
    pressing: bool = False
    # Of the accepted plans: units wanted, and units the plans could not cover.
    plan_wanted: int = 0
    plan_short: int = 0


@dataclass(frozen=True)
class Line:
    """One line of the list as the public sees it."""

    item: Item | None
    category: Category | None
    level: str
    note: str = ""
    pinned: bool = False

    @property
    def name(self) -> str:
        return (self.item or self.category).name

    @property
    def level_label(self) -> str:
        return Level(self.level).label


def level_for(figures: Figures) -> str | None:
    """The level of a line, or None when it is not worth a line at all. A plan's shortage
    makes an item at least needed, and urgent when the plan covered under a quarter of it."""
    return _level(
        figures.demand,
        figures.on_hand,
        figures.recent,
        figures.pressing,
        figures.plan_wanted,
        figures.plan_short,
    )


def _level(
    demand: int, on_hand: int, recent: int, pressing: bool, plan_wanted: int, plan_short: int
) -> str | None:
    """level_for, from the numbers themselves (a network page weighs hundreds of lines)."""
    surplus = recent > 0 and on_hand >= max(SURPLUS_FACTOR * demand, SURPLUS_UNITS)
    if demand > 0:
        if on_hand < demand:
            urgent = pressing or on_hand * URGENT_SHARE < demand
            level = Level.URGENT if urgent else Level.NEEDED
        else:
            level = Level.DO_NOT_BRING if surplus else Level.ENOUGH
    else:
        level = Level.DO_NOT_BRING if surplus else None
    if plan_short > 0:
        covered = plan_wanted - plan_short
        short = Level.URGENT if covered * URGENT_SHARE < plan_wanted else Level.NEEDED
        if level is None or LEVEL_RANK[short] < LEVEL_RANK[level]:
            level = short
    return level


# ---------------------------------------------------------------- the arithmetic


def _stock_points(organisations: list[int]) -> dict[int, list[int]]:
    """The points whose stock each organisation counts: active, not shelters."""
    points: dict[int, list[int]] = {org: [] for org in organisations}
    if not organisations:
        return points
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, organisation_id FROM {rows_sql.table(Point)} WHERE organisation_id IN "
            f"({rows_sql.marks(organisations)}) AND active = %s AND kind <> %s ORDER BY id",
            [*organisations, True, Point.Kind.SHELTER],
        )
        for pk, org in cursor.fetchall():
            points[org].append(pk)
    return points


def _by_organisation(rows, organisation_of: dict[int, int]) -> dict[int, dict[int, int]]:
    """(point, item, units) rows summed per organisation and item."""
    totals: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for point_id, item_id, units in rows:
        totals[organisation_of[point_id]][item_id] += units
    return totals


def _standard_dues(points: dict[int, list[int]], today: dt.date) -> dict[int, dict[int, int]]:
    """Outstanding entitlements per organisation and item: the sum over households (kept per
    organisation and standard by kamavor.needs.totals) less what was handed out in each
    period."""
    dues: dict[int, dict[int, int]] = {org: {} for org in points}
    standards = rows_sql.load(Standard, "t.active = %s ORDER BY t.position, t.code", [True])
    if not standards:
        return dues
    # The households' entitlements under each standard, summed and kept as households change
    # (kamavor.needs.totals): one row per organisation and standard.
    totals = entitlement_totals(list(points), standards)
    entitled: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for standard in standards:
        for org, by_standard in totals.items():
            entitled[org][standard.item_id] += by_standard.get(standard.pk, 0)
    periods: dict[int, int] = {}
    for standard in standards:
        periods[standard.item_id] = max(periods.get(standard.item_id, 0), standard.period_days)
    handed = _handed_out(points, periods, today)
    for org, by_item in entitled.items():
        for item_id, total in by_item.items():
            if total - handed[org].get(item_id, 0) > 0:
                dues[org][item_id] = total - handed[org].get(item_id, 0)
    return dues


def _handed_out(
    points: dict[int, list[int]], periods: dict[int, int], today: dt.date
) -> dict[int, dict[int, int]]:
    """Units of each item handed out at each organisation's points in its period: one query
    per period length (there are only a few: a week, a month, a year), not per item.

    A long period is read from the hand-outs kept per month (HandOutMonth): its first day's
    month and every later one, less the days of that first month before the period starts
    (from the daily flows). A year is then 13 months and at most a few weeks of days per point
    and item, where the daily flows alone are 365 rows; a short period reads its days."""
    by_period: dict[int, list[int]] = defaultdict(list)
    for item_id, days in periods.items():
        by_period[days].append(item_id)
    organisation_of = {pk: org for org, pks in points.items() for pk in pks}
    handed: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if not organisation_of:
        return handed
    point_ids = sorted(organisation_of)
    flows, months = rows_sql.table(DailyFlow), rows_sql.table(HandOutMonth)
    at_points = f"point_id IN ({rows_sql.marks(point_ids)})"
    by_pair = " GROUP BY item_id, point_id"  # the indexes' order: summed without a sort
    with connection.cursor() as cursor:
        for days, item_ids in sorted(by_period.items()):
            items = sorted(item_ids)
            where = f"item_id IN ({rows_sql.marks(items)}) AND {at_points}"
            start = today - dt.timedelta(days=days - 1)
            first_month = start.replace(day=1)
            month_count = (today.year - first_month.year) * 12 + today.month - first_month.month
            day_sums = f"SUM(quantity) FROM {flows} WHERE kind = %s AND {where} AND day >= %s"
            if days <= (start - first_month).days + month_count + 1:
                sql = f"SELECT point_id, item_id, {day_sums}{by_pair}"
                params = [HAND_OUT, *items, *point_ids, _day(start)]
            else:
                # Days after today, which the daily flows would count, are in the months too.
                sql = (
                    f"SELECT point_id, item_id, SUM(quantity) FROM {months} WHERE {where} "
                    f"AND month >= %s{by_pair} UNION ALL "
                    f"SELECT point_id, item_id, -{day_sums} AND day < %s{by_pair}"
                )
                params = [*items, *point_ids, _day(first_month)]
                params += [HAND_OUT, *items, *point_ids, _day(first_month), _day(start)]
            cursor.execute(sql, params)
            for point_id, item_id, units in cursor.fetchall():
                # Hand-outs are negative movements: what was handed out is their opposite.
                handed[organisation_of[point_id]][item_id] -= units
    return handed


def _day(day: dt.date):
    return connection.ops.adapt_datefield_value(day)


def _requested(organisations: list[int]) -> dict[int, tuple[dict, dict, set]]:
    """Per organisation: outstanding request lines per item and per category, and the keys any
    pressing (high or critical) request asks for. Read from the totals the request services
    keep (kamavor.needs.open_totals): one row per organisation and item or category, never the
    thousands of open lines themselves."""
    result = {org: (defaultdict(int), defaultdict(int), set()) for org in organisations}
    for org, item_id, category_id, outstanding, pressing in open_needs(organisations):
        items, categories, pressed = result[org]
        if item_id:
            items[item_id] += outstanding
            key = ("item", item_id)
        else:
            categories[category_id] += outstanding
            key = ("category", category_id)
        if pressing:
            pressed.add(key)
    return result


def _on_hand(
    points: dict[int, list[int]], items: set[int] | None = None
) -> dict[int, dict[int, int]]:
    """Units of each item (or of these items) at each organisation's points, from the item
    balances (one row per point and item, ItemBalance), never the lots or movements."""
    organisation_of = {pk: org for org, pks in points.items() for pk in pks}
    totals: dict[int, dict[int, int]] = defaultdict(dict)
    if not organisation_of or items == set():
        return totals
    # Hand-written and summed here: the asked-for items' balances are a few hundred rows read
    # from the item's index, where the database's sum per organisation probed every point and
    # item pair (a quarter of the network page's "needed now"), and the ORM's compilation of
    # the IN lists cost as much again.
    table = rows_sql.table(ItemBalance)
    if items is not None:
        wanted = sorted(items)
        sql = f"SELECT point_id, item_id, quantity FROM {table} WHERE item_id IN "
        sql += f"({rows_sql.marks(wanted)}) AND quantity > 0"
    else:
        wanted = list(organisation_of)
        sql = f"SELECT point_id, item_id, quantity FROM {table} WHERE point_id IN "
        sql += f"({rows_sql.marks(wanted)}) AND quantity > 0"
    with connection.cursor() as cursor:
        cursor.execute(sql, wanted)
        found = cursor.fetchall()
    for point_id, item_id, units in found:
        org = organisation_of.get(point_id)
        if org is not None:
            by_item = totals[org]
            by_item[item_id] = by_item.get(item_id, 0) + units
    return totals


def _on_hand_by_category(
    points: dict[int, list[int]], categories: set[int]
) -> dict[int, dict[int, int]]:
    organisation_of = {pk: org for org, pks in points.items() for pk in pks}
    rows = (
        ItemBalance.objects.filter(
            point_id__in=list(organisation_of), quantity__gt=0, item__category_id__in=categories
        )
        .values("point_id", "item__category_id")
        .annotate(s=Sum("quantity"))
        .values_list("point_id", "item__category_id", "s")
        .order_by()
    )
    return _by_organisation(rows, organisation_of)


def _recent(points: list[int], today: dt.date) -> dict[int, int]:
    """Units of each item that came in (donated or bought, not reversed) in the last
    RECENT_DAYS days, today included: a row per day from the ledger's daily flows."""
    return dict(
        DailyFlow.objects.filter(
            point_id__in=points,
            kind__in=(Movement.Kind.DONATION, Movement.Kind.PURCHASE),
            day__gte=today - dt.timedelta(days=RECENT_DAYS - 1),
        )
        .values("item_id")
        .annotate(s=Sum("quantity"))
        .values_list("item_id", "s")
        .order_by()
    )


def _plan_shortages(organisations: list[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """Per organisation and item: units wanted and units short in its accepted plans (each
    plan keeps its coverage per item in its summary), accepted in the last PLAN_DAYS days."""
    totals: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    summaries = Plan.objects.filter(
        organisation_id__in=organisations,
        status=Plan.Status.ACCEPTED,
        accepted_at__gte=timezone.now() - dt.timedelta(days=PLAN_DAYS),
    ).values_list("organisation_id", "summary")
    for org, summary in summaries:
        for item_id, (wanted, planned) in (summary or {}).get("items", {}).items():
            if wanted > planned:
                totals[org][int(item_id)][0] += wanted
                totals[org][int(item_id)][1] += wanted - planned
    return {
        org: {item_id: (wanted, short) for item_id, (wanted, short) in totals[org].items()}
        for org in organisations
    }


_summing = threading.Lock()


def _kept_dues(points: dict[int, list[int]], now: dt.datetime) -> dict[int, dict[int, int]]:
    """The dues of each organisation, kept per process for WINDOW_SECONDS (see the module's
    docstring); those not kept are summed together."""
    keys = {org: f"needed-now-dues:{org}" for org in points}
    kept = cache.get_many(list(keys.values()))
    if len(kept) < len(keys):
        with _summing:  # one thread sums them; the others of the process wait and read
            kept = cache.get_many(list(keys.values()))
            missing = {org: pks for org, pks in points.items() if keys[org] not in kept}
            if missing:
                summed = _standard_dues(missing, timezone.localdate(now))
                fresh = {keys[org]: summed[org] for org in missing}
                cache.set_many(fresh, WINDOW_SECONDS)
                kept.update(fresh)
    return {org: kept[key] for org, key in keys.items()}


def _kept_recent(org: int, points: list[int], now: dt.datetime) -> dict[int, int]:
    key = f"needed-now-recent:{org}"
    recent = cache.get(key)
    if recent is None:
        with _summing:
            recent = cache.get(key)
            if recent is None:
                recent = _recent(points, timezone.localdate(now))
                cache.set(key, recent, WINDOW_SECONDS)
    return recent


def assess_many(
    organisations: list[int], *, now: dt.datetime | None = None, wanted_only: bool = False
) -> dict[int, dict]:
    """Figures per ("item", id) and ("category", id) for each organisation, read for all of
    them at once (a fixed number of queries for any number). wanted_only: only what may be
    urgent or needed (what something asks for), which reads the stock of those items alone and
    no intake at all: the network's page shows nothing else."""
    return _assess_with(
        organisations,
        _stock_points(organisations),
        _requested(organisations),
        _plan_shortages(organisations),
        now=now,
        wanted_only=wanted_only,
    )


def _assessed_levels(asks: Asks, *, wanted_only: bool) -> dict[int, dict]:
    """Each organisation's levels per key (those worth a line), from kept asks: the dues and
    intake from their windows, stock read now."""
    return _assess_with(
        asks.organisations,
        asks.stock_points,
        asks.requested,
        asks.shortages,
        now=None,
        wanted_only=wanted_only,
        levels_only=True,
    )


def _assess_with(
    organisations: list[int],
    points: dict[int, list[int]],
    requested: dict[int, tuple[dict, dict, set]],
    shortages: dict[int, dict[int, tuple[int, int]]],
    *,
    now: dt.datetime | None,
    wanted_only: bool,
    levels_only: bool = False,
) -> dict[int, dict]:
    now = now or timezone.now()
    dues = _kept_dues(points, now)
    if wanted_only:
        asked = set()
        for org in organisations:
            asked |= set(dues[org]) | set(requested[org][0]) | set(shortages[org])
        on_hand = _on_hand(points, asked)
    else:
        on_hand = _on_hand(points)
    categories = {pk for org in organisations for pk in requested[org][1]}
    category_stock = _on_hand_by_category(points, categories) if categories else {}
    result = {}
    for org in organisations:
        recent = {} if wanted_only else _kept_recent(org, points[org], now)
        result[org] = (_levels if levels_only else _figures)(
            dues[org],
            requested[org],
            on_hand.get(org, {}),
            recent,
            shortages[org],
            category_stock.get(org, {}),
            wanted_only=wanted_only,
        )
    return result


def _figures(
    dues, requested, on_hand, recent, shortages, category_stock, *, wanted_only: bool = False
) -> dict:
    requested_items, requested_categories, pressing = requested
    figures: dict = {}
    keys = set(dues) | set(requested_items) | set(shortages)
    if not wanted_only:
        # Stock nothing asks for can only be "please do not bring" (or no line at all).
        keys |= set(on_hand) | set(recent)
    for item_id in keys:
        key = ("item", item_id)
        plan_wanted, plan_short = shortages.get(item_id, (0, 0))
        figures[key] = Figures(
            demand=dues.get(item_id, 0) + requested_items.get(item_id, 0),
            on_hand=on_hand.get(item_id, 0),
            recent=recent.get(item_id, 0),
            pressing=key in pressing,
            plan_wanted=plan_wanted,
            plan_short=plan_short,
        )
    if requested_categories:
        came: dict[int, int] = defaultdict(int)
        if recent:
            category_of = dict(Item.objects.filter(pk__in=recent).values_list("pk", "category_id"))
            for item_id, units in recent.items():
                came[category_of.get(item_id)] += units
        for category_id, demand in requested_categories.items():
            key = ("category", category_id)
            figures[key] = Figures(
                demand, category_stock.get(category_id, 0), came[category_id], key in pressing
            )
    return figures


def _levels(
    dues, requested, on_hand, recent, shortages, category_stock, *, wanted_only: bool = False
) -> dict:
    """What _computed(_figures(...)) gives, without a Figures per line."""
    requested_items, requested_categories, pressing = requested
    levels: dict = {}
    keys = set(dues) | set(requested_items) | set(shortages)
    if not wanted_only:
        keys |= set(on_hand) | set(recent)
    no_plan = (0, 0)
    for item_id in keys:
        key = ("item", item_id)
        plan_wanted, plan_short = shortages.get(item_id, no_plan)
        level = _level(
            dues.get(item_id, 0) + requested_items.get(item_id, 0),
            on_hand.get(item_id, 0),
            recent.get(item_id, 0),
            key in pressing,
            plan_wanted,
            plan_short,
        )
        if level:
            levels[key] = level
    if requested_categories:
        figures = _figures({}, ({}, requested_categories, pressing), {}, recent, {}, category_stock)
        levels.update(_computed(figures))
    return levels


def assess(
    organisation: Organisation, *, now: dt.datetime | None = None, wanted_only: bool = False
) -> dict:
    """One organisation's figures (see assess_many)."""
    return assess_many([organisation.pk], now=now, wanted_only=wanted_only)[organisation.pk]


# ---------------------------------------------------------------- a point's list


def accepted_categories(point: Point) -> list[Category]:
    """What the point takes: the categories its coordinator chose, else every category."""
    page = PublicPage.objects.filter(point=point).first()
    chosen = list(page.accepts.all()) if page else []
    return chosen or list(Category.objects.all())


def _computed(figures: dict) -> dict:
    """The level of every line the figures call for (most items call for none)."""
    return {key: level for key, numbers in figures.items() if (level := level_for(numbers))}


def _overridden(computed: dict, override: NeedOverride) -> str | None:
    """A line's level with the coordinator's word on it: their level, else the computed one,
    else needed when pinned; None when the line is not shown at all."""
    if override.level:
        return override.level
    if override.pinned:
        return computed.get(_key(override), Level.NEEDED)
    return computed.get(_key(override))


def _key(override: NeedOverride) -> tuple[str, int]:
    return ("item", override.item_id) if override.item_id else ("category", override.category_id)


def _names(keys: set, *, standards: bool = False) -> tuple[dict, dict]:
    """Each item's (name in the page's language, category), read as plain values (a network
    page weighs a thousand items to show a few), and the categories. standards: the items of
    the active standards too."""
    lang = (get_language() or "hy")[:2]
    lang = lang if lang in ("hy", "ru", "en") else "en"
    item_ids = sorted(pk for kind, pk in keys if kind == "item")
    where = f"id IN ({rows_sql.marks(item_ids)})" if item_ids else ""
    if standards:
        also = f"id IN (SELECT item_id FROM {rows_sql.table(Standard)} WHERE active = %s)"
        where = f"{where} OR {also}" if where else also
    items = {}
    if where:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, name_{lang}, name_en, name_hy, category_id "
                f"FROM {rows_sql.table(Item)} WHERE {where}",
                [*item_ids, True] if standards else item_ids,
            )
            items = {pk: (name or en or hy, category) for pk, name, en, hy, category in cursor}
    category_ids = sorted(pk for kind, pk in keys if kind == "category")
    categories = {}
    if category_ids:
        where = f"t.id IN ({rows_sql.marks(category_ids)})"
        categories = {c.pk: c for c in rows_sql.load(Category, where, category_ids)}
    return items, categories


class _Picker:
    """Chooses a point's lines: pinned first, then most needed first and by name; at most so
    many of each level and of all. The organisation's lines are sorted once, not per point."""

    def __init__(
        self, computed: dict, items: dict, categories: dict, levels: tuple[str, ...] = tuple(Level)
    ) -> None:
        self.computed, self.items, self.categories = computed, items, categories
        self.by_level: dict[str, list[tuple]] = defaultdict(list)
        for key, level in computed.items():
            if level in levels:  # only the levels shown are picked from
                self.by_level[level].append(self.sort_key(key, level))
        for entries in self.by_level.values():
            entries.sort()

    def name(self, key: tuple[str, int]) -> str:
        kind, pk = key
        if kind == "item":
            return self.items[pk][0] if pk in self.items else ""
        return self.categories[pk].name if pk in self.categories else ""

    def category_of(self, key: tuple[str, int]) -> int | None:
        kind, pk = key
        return self.items.get(pk, (None, None))[1] if kind == "item" else pk

    def sort_key(self, key: tuple[str, int], level: str) -> tuple:
        return (LEVEL_RANK[level], self.name(key), key, level)

    def pick(
        self, overrides: dict, accepted: set[int] | None, shown_levels, per_level: int | None
    ) -> list[tuple]:
        """(key, level, override or None) of the lines shown, in order. Each level's list is
        read only as far as the point shows it."""
        levels = {key: _overridden(self.computed, o) for key, o in overrides.items()}
        levels = {key: level for key, level in levels.items() if level in shown_levels}
        pinned = sorted(
            self.sort_key(key, level)
            for key, level in levels.items()
            if level and overrides[key].pinned
        )
        others: dict[str, list[tuple]] = defaultdict(list)
        for key, level in levels.items():
            if level and not overrides[key].pinned:
                others[level].append(self.sort_key(key, level))
        shown: dict[str, int] = defaultdict(int)
        kept = []
        for _rank, name, key, level in pinned:
            if name:
                shown[level] += 1
                kept.append((key, level, overrides[key]))
        for level in sorted(shown_levels, key=LEVEL_RANK.__getitem__):
            room = min(SHOWN[level], per_level or SHOWN[level]) - shown[level]
            if room <= 0:
                continue
            computed = (e for e in self.by_level.get(level, ()) if e[2] not in overrides)
            for _rank, name, key, _level in heapq.merge(computed, sorted(others[level])):
                override = overrides.get(key)
                if not name or (
                    accepted and override is None and self.category_of(key) not in accepted
                ):
                    continue  # not in the catalogue any more, or not what the point takes
                kept.append((key, level, override))
                room -= 1
                if room == 0:
                    break
        return kept[:MAX_LINES]


@dataclass(frozen=True)
class Asks:
    """What some points' lists rest on besides stock and the window sums: each organisation's
    stock points, open requests and plans' shortages, the points' pins and accepted categories,
    and the names (in the active language) of what may be listed. None of it moves with a
    posting, so the network page keeps it for the page's MAX_AGE_SECONDS (kamavor.public.cache)
    and reads only stock again after a posting."""

    organisations: list[int]
    stock_points: dict[int, list[int]]
    requested: dict[int, tuple[dict, dict, set]]
    shortages: dict[int, dict[int, tuple[int, int]]]
    overrides: dict[int, dict]
    chosen: dict[int, set[int]]
    items: dict[int, tuple[str, int]]
    categories: dict[int, Category]


def read_asks(points: list[Point], *, names: bool = False) -> Asks:
    """Everything but stock and the window sums that the points' lists need (see Asks): a fixed
    number of queries for any number of points. names: also the names of all that may be
    listed (the standards' items included), for asks that are kept; else the lists read the
    names of what they show, once. Hand-written reads: each is a few dozen rows, and the ORM's
    compilation of a statement cost more than running it."""
    organisations = sorted({point.organisation_id for point in points})
    stock_points = _stock_points(organisations)
    requested = _requested(organisations)
    shortages = _plan_shortages(organisations)
    point_ids = sorted({point.pk for point in points})
    overrides: dict[int, dict] = defaultdict(dict)
    chosen: dict[int, set[int]] = defaultdict(set)
    if point_ids:
        where = f"t.point_id IN ({rows_sql.marks(point_ids)})"
        for o in rows_sql.load(NeedOverride, where, point_ids):
            overrides[o.point_id][_key(o)] = o
        accepts = PublicPage.accepts.through
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.point_id, a.category_id FROM {rows_sql.table(accepts)} a "
                f"JOIN {rows_sql.table(PublicPage)} t ON t.id = a.publicpage_id WHERE {where}",
                point_ids,
            )
            for point_id, category_id in cursor.fetchall():
                chosen[point_id].add(category_id)
    overrides, chosen = dict(overrides), dict(chosen)
    if not names:
        return Asks(organisations, stock_points, requested, shortages, overrides, chosen, {}, {})
    # Names of what may be listed: asked for, planned, pinned, due under a standard (a standard
    # added since is named when a list first shows it: pick_lines).
    keys = {("item", pk) for org in organisations for pk in requested[org][0]}
    keys |= {("category", pk) for org in organisations for pk in requested[org][1]}
    keys |= {("item", pk) for org in organisations for pk in shortages[org]}
    keys |= {key for by_key in overrides.values() for key in by_key}
    items, categories = _names(keys, standards=True)
    return Asks(
        organisations, stock_points, requested, shortages, overrides, chosen, items, categories
    )


def pick_lines(
    points: list[Point],
    asks: Asks,
    *,
    levels: tuple[str, ...] = tuple(Level),
    per_level: int | None = None,
) -> tuple[dict[int, list[tuple]], dict[int, tuple[str, int]], dict[int, Category]]:
    """Each point's picked lines, (key, level, override or None), from the kept asks and stock
    read now; and the names they were picked by (the asks, with any name they lacked)."""
    wanted_only = not ({Level.ENOUGH, Level.DO_NOT_BRING} & set(levels))
    computed = _assessed_levels(asks, wanted_only=wanted_only)
    missing = {key for by_key in computed.values() for key in by_key}
    missing |= {key for p in points for key in asks.overrides.get(p.pk, ())}
    missing = {
        (kind, pk)
        for kind, pk in missing
        if pk not in (asks.items if kind == "item" else asks.categories)
    }
    items, categories = asks.items, asks.categories
    if missing:  # asks read without names, or a standard added since they were read
        more_items, more_categories = _names(missing)
        items, categories = {**items, **more_items}, {**categories, **more_categories}
    pickers = {org: _Picker(found, items, categories, levels) for org, found in computed.items()}
    picked = {
        p.pk: pickers[p.organisation_id].pick(
            asks.overrides.get(p.pk, {}), asks.chosen.get(p.pk), levels, per_level
        )
        for p in points
    }
    return picked, items, categories


def needed_now_at(
    points: list[Point], *, levels: tuple[str, ...] = tuple(Level), per_level: int | None = None
) -> dict[int, list[Line]]:
    """Each point's list: computed levels with the coordinator's pins and overrides on top,
    limited to what the point accepts; only these levels, at most per_level lines of each. A
    fixed number of queries for any number of points."""
    picked, _items, categories = pick_lines(
        points, read_asks(points), levels=levels, per_level=per_level
    )
    items = Item.objects.in_bulk(
        {key[1] for lines in picked.values() for key, _level, _o in lines if key[0] == "item"}
    )
    return {
        point_id: [
            Line(
                item=items.get(pk) if kind == "item" else None,
                category=categories.get(pk) if kind == "category" else None,
                level=level,
                note=override.note if override else "",
                pinned=bool(override and override.pinned),
            )
            for (kind, pk), level, override in lines
        ]
        for point_id, lines in picked.items()
    }


def needed_names_at(
    points: list[Point], asks: Asks, *, levels: tuple[str, ...], per_level: int
) -> dict[int, list[tuple[str, str]]]:
    """Each point's lines as (level, name) only: what the network's page shows, from kept asks
    and stock read now, with no item read."""
    picked, items, categories = pick_lines(points, asks, levels=levels, per_level=per_level)
    return {
        point_id: [
            (level, items[pk][0] if kind == "item" else categories[pk].name)
            for (kind, pk), level, _override in lines
        ]
        for point_id, lines in picked.items()
    }


def needed_now(point: Point) -> list[Line]:
    """One point's list (see needed_now_at)."""
    return needed_now_at([point])[point.pk]
