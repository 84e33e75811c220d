"""The ledger's core: find or open lots, move quantities, and make postings idempotent.

Only the stock services call these. A movement and its balance change are written in the same
transaction, and the balance update is a single conditional UPDATE, so two desks taking the last
units of a lot at the same moment cannot both succeed: the second sees the committed balance.

Lock order. Every posting takes its locks in one global order, so two postings never wait for
each other in a circle (a deadlock): first its idempotency key, then the new lots it opens (in
key order), then the lots' balances (by lot id), then the points' item balances (by point and
item), then the daily flows (by point, item, day and kind), then their roll-up per point
and day (by point, day and kind). A deadlock that happens anyway
(another kind of write) is retried as a whole by `kamavor.core.transactions.in_transaction`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core import rows
from kamavor.core.errors import NotEnoughStock
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.stock.models import (
    Balance,
    DailyFlow,
    Document,
    IdempotencyRecord,
    ItemBalance,
    Lot,
    Movement,
)
from kamavor.stock.rollups import (
    add_hand_out_months,
    add_point_day_flows,
    rebuild_hand_out_months,
    rebuild_point_day_flows,
    upsert_adding,
)

LotKey = tuple  # (item id, expiry, size, condition)


def _sort_key(key: LotKey) -> tuple:
    item_id, expiry, size, condition = key
    return (item_id, expiry is None, expiry or dt.date.min, size, condition)


def lot_for(*, item, point, expiry: dt.date | None, size: str, condition: str) -> Lot:
    """The lot with these attributes at the point, opened (with a zero balance) if new."""
    return lots_for(point=point, wanted=[(item, expiry, size, condition)])[0]


def existing_lots(*, point, items, keys: Collection[LotKey] | None = None) -> dict[LotKey, Lot]:
    """The point's loose lots (in no container) of these items by key (only those of `keys`,
    when given). Lots are never deleted, so a posting may read them before its transaction and
    open only the missing ones inside it. A busy point holds dozens of lots of an item (one
    per expiry date): with `keys`, only lots of their expiry dates (or none) are read, and only
    the wanted ones are made into models."""
    items = list(items)
    item_ids = sorted({item.pk for item in items})
    if not item_ids:
        return {}
    dates = None if keys is None else {key[1] for key in keys} - {None}
    read_along = [getattr(item, LOTS_READ_ALONG, None) for item in items]
    if all(_reads_along(along, point, dates) for along in read_along):
        lot_rows = [row for along in read_along for row in along[1]]  # (kamavor.stock.api)
    else:
        where, params = lots_of_dates("t", dates)
        among, item_params = rows.one_of("t.item_id", item_ids)
        sql = (
            f"SELECT {rows.columns(Lot, 't')} FROM {rows.table(Lot)} t "
            f"WHERE t.point_id = %s AND t.container_id IS NULL AND {among}{where}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [point.pk, *item_params, *params])
            lot_rows = cursor.fetchall()
    fields = [field.attname for field in Lot._meta.concrete_fields]
    at = [fields.index(name) for name in ("item_id", "expiry", "size", "condition")]
    expiry = rows.converter(Lot._meta.get_field("expiry"))
    found = {}
    for row in lot_rows:
        key = (row[at[0]], expiry(row[at[1]]), row[at[2]], row[at[3]])
        if keys is None or key in keys:
            found[key] = rows.instance(Lot, row)
    return found


def lots_of_dates(alias: str, dates: Collection[dt.date] | None) -> tuple[str, list]:
    """SQL (` AND …`) keeping the lots of `alias` that expire on one of `dates` or never
    (everything when `dates` is None), with its parameters."""
    if dates is None:
        return "", []
    ordered = sorted(dates)
    params = [connection.ops.adapt_datefield_value(date) for date in ordered]
    if not ordered:
        return f" AND {alias}.expiry IS NULL", []
    among, params = rows.one_of(f"{alias}.expiry", params, "date")
    return f" AND ({alias}.expiry IS NULL OR {among})", params


def _reads_along(along, point, dates: set | None) -> bool:
    """Whether lots read along with an item (point id, raw rows, their expiry dates or None
    for all) hold every lot of these dates at the point."""
    if along is None or along[0] != point.pk:
        return False
    return along[2] is None or (dates is not None and dates <= along[2])


# An item read with its loose lots at a point (kamavor.stock.api reads the items of a posting
# and their lots in one statement) carries (point id, the lots' raw rows, the expiry dates
# they were read for or None for all) under this name; existing_lots then asks the database
# nothing more.
LOTS_READ_ALONG = "_loose_lot_rows"


def lots_for(*, point, wanted: list[tuple], known: dict[LotKey, Lot] | None = None) -> list[Lot]:
    """The lots for (item, expiry, size, condition) at the point, in order, opening new ones.

    Existing lots are read in one query (unless `known` from `existing_lots` is given) and new
    ones opened in two, in key order (so that two postings opening the same new lots wait for
    each other in the same order).
    """
    if known is None:
        known = existing_lots(point=point, items=[item for item, *_ in wanted])
    known = dict(known)
    missing = {}
    for item, expiry, size, condition in wanted:
        key = (item.pk, expiry, size, condition)
        if key not in known:
            missing[key] = (item, expiry, size, condition)
    if missing:
        ordered = [missing[key] for key in sorted(missing, key=_sort_key)]
        known.update(_open_lots(point=point, wanted=ordered))
    return [known[(item.pk, expiry, size, condition)] for item, expiry, size, condition in wanted]


def _open_lots(*, point, wanted: list[tuple]) -> dict[tuple, Lot]:
    """Open new lots with zero balances together, with no savepoint: a lot another desk opened
    meanwhile is skipped by the INSERT (on PostgreSQL after waiting for that desk's
    transaction) and read as it is. PostgreSQL writes the lots and their balances in one
    statement."""
    new = [
        Lot(item=item, point=point, expiry=expiry, size=size, condition=condition)
        for item, expiry, size, condition in wanted
    ]
    names, marks, params = rows.values(new)
    returned = ", ".join(connection.ops.quote_name(f.column) for f in Lot._meta.concrete_fields)
    insert = (
        f"INSERT INTO {rows.table(Lot)} ({names}) VALUES {marks} "
        f"ON CONFLICT DO NOTHING RETURNING {returned}"
    )
    balances = f"INSERT INTO {rows.table(Balance)} (lot_id, point_id, item_id, expiry, quantity) "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"WITH new AS ({insert}), balances AS ({balances}"
            cursor.execute(
                sql + "SELECT id, point_id, item_id, expiry, 0 FROM new) SELECT * FROM new", params
            )
            lots = [rows.instance(Lot, row) for row in cursor.fetchall()]
        else:
            cursor.execute(insert, params)
            lots = [rows.instance(Lot, row) for row in cursor.fetchall()]
            if lots:
                cursor.execute(
                    balances + "VALUES " + ", ".join("(%s, %s, %s, %s, 0)" for _ in lots),
                    [
                        v
                        for lot in lots
                        for v in (
                            lot.pk,
                            lot.point_id,
                            lot.item_id,
                            connection.ops.adapt_datefield_value(lot.expiry),
                        )
                    ],
                )
    opened = {(lot.item_id, lot.expiry, lot.size, lot.condition): lot for lot in lots}
    for item, expiry, size, condition in wanted:
        key = (item.pk, expiry, size, condition)
        if key not in opened:  # another desk opened it a moment ago
            opened[key] = _one_lot(point=point, wanted=(item, expiry, size, condition))
    return opened


def _one_lot(*, point, wanted: tuple) -> Lot:
    item, expiry, size, condition = wanted
    lookup = {"item": item, "point": point, "expiry": expiry, "size": size, "container": None}
    lot = Lot.objects.filter(**lookup, condition=condition).first()
    if lot is not None:
        return lot
    try:
        with transaction.atomic():
            lot = Lot.objects.create(**lookup, condition=condition)
            Balance.objects.create(lot=lot, point=point, item=item, expiry=expiry, quantity=0)
            return lot
    except IntegrityError:
        # Another desk opened the same lot a moment ago.
        return Lot.objects.get(**lookup, condition=condition)


def container_lots_for(*, point, container, wanted: list[tuple]) -> list[Lot]:
    """The container's lots for (item id, expiry, size, condition) at the point, in order,
    opening the missing ones (with zero balances) one by one in key order."""
    known = {
        (lot.item_id, lot.expiry, lot.size, lot.condition): lot
        for lot in Lot.objects.filter(point=point, container=container)
    }
    for key in sorted({tuple(x) for x in wanted} - set(known), key=_sort_key):
        item_id, expiry, size, condition = key
        lookup = {"item_id": item_id, "point": point, "container": container}
        lookup.update(expiry=expiry, size=size, condition=condition)
        try:
            with transaction.atomic():
                lot = Lot.objects.create(**lookup)
                Balance.objects.create(
                    lot=lot, point=point, item_id=item_id, expiry=expiry, quantity=0
                )
        except IntegrityError:  # another desk opened it a moment ago
            lot = Lot.objects.get(**lookup)
        known[key] = lot
    return [known[tuple(x)] for x in wanted]


def _change_balances(changes: dict[int, tuple[int, int]]) -> dict[int, int]:
    """Add to several lots' balances in one statement: lot id → (units to add, lowest point
    the running balance reaches within the posting, 0 or less). A lot whose balance would dip
    below zero is left out; the new balances of the lots that changed.

    On PostgreSQL the rows are locked first in lot id order (the global lock order); SQLite
    has one writer at a time and needs no row locks."""
    table = Balance._meta.db_table
    lot_ids = sorted(changes)
    if connection.vendor == "postgresql":  # one statement's text for any number of lots
        sql = (
            f"WITH locked AS MATERIALIZED (SELECT lot_id FROM {table} "
            "WHERE lot_id = ANY(%s::bigint[]) ORDER BY lot_id FOR UPDATE), "
            "c AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) "
            "AS c(lot_id, total, low)) "
            f"UPDATE {table} b SET quantity = b.quantity + c.total FROM c "
            "WHERE b.lot_id = c.lot_id AND c.lot_id IN (SELECT lot_id FROM locked) "
            "AND b.quantity + c.low >= 0 RETURNING b.lot_id, b.quantity"
        )
        ids = rows.array(lot_ids)
        params = [
            ids,
            ids,
            rows.array(changes[lot_id][0] for lot_id in lot_ids),
            rows.array(changes[lot_id][1] for lot_id in lot_ids),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {int(lot_id): int(quantity) for lot_id, quantity in cursor.fetchall()}
    marks = ", ".join("%s" for _ in lot_ids)
    cases = " ".join("WHEN %s THEN %s" for _ in lot_ids)
    totals = [v for lot_id in lot_ids for v in (lot_id, changes[lot_id][0])]
    lows = [v for lot_id in lot_ids for v in (lot_id, changes[lot_id][1])]
    sql = (
        f"UPDATE {table} SET quantity = quantity + CASE lot_id {cases} END "
        f"WHERE lot_id IN ({marks}) AND quantity + CASE lot_id {cases} END >= 0 "
        "RETURNING lot_id, quantity"
    )
    params = [*totals, *lot_ids, *lows]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(lot_id): int(quantity) for lot_id, quantity in cursor.fetchall()}


def on_hand(lot: Lot) -> int:
    return Balance.objects.filter(lot=lot).values_list("quantity", flat=True).first() or 0


def _short(lot: Lot, wanted: int) -> NotEnoughStock:
    return NotEnoughStock(
        _("Not enough stock of %(lot)s: %(available)d on hand, %(wanted)d needed.")
        % {"lot": lot, "available": on_hand(lot), "wanted": wanted}
    )


@dataclass
class Posting:
    """Collects the movements of one document, then writes them with their balances at once.

    `move` (and `add_all`, `take_all`) only queue; `save` updates every lot's balance in one
    statement (locking the lots in id order), stamps the movements with the time taken after
    those locks (so each lot's history in time order chains its running balances), writes them
    and adds what they changed to the points' item balances and to the daily flows. With
    `by_line`, each movement belongs to its line's document instead of the posting's: one
    posting then writes two documents' movements at once (a sorted donation and the disposal
    of what was set aside)."""

    document: Document
    by: object
    at: dt.datetime | None = None
    by_line: bool = False
    entries: list[tuple] = field(default_factory=list)
    movements: list[Move] = field(default_factory=list)

    def move(self, *, lot: Lot, delta: int, kind: str, line=None, reversal_of=None) -> None:
        self.entries.append((lot, delta, kind, line, reversal_of))

    def add_all(self, entries: list[tuple[Lot, int, str, object]]) -> None:
        """Queue several incoming quantities (lot, positive delta, kind, line)."""
        if any(delta <= 0 for _lot, delta, _kind, _line in entries):
            raise ValueError("add_all posts incoming quantities only")
        self.entries.extend((lot, delta, kind, line, None) for lot, delta, kind, line in entries)

    def take_all(self, entries: list[tuple[Lot, int, str, object]]) -> None:
        """Queue several outgoing quantities (lot, negative delta, kind, line)."""
        if any(delta >= 0 for _lot, delta, _kind, _line in entries):
            raise ValueError("take_all posts outgoing quantities only")
        self.entries.extend((lot, delta, kind, line, None) for lot, delta, kind, line in entries)

    def save(self, *, also: Sequence[Callable[[], object]] = ()) -> None:
        """Post what was queued; NotEnoughStock (and nothing kept) if a lot has too little.
        `also` are the caller's own writes whose answers nothing reads (a roll-up, a last
        activity): they run after the posting's, in its one round trip, and may read `at`."""
        if not self.entries:
            self.at = self.at or timezone.now()
            for write in also:
                write()
            return
        changes: dict[int, tuple[int, int]] = {}
        lots: dict[int, Lot] = {}
        for lot, delta, *_rest in self.entries:
            total, low = changes.get(lot.pk, (0, 0))
            changes[lot.pk] = (total + delta, min(low, total + delta))
            lots[lot.pk] = lot
        remaining = _change_balances(changes)
        short = [pk for pk in sorted(changes) if pk not in remaining]
        if short:
            # The statement changed the other lots: the caller's transaction is rolled back.
            raise _short(lots[short[0]], -changes[short[0]][1])
        if self.at is None:  # (a test may backdate a posting by giving its time)
            self.at = timezone.now()  # after the balances are locked: see the docstring
        afters = []
        for lot, delta, *_rest in reversed(self.entries):
            afters.append(remaining[lot.pk])
            remaining[lot.pk] -= delta
        at = connection.ops.adapt_datetimefield_value(self.at)
        document_id, by_id = self.document.pk, self.by.pk
        self.movements = [
            Move(
                lot.pk,
                lot.point_id,
                lot.item_id,
                kind,
                delta,
                after,
                line.document_id if self.by_line else document_id,
                None if line is None else line.pk,
                None if reversal_of is None else reversal_of.pk,
                by_id,
                at,
            )
            for (lot, delta, kind, line, reversal_of), after in zip(
                self.entries, reversed(afters), strict=True
            )
        ]
        flows = self._daily_flow_changes()
        with in_one_round_trip() as later:
            _insert_movements(self.movements)
            later.append(_add_to_item_balances(item_balance_changes(self.movements)))
            _add_to_daily_flows(flows)
            add_point_day_flows(flows)
            add_hand_out_months(flows)
            for write in also:
                write()
        for check in later:
            check()

    def _daily_flow_changes(self) -> dict[tuple[int, int, dt.date, str], int]:
        """Per (point, item, day, kind): the units moved; a reversal counts under the day and
        kind of the movement it reverses (see DailyFlow)."""
        today = timezone.localdate(self.at)
        changes: dict[tuple[int, int, dt.date, str], int] = defaultdict(int)
        for lot, delta, kind, _line, reversal_of in self.entries:
            if reversal_of is None:
                changes[(lot.point_id, lot.item_id, today, kind)] += delta
            else:
                day = timezone.localdate(reversal_of.at)
                changes[(lot.point_id, lot.item_id, day, reversal_of.kind)] += delta
        return {key: units for key, units in changes.items() if units}


