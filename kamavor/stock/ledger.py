"""The ledger's core: find or open lots, move quantities, and make postings idempotent.

Only the stock services call these. A movement and its balance change are written in the same
transaction, and the balance update is a single conditional UPDATE, so two desks taking the last
units of a lot at the same moment cannot both succeed: the second sees the committed balance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import NotEnoughStock
from kamavor.core.idempotency import check_key, ensure_same_request
from kamavor.stock.models import (
    Balance,
    Document,
    IdempotencyRecord,
    ItemBalance,
    Lot,
    Movement,
)


def lot_for(*, item, point, expiry: dt.date | None, size: str, condition: str) -> Lot:
    """The lot with these attributes at the point, opened (with a zero balance) if new."""
    lookup = {
        "item": item,
        "point": point,
        "expiry": expiry,
        "size": size,
        "condition": condition,
    }
    lot = Lot.objects.filter(**lookup).first()
    if lot is not None:
        return lot
    try:
        with transaction.atomic():
            lot = Lot.objects.create(**lookup)
            Balance.objects.create(lot=lot, point=point, item=item, quantity=0)
            return lot
    except IntegrityError:
        # Another desk opened the same lot a moment ago.
        return Lot.objects.get(**lookup)


def lots_for(*, point, wanted: list[tuple]) -> list[Lot]:
    """The lots for (item, expiry, size, condition) at the point, in order, opening new ones.

    Existing lots are read in one query and new ones opened in two, so a ten-line donation
    does not ask ten times.
    """
    known = {
        (lot.item_id, lot.expiry, lot.size, lot.condition): lot
        for lot in Lot.objects.filter(point=point, item_id__in={item.pk for item, *_ in wanted})
    }
    missing = {}
    for item, expiry, size, condition in wanted:
        key = (item.pk, expiry, size, condition)
        if key not in known:
            missing[key] = (item, expiry, size, condition)
    if missing:
        known.update(_open_lots(point=point, wanted=list(missing.values())))
    return [known[(item.pk, expiry, size, condition)] for item, expiry, size, condition in wanted]


def _open_lots(*, point, wanted: list[tuple]) -> dict[tuple, Lot]:
    """Open new lots with zero balances together; one by one if another desk raced us."""
    try:
        with transaction.atomic():
            lots = Lot.objects.bulk_create(
                Lot(item=item, point=point, expiry=expiry, size=size, condition=condition)
                for item, expiry, size, condition in wanted
            )
            Balance.objects.bulk_create(
                Balance(lot=lot, point=point, item_id=lot.item_id, quantity=0) for lot in lots
            )
    except IntegrityError:
        lots = [
            lot_for(item=item, point=point, expiry=expiry, size=size, condition=condition)
            for item, expiry, size, condition in wanted
        ]
    return {(lot.item_id, lot.expiry, lot.size, lot.condition): lot for lot in lots}


def _change_balances(totals: dict[int, int]) -> dict[int, int]:
    """Add quantities to several lots' balances in one statement, none of which may go
    negative; the new balances of the lots that changed (a lot left out had too little)."""
    table = Balance._meta.db_table
    cases = " ".join("WHEN %s THEN %s" for _ in totals)
    params: list[int] = [value for pair in totals.items() for value in pair]
    placeholders = ", ".join("%s" for _ in totals)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET quantity = quantity + CASE lot_id {cases} END "
            f"WHERE lot_id IN ({placeholders}) AND quantity + CASE lot_id {cases} END >= 0 "
            "RETURNING lot_id, quantity",
            [*params, *totals, *params],
        )
        return {int(lot_id): int(quantity) for lot_id, quantity in cursor.fetchall()}


def _apply_delta(lot_id: int, delta: int) -> int | None:
    """Add delta to a lot's balance unless it would go negative; the new balance, or None."""
    table = Balance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET quantity = quantity + %s "
            "WHERE lot_id = %s AND quantity + %s >= 0 RETURNING quantity",
            [delta, lot_id, delta],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def on_hand(lot: Lot) -> int:
    return Balance.objects.filter(lot=lot).values_list("quantity", flat=True).first() or 0


