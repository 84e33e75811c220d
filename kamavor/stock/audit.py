"""Whether a database's ledger explains itself, read with plain SQL on any DB-API cursor.

Used to check a backup restored into a scratch database (no Django connection points there),
so it takes a cursor and asks only portable SQL: every balance equals the sum of its lot's
movements, none is negative, and each point's item balance equals its lots' balances.
"""

from __future__ import annotations

from dataclasses import dataclass

from kamavor.stock.models import Balance, ItemBalance, Movement

BALANCES = """
SELECT COUNT(*),
       COALESCE(SUM(CASE WHEN COALESCE(m.total, 0) <> b.quantity THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN b.quantity < 0 THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(COALESCE(m.movements, 0)), 0)
FROM {balance} b
LEFT JOIN (SELECT lot_id, SUM(quantity) AS total, COUNT(*) AS movements
           FROM {movement} GROUP BY lot_id) m ON m.lot_id = b.lot_id
"""
ORPHAN_MOVEMENTS = """
SELECT COUNT(*) FROM (SELECT DISTINCT lot_id FROM {movement}) m
LEFT JOIN {balance} b ON b.lot_id = m.lot_id WHERE b.lot_id IS NULL
"""
ITEM_BALANCES = """
SELECT COUNT(*) FROM (
  SELECT point_id, item_id, SUM(quantity) AS units,
         SUM(CASE WHEN quantity > 0 THEN 1 ELSE 0 END) AS lots
  FROM {balance} GROUP BY point_id, item_id
) s LEFT JOIN {item_balance} i ON i.point_id = s.point_id AND i.item_id = s.item_id
WHERE COALESCE(i.quantity, 0) <> s.units OR COALESCE(i.lots, 0) <> s.lots
"""
STRAY_ITEM_BALANCES = """
SELECT COUNT(*) FROM {item_balance} i
WHERE (i.quantity <> 0 OR i.lots <> 0) AND NOT EXISTS (
  SELECT 1 FROM {balance} b WHERE b.point_id = i.point_id AND b.item_id = i.item_id)
"""


@dataclass(frozen=True)
class LedgerAudit:
    balances: int
    movements: int
    faults: dict[str, int]

    @property
    def ok(self) -> bool:
        return not any(self.faults.values())

    def describe(self) -> str:
        """One line for an operator (English: it is printed by commands and logs)."""
        found = ", ".join(f"{n} {what}" for what, n in self.faults.items() if n)
        head = f"{self.balances} balances, {self.movements} movements"
        return f"{head}: ledger exact" if self.ok else f"{head}: {found}"


def audit_ledger(cursor) -> LedgerAudit:
    """Check the ledger through `cursor` (a DB-API cursor on the database to check)."""
    tables = {
        "balance": Balance._meta.db_table,
        "movement": Movement._meta.db_table,
        "item_balance": ItemBalance._meta.db_table,
    }

    def one(sql: str) -> tuple:
        cursor.execute(sql.format(**tables))
        return cursor.fetchone()

    balances, mismatched, negative, movements = one(BALANCES)
    faults = {
        "balances differ from the sum of their movements": int(mismatched),
        "negative balances": int(negative),
        "lots with movements but no balance": int(one(ORPHAN_MOVEMENTS)[0]),
        "item balances differ from their lots": int(one(ITEM_BALANCES)[0]),
        "item balances without lots": int(one(STRAY_ITEM_BALANCES)[0]),
    }
    return LedgerAudit(balances=int(balances), movements=int(movements), faults=faults)