class Move(NamedTuple):
    """A movement's row as written (one INSERT for all of a posting's movements)."""

    lot_id: int
    point_id: int
    item_id: int
    kind: str
    quantity: int
    balance_after: int
    document_id: int
    line_id: int | None
    reversal_of_id: int | None
    by_id: int
    at: object  # the time, adapted for the database


def _insert_movements(moves: list[Move]) -> None:
    columns = ", ".join(Move._fields)
    if connection.vendor == "postgresql":
        # One array per column: the statement's text stays the same (prepared once).
        arrays = rows.arrays(Movement, Move._fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Movement._meta.db_table} ({columns}) SELECT * FROM unnest({arrays})",
                [rows.array(column) for column in zip(*moves, strict=True)],
            )
        return
    marks = "(" + ", ".join("%s" for _ in Move._fields) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(moves), 500):  # well within SQLite's limit of parameters
            batch = moves[start : start + 500]
            cursor.execute(
                f"INSERT INTO {Movement._meta.db_table} ({columns}) VALUES "
                + ", ".join(marks for _ in batch),
                [value for row in batch for value in row],
            )


@contextmanager
def in_one_round_trip() -> Iterator[list[Callable[[], None]]]:
    """On PostgreSQL, send the statements run inside together and wait once for all their
    answers (psycopg's pipeline mode), instead of a round trip for each: for statements whose
    results nothing inside reads. They run in the order sent, so the ledger's lock order holds;
    an error of any of them is raised at the end of the block, as Django's error (so that a
    deadlock is retried as a whole). Checks of their results go in the list yielded, to be run
    after the block. Elsewhere the statements simply run one by one."""
    later: list[Callable[[], None]] = []
    if connection.vendor != "postgresql":
        yield later
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield later