@dataclass
class Posting:
    """Collects the movements of one document while its balances are updated."""

    document: Document
    by: object
    at: dt.datetime = field(default_factory=timezone.now)
    movements: list[Movement] = field(default_factory=list)

    def move(self, *, lot: Lot, delta: int, kind: str, line=None, reversal_of=None) -> Movement:
        new_balance = _apply_delta(lot.pk, delta)
        if new_balance is None:
            raise NotEnoughStock(
                _("Not enough stock of %(lot)s: %(available)d on hand, %(wanted)d needed.")
                % {"lot": lot, "available": on_hand(lot), "wanted": -delta}
            )
        movement = Movement(
            lot=lot,
            point_id=lot.point_id,
            item_id=lot.item_id,
            kind=kind,
            quantity=delta,
            balance_after=new_balance,
            document=self.document,
            line=line,
            reversal_of=reversal_of,
            by=self.by,
            at=self.at,
        )
        self.movements.append(movement)
        return movement

    def add_all(self, entries: list[tuple[Lot, int, str, object]]) -> None:
        """Post several incoming quantities (lot, positive delta, kind, line) at once: one
        balance update for all lots, each movement still with its own running balance."""
        if any(delta <= 0 for _lot, delta, _kind, _line in entries):
            raise ValueError("add_all posts incoming quantities only")
        self._move_all(entries)

    def take_all(self, entries: list[tuple[Lot, int, str, object]]) -> None:
        """Take several quantities (lot, negative delta, kind, line) out at once: one balance
        update for all lots; if any lot has too little, nothing is taken (NotEnoughStock)."""
        if any(delta >= 0 for _lot, delta, _kind, _line in entries):
            raise ValueError("take_all posts outgoing quantities only")
        self._move_all(entries)

    def _move_all(self, entries: list[tuple[Lot, int, str, object]]) -> None:
        """Entries of one sign: their running balances never cross zero between movements."""
        totals: dict[int, int] = {}
        lots: dict[int, Lot] = {}
        for lot, delta, _kind, _line in entries:
            totals[lot.pk] = totals.get(lot.pk, 0) + delta
            lots[lot.pk] = lot
        remaining = _change_balances(totals)
        short = [lots[pk] for pk in totals if pk not in remaining]
        if short:
            # The statement changed the other lots: the caller's transaction is rolled back.
            lot = short[0]
            raise NotEnoughStock(
                _("Not enough stock of %(lot)s: %(available)d on hand, %(wanted)d needed.")
                % {"lot": lot, "available": on_hand(lot), "wanted": -totals[lot.pk]}
            )
        afters = []
        for lot, delta, _kind, _line in reversed(entries):
            afters.append(remaining[lot.pk])
            remaining[lot.pk] -= delta
        for (lot, delta, kind, line), after in zip(entries, reversed(afters), strict=True):
            self.movements.append(
                Movement(
                    lot=lot,
                    point_id=lot.point_id,
                    item_id=lot.item_id,
                    kind=kind,
                    quantity=delta,
                    balance_after=after,
                    document=self.document,
                    line=line,
                    by=self.by,
                    at=self.at,
                )
            )

    def save(self) -> None:
        """Write the movements and add what they changed to the points' item balances."""
        Movement.objects.bulk_create(self.movements)
        _add_to_item_balances(item_balance_changes(self.movements))


def item_balance_changes(movements: list[Movement]) -> dict[tuple[int, int], tuple[int, int]]:
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


def _add_to_item_balances(changes: dict[tuple[int, int], tuple[int, int]]) -> None:
    """Add the changes to the item balances, in key order so that concurrent postings lock
    the rows in the same order: rows that only grow may be new (one upsert), rows that shrink
    exist already (one update); the table's check refuses a negative row, even proposed."""
    growing = sorted((k, v) for k, v in changes.items() if min(v) >= 0)
    shrinking = sorted((k, v) for k, v in changes.items() if min(v) < 0)
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
            if cursor.rowcount != len(shrinking):
                raise RuntimeError("an item balance to take from is missing")


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


def _replay(*, by, key: str, print_: str) -> Document | None:
    record = IdempotencyRecord.objects.filter(user=by, key=key).select_related("document").first()
    if record is None:
        return None
    ensure_same_request(record.fingerprint, print_)
    return record.document


def idempotent(*, by, key: str | None, request: object, work: Callable[[], Document]) -> Document:
    """Run `work` in one transaction once per (user, key); a repeat returns the first document.

    The same key with a different request is refused. Two concurrent requests with one key:
    the loser's transaction rolls back on the unique key and it returns the winner's document.
    """
    key = check_key(key)
    print_ = fingerprint(request)
    try:
        with transaction.atomic():
            if key is not None:
                earlier = _replay(by=by, key=key, print_=print_)
                if earlier is not None:
                    return earlier
            document = work()
            if key is not None:
                IdempotencyRecord.objects.create(
                    user=by, key=key, fingerprint=print_, document=document
                )
            return document
    except IntegrityError:
        if key is not None:
            earlier = _replay(by=by, key=key, print_=print_)
            if earlier is not None:
                return earlier
        raise
