"""The money ledger's core: move fund balances with their entries, idempotently.

Only the money services call these. An entry and its fund's balance change are written in the
same transaction, and the balance changes in one guarded UPDATE (`amount + delta >= -advance`),
so two treasurers spending the last of a fund at the same moment cannot both succeed: the second
waits for the first's row lock, then sees the committed balance and is refused.

Lock order (docs/money.md): the idempotency key first, then the stock rows a purchase touches
(the stock ledger's own order), then the funds' balances in fund id order, then the funds'
totals per kind in (fund, kind) order. A deadlock that
happens anyway is retried as a whole by `kamavor.core.transactions.in_transaction`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from kamavor.core.errors import KamavorError
from kamavor.core.idempotency import check_key, ensure_same_request, run_once
from kamavor.money.models import Entry, Fund, FundBalance, FundTotal, MoneyKey, Record

T = TypeVar("T")


class NotEnoughMoney(KamavorError):
    code = "not_enough_money"
    status = 409


def fingerprint(data: object) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def change_balances(changes: dict[int, int]) -> dict[int, int]:
    """Add to funds' balances (fund id → minor units), locking them in fund id order; the new
    balances. NotEnoughMoney (and the caller's transaction rolled back) when one would go below
    zero beyond the advance its coordinator allowed."""
    table = FundBalance._meta.db_table
    balances = {}
    with connection.cursor() as cursor:
        for fund_id in sorted(changes):
            delta = changes[fund_id]
            cursor.execute(
                f"UPDATE {table} SET amount = amount + %s "
                "WHERE fund_id = %s AND amount + %s >= -advance RETURNING amount",
                [delta, fund_id, delta],
            )
            row = cursor.fetchone()
            if row is None:
                fund = Fund.objects.select_related("currency").get(pk=fund_id)
                held = FundBalance.objects.get(fund_id=fund_id).amount
                raise NotEnoughMoney(
                    _("Not enough money in %(fund)s: %(held)s held, %(wanted)s needed.")
                    % {
                        "fund": fund.name,
                        "held": fund.currency.show(held),
                        "wanted": fund.currency.show(-delta),
                    }
                )
            balances[fund_id] = int(row[0])
    return balances


def post_entries(record: Record, entries: list[tuple[Fund, int, str]]) -> list[Entry]:
    """Write a record's entries (fund, signed minor units, kind) with their balances."""
    return post_lines(record, [(fund, amount, kind, kind, None) for fund, amount, kind in entries])


def post_lines(record: Record, lines: list[tuple]) -> list[Entry]:
    """Entries given as (fund, amount, kind, counts_as, reversal_of): balances first (locked in
    fund id order), then the time, then the entries, so a fund's entries in time order chain
    their running balances."""
    changes: dict[int, int] = {}
    for fund, amount, *_rest in lines:
        changes[fund.pk] = changes.get(fund.pk, 0) + amount
    balances = change_balances(changes)
    at = timezone.now()
    # Running balances within the record: work back from each fund's new balance.
    running = dict(balances)
    after = []
    for fund, amount, *_rest in reversed(lines):
        after.append(running[fund.pk])
        running[fund.pk] -= amount
    after.reverse()
    entries = Entry.objects.bulk_create(
        Entry(
            record=record,
            fund=fund,
            kind=kind,
            amount=amount,
            counts_as=counts_as,
            reversal_of=reversal_of,
            balance_after=balance,
            at=at,
        )
        for (fund, amount, kind, counts_as, reversal_of), balance in zip(lines, after, strict=True)
    )
    totals: dict[tuple[int, str], int] = {}
    for fund, amount, _kind, counts_as, _reversal_of in lines:
        totals[(fund.pk, counts_as)] = totals.get((fund.pk, counts_as), 0) + amount
    add_to_totals(totals)
    return entries


def add_to_totals(totals: dict[tuple[int, str], int]) -> None:
    """Add to the funds' totals per kind, in (fund, kind) order, in one upsert."""
    table = FundTotal._meta.db_table
    keys = sorted(totals)
    rows = ", ".join("(%s, %s, %s)" for _ in keys)
    params = [v for key in keys for v in (*key, totals[key])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (fund_id, kind, amount) VALUES {rows} "
            "ON CONFLICT (fund_id, kind) DO UPDATE SET amount = "
            f"{table}.amount + excluded.amount",
            params,
        )


class Claim:
    """Claims a write's idempotency key for what it created, before anything else is touched."""

    def __init__(self, *, by, key: str | None, fingerprint: str):
        self.by, self.key, self.fingerprint = by, key, fingerprint
        self.done = key is None

    def __call__(self, kind: str, object_id: int) -> None:
        if self.done:
            return
        MoneyKey.objects.create(
            user=self.by, key=self.key, fingerprint=self.fingerprint, kind=kind, object_id=object_id
        )
        self.done = True


def idempotent(
    *,
    by,
    key: str | None,
    request: object,
    work: Callable[[Claim], T],
    replay: Callable[[str, int], T],
) -> T:
    """Run `work` in one transaction once per (user, key); a repeat answers what the first wrote
    (`replay(kind, object id)`); the same key with another request is refused."""
    key = check_key(key)
    print_ = fingerprint(request) if key is not None else ""

    def unit() -> T:
        claim = Claim(by=by, key=key, fingerprint=print_)
        result = work(claim)
        if not claim.done:
            raise RuntimeError("the write never claimed its idempotency key")
        return result

    def earlier() -> T | None:
        record = MoneyKey.objects.filter(user=by, key=key).first()
        if record is None:
            return None
        ensure_same_request(record.fingerprint, print_)
        return replay(record.kind, record.object_id)

    return run_once(unit=unit, replay=None if key is None else earlier)