def item_balance_changes(movements: list[Move]) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (point, item): the units these movements added, and the lots they filled (or, if
    negative, emptied), from each lot's balance before its first movement and after its last."""
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    where: dict[int, tuple[int, int]] = {}
    for m in movements:
        before.setdefault(m.lot_id, m.balance_after - m.quantity)
        after[m.lot_id] = m.balance_after
        where[m.lot_id] = (m.point_id, m.item_id)
    changes: dict[tuple[int, int], tuple[int, int]] = {}
    for lot_id, key in where.items():
        units, lots = changes.get(key, (0, 0))
        filled = int(after[lot_id] > 0) - int(before[lot_id] > 0)
        changes[key] = (units + after[lot_id] - before[lot_id], lots + filled)
    return {key: change for key, change in changes.items() if change != (0, 0)}


def _add_to_item_balances(
    changes: dict[tuple[int, int], tuple[int, int]],
) -> Callable[[], None]:
    """Add the changes to the item balances in (point, item) order, the global lock order:
    rows that only grow may be new (one upsert), rows that shrink exist already (one update);
    the table's check refuses a negative row, even proposed. When a posting has both (a kit
    build), PostgreSQL first locks the existing rows of both in that order. Returns the check
    that every row to take from was there (run it once the statements' answers are in)."""
    growing = sorted((k, v) for k, v in changes.items() if min(v) >= 0)
    shrinking = sorted((k, v) for k, v in changes.items() if min(v) < 0)
    if connection.vendor == "postgresql":
        return _add_to_item_balances_in_arrays(growing, shrinking)
    table = ItemBalance._meta.db_table
    with connection.cursor() as cursor:
        if growing:
            values = ", ".join("(%s, %s, %s, %s)" for _ in growing)
            cursor.execute(
                f"INSERT INTO {table} (point_id, item_id, quantity, lots) VALUES {values} "
                "ON CONFLICT (point_id, item_id) DO UPDATE SET "
                f"quantity = {table}.quantity + excluded.quantity, "
                f"lots = {table}.lots + excluded.lots",
                [v for (point, item), (units, lots) in growing for v in (point, item, units, lots)],
            )
        if shrinking:
            which = " ".join("WHEN point_id = %s AND item_id = %s THEN %s" for _ in shrinking)
            rows = " OR ".join("(point_id = %s AND item_id = %s)" for _ in shrinking)
            keys = [v for (point, item), _change in shrinking for v in (point, item)]
            units = [v for (point, item), (n, _lots) in shrinking for v in (point, item, n)]
            lots = [v for (point, item), (_n, n) in shrinking for v in (point, item, n)]
            cursor.execute(
                f"UPDATE {table} SET quantity = quantity + CASE {which} END, "
                f"lots = lots + CASE {which} END WHERE {rows}",
                [*units, *lots, *keys],
            )
            _check_taken_from(cursor.rowcount, len(shrinking))
    return _nothing_to_check


