"""What PostgreSQL spends on a posting's balance update when the quantity is in an index, and
when it is not: a probe for the next change to the balances' indexes, and print the figures.

    .venv/bin/python bench/hot_updates.py [--database-url postgres://…/postgres] [--rows 300000]
                                          [--updates 3000]

In a scratch database (created and dropped here), builds a table shaped like `stock_balance`
(lot, quantity, item, point, expiry) with its indexes twice: as they are (the quantity in
`balance_expiring`, which is also partial on it) and with the quantity in no index and a fill
factor of 80. Each time it runs `--updates` transactions that add to ten random lots' balances
in one array UPDATE (as the ledger does) and prints the CPU of the server's backend per
transaction (from Linux, so the server must run on this machine) and how many of the updates
were heap-only (HOT: no new index entry).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import psycopg

SHAPES = {
    "the quantity in an index (as now)": (
        "",
        "CREATE INDEX ON probe (expiry, point_id, item_id, quantity) WHERE quantity > 0",
    ),
    "the quantity in no index, fill factor 80": (
        "WITH (fillfactor = 80)",
        "CREATE INDEX ON probe (expiry, point_id, item_id)",
    ),
}
UPDATE = (
    "UPDATE probe SET quantity = probe.quantity + c.units "
    "FROM unnest(%s::bigint[], %s::bigint[]) AS c(lot_id, units) WHERE probe.lot_id = c.lot_id"
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--updates", type=int, default=3000)
    return parser.parse_args(argv)


def backend_cpu_ms(pid: int) -> float:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6


def probe(url: str, shape: str, rows: int, updates: int) -> tuple[float, int, int]:
    storage, index = SHAPES[shape]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS probe")
        db.execute(
            "CREATE TABLE probe (lot_id bigint PRIMARY KEY, quantity bigint NOT NULL, "
            f"item_id bigint, point_id bigint, expiry date) {storage}"
        )
        db.execute(
            "INSERT INTO probe SELECT g, 100, g %% 1000, g %% 50, current_date + g %% 700 "
            "FROM generate_series(1, %s) g",
            [rows],
        )
        for columns in ("point_id, item_id", "item_id", "point_id"):
            db.execute(f"CREATE INDEX ON probe ({columns})")
        db.execute(index)
        db.execute("VACUUM ANALYZE probe")
        rng, pid = random.Random(7), db.info.backend_pid
        before = backend_cpu_ms(pid)
        for _ in range(updates):
            lots = sorted(rng.sample(range(1, rows + 1), 10))
            with db.transaction():
                literal = "{" + ",".join(map(str, lots)) + "}"
                db.execute(UPDATE, [literal, "{" + ",".join("1" * 10) + "}"], prepare=True)
        spent = backend_cpu_ms(pid) - before
        hot, updated = db.execute(
            "SELECT pg_stat_get_tuples_hot_updated('probe'::regclass), "
            "pg_stat_get_tuples_updated('probe'::regclass)"
        ).fetchone()
    return spent / updates, hot, updated


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    scratch = options.database_url.rsplit("/", 1)[0] + "/kamavor_hot_probe"
    with psycopg.connect(options.database_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS kamavor_hot_probe")
        admin.execute("CREATE DATABASE kamavor_hot_probe")
    try:
        print(f"{options.updates} transactions of ten balances each, {options.rows:,} balances")
        for shape in SHAPES:
            per, hot, updated = probe(scratch, shape, options.rows, options.updates)
            print(f"  {shape:42} {per:.3f} ms backend CPU each; {hot:,} of {updated:,} HOT")
    finally:
        with psycopg.connect(options.database_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS kamavor_hot_probe")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