def _nothing_to_check() -> None:
    return None


def _check_taken_from(updated: int, wanted: int) -> None:
    if updated != wanted:
        raise RuntimeError("an item balance to take from is missing")


def _add_to_item_balances_in_arrays(
    growing: list[tuple], shrinking: list[tuple]
) -> Callable[[], None]:
    """`_add_to_item_balances` on PostgreSQL, with one array per column (the same statements'
    texts for any number of rows, prepared once per connection). The rows to take from are
    locked in (point, item) order first, with those to add to when a posting has both."""
    table = ItemBalance._meta.db_table
    arrays = rows.arrays(ItemBalance, ("point_id", "item_id", "quantity", "lots"))
    keys_arrays = rows.arrays(ItemBalance, ("point_id", "item_id"))

    def columns(changes: list[tuple]) -> list[str]:
        return [
            rows.array(point for (point, _item), _change in changes),
            rows.array(item for (_point, item), _change in changes),
            rows.array(units for _key, (units, _lots) in changes),
            rows.array(lots for _key, (_units, lots) in changes),
        ]

    with connection.cursor() as cursor:
        if growing and shrinking:
            keys = sorted(key for key, _change in (*growing, *shrinking))
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE (point_id, item_id) IN "
                f"(SELECT * FROM unnest({keys_arrays})) "
                "ORDER BY point_id, item_id FOR UPDATE",
                [rows.array(point for point, _item in keys), rows.array(i for _p, i in keys)],
            )
        if growing:
            cursor.execute(
                f"INSERT INTO {table} (point_id, item_id, quantity, lots) "
                f"SELECT * FROM unnest({arrays}) "
                "ON CONFLICT (point_id, item_id) DO UPDATE SET "
                f"quantity = {table}.quantity + excluded.quantity, "
                f"lots = {table}.lots + excluded.lots",
                columns(growing),
            )
    if not shrinking:
        return _nothing_to_check
    # Its own cursor, kept open: in a pipeline its row count is known only once answered.
    cursor = connection.cursor()
    cursor.execute(
        f"WITH c AS (SELECT * FROM unnest({arrays}) AS c(point_id, item_id, units, lots)), "
        f"locked AS MATERIALIZED (SELECT t.id FROM {table} t JOIN c "
        "ON t.point_id = c.point_id AND t.item_id = c.item_id "
        "ORDER BY t.point_id, t.item_id FOR UPDATE OF t) "
        f"UPDATE {table} t SET quantity = t.quantity + c.units, lots = t.lots + c.lots "
        "FROM c WHERE t.point_id = c.point_id AND t.item_id = c.item_id "
        "AND t.id IN (SELECT id FROM locked)",
        columns(shrinking),
    )

    def check() -> None:
        try:
            _check_taken_from(cursor.rowcount, len(shrinking))
        finally:
            cursor.close()

    return check


def _add_to_daily_flows(changes: dict[tuple[int, int, dt.date, str], int]) -> None:
    """Add the changes to the daily flows in one upsert, in (point, item, day, kind) order, so
    two postings that touch the same rows lock them in the same order."""
    rows = sorted((*key, units) for key, units in changes.items())
    columns = ("point_id", "item_id", "day", "kind")
    upsert_adding(DailyFlow, columns, "kind, day, point_id, item_id", rows)


def daily_flow_sums(movements) -> list[tuple[int, int, dt.date, str, int]]:
    """(point, item, day, kind, units) summed from these movements (a Movement queryset) as
    the ledger keeps them in DailyFlow: a reversal under its original's day and kind."""
    return [
        row
        for row in movements.annotate(
            flow_day=TruncDate(Coalesce(F("reversal_of__at"), F("at"))),
            flow_kind=Coalesce(F("reversal_of__kind"), F("kind")),
        )
        .values("point_id", "item_id", "flow_day", "flow_kind")
        .annotate(units=Sum("quantity"))
        .values_list("point_id", "item_id", "flow_day", "flow_kind", "units")
        .order_by()
        if row[4]
    ]


def rebuild_daily_flows() -> int:
    """Sum the daily flows (and their roll-ups per point and day, and per month of hand-outs)
    again from the movements, after a bulk load that wrote movements directly; the number of
    daily flows written."""
    DailyFlow.objects.all().delete()
    rows = daily_flow_sums(Movement.objects.all())
    DailyFlow.objects.bulk_create(
        (
            DailyFlow(point_id=point, item_id=item, day=day, kind=kind, quantity=units)
            for point, item, day, kind, units in rows
        ),
        batch_size=2000,
    )
    rebuild_point_day_flows()
    rebuild_hand_out_months()
    return len(rows)


def rebuild_item_balances() -> int:
    """Sum every point's item balances again from the lots' balances (after a bulk load that
    wrote balances directly); the number of rows written."""
    table = ItemBalance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (point_id, item_id, quantity, lots) "
            "SELECT point_id, item_id, SUM(quantity), "
            "SUM(CASE WHEN quantity > 0 THEN 1 ELSE 0 END) "
            f"FROM {Balance._meta.db_table} GROUP BY point_id, item_id"
        )
        return cursor.rowcount


def fingerprint(data: object) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


class Claim:
    """Claims a posting's idempotency key for its document: the posting's first write after the
    document itself, before any lot or balance is touched (see kamavor.core.idempotency)."""

    def __init__(self, *, by, key: str | None, fingerprint: str):
        self.by, self.key, self.fingerprint = by, key, fingerprint
        self.done = key is None

    def __call__(self, document: Document) -> None:
        if self.key is None or self.done:
            return
        table = IdempotencyRecord._meta.db_table
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, key, fingerprint, document_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                [self.by.pk, self.key, self.fingerprint, document.pk, now],
            )
        self.done = True


def _replay(*, by, key: str, print_: str) -> Document | None:
    record = IdempotencyRecord.objects.filter(user=by, key=key).select_related("document").first()
    if record is None:
        return None
    ensure_same_request(record.fingerprint, print_)
    return record.document


def idempotent(
    *,
    by,
    key: str | None,
    request: object,
    work: Callable[[Claim], Document],
    savepoint: bool = True,
) -> Document:
    """Run `work` in one transaction once per (user, key); a repeat returns the first document.

    `work` calls its claim with the document as soon as it has one (created, or locked for a
    send or receipt). A repeat waits for the first request to finish, then answers its document;
    the same key with a different request is refused. A deadlock reruns the whole unit.

    Without a key, inside a transaction whose owner rolls back on any error (`savepoint`
    False), `work` runs in that transaction without a savepoint of its own (two round trips
    fewer); an error still marks the whole transaction for rollback.
    """
    key = check_key(key)
    if key is None and not savepoint and connection.in_atomic_block:
        with transaction.atomic(savepoint=False):
            return work(Claim(by=by, key=None, fingerprint=""))
    print_ = fingerprint(request) if key is not None else ""

    def unit() -> Document:
        claim = Claim(by=by, key=key, fingerprint=print_)
        document = work(claim)
        if not claim.done:
            raise RuntimeError("the posting never claimed its idempotency key")
        return document

    replay = None if key is None else (lambda: _replay(by=by, key=key, print_=print_))
    return run_once(unit=unit, replay=replay)
