"""What bench/ledger.py and bench/households.py share: the options, the database they build
in and Django started on it, the network's organisations and people, the simulated ledger's
book-keeping and bulk loading, its consistency checks, timing, the report's frame and the run.

A benchmark script uses it in this order:

    OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
    BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-")  # the database; Django started
    from kamavor.stock.models import ...  # models only after start()
    ...
    if __name__ == "__main__":
        benchkit.run(BENCH, build=build, load_network=load_network, survey=survey, ...)

Importing this module only defines things: nothing is parsed, created or connected until the
script calls it. Django's database layer is imported here because it reads no settings until
used; the app's models are imported inside the functions that need them, after start().
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client

TARGET_MS = 50.0
WARMUP = 5


def say(message: str) -> None:
    print(message, flush=True)


# ================================================================ the database


def parse_args(
    doc: str, argv: list[str], add_sizes: Callable[[argparse.ArgumentParser], None]
) -> argparse.Namespace:
    """The options both benchmarks take, around the script's own (what it builds, --samples)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--database-url", help="postgres://… (default: a temporary SQLite file)")
    add_sizes(parser)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--queries", action="store_true", help="print each operation's queries")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the kept database at --database-url again"
    )
    return parser.parse_args(argv)


def create_database(url: str | None, data_dir: Path) -> tuple[str, Callable[[], None]]:
    """A fresh, empty database to build in, and how to drop it."""
    if not url:
        return f"sqlite:///{data_dir / 'bench.sqlite3'}", lambda: None
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.unlink(missing_ok=True)
        return url, lambda: path.unlink(missing_ok=True)
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or name in {"", "postgres", "template1"}:
        sys.exit("--database-url must be postgres://USER@HOST:PORT/NAME, with a NAME of its own")
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    def run(statement: str) -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))

    run("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    run("CREATE DATABASE {}")
    return url, lambda: run("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def has_ledger(url: str) -> bool:
    """Whether the database at this URL exists and holds a ledger (before Django starts)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return False
        with sqlite3.connect(path) as conn:
            try:
                return conn.execute("SELECT 1 FROM stock_movement LIMIT 1").fetchone() is not None
            except sqlite3.OperationalError:
                return False
    import psycopg

    try:
        with psycopg.connect(urlunsplit(urlsplit(url)._replace(scheme="postgresql"))) as conn:
            found = conn.execute("SELECT to_regclass('stock_movement') IS NOT NULL").fetchone()
            if not found[0]:
                return False
            return conn.execute("SELECT 1 FROM stock_movement LIMIT 1").fetchone() is not None
    except psycopg.OperationalError:  # no such database
        return False


@dataclass
class Bench:
    """Where a run builds and measures: its database and the data folder of Django's settings."""

    options: argparse.Namespace
    database_url: str
    data_dir: Path
    own_data_dir: bool  # made for this run, so removed at the end unless kept
    drop_database: Callable[[], None]

    def finish(self) -> None:
        connection.close()
        if self.options.keep:
            say(f"\nKept {self.database_url}: measure it again with --reuse --database-url URL")
        else:
            self.drop_database()  # a no-op for --reuse, which never drops what it did not create
        if self.own_data_dir and (not self.options.keep or self.options.reuse):
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start(options: argparse.Namespace, *, prefix: str) -> Bench:
    """Create the database to build in (or take the kept one), name it and a data folder in the
    environment, and start Django. Call it before importing any model."""
    url = options.database_url
    if options.reuse and not url:
        sys.exit("--reuse needs the --database-url that --keep printed")
    # A named SQLite database is built and measured with the data folder (and keys) beside it.
    own_data_dir = not (url or "").startswith("sqlite:///")
    if own_data_dir:
        data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    else:
        data_dir = Path(url.removeprefix("sqlite:///")).parent
        data_dir.mkdir(parents=True, exist_ok=True)
    url, drop = (url, lambda: None) if options.reuse else create_database(url, data_dir)
    # Settings read these when Django starts: set them first.
    os.environ.update(
        KAMAVOR_DATABASE_URL=url,
        KAMAVOR_DATA_DIR=str(data_dir),
        KAMAVOR_HTTPS="0",
        KAMAVOR_DEBUG="0",
        DJANGO_SETTINGS_MODULE="kamavor.settings",
    )
    import django

    django.setup()
    return Bench(options, url, data_dir, own_data_dir, drop)


# ================================================================ the network

ORGANISATIONS = [
    ("Yerevan Food Bank", "yerevan-food-bank"),
    ("Goris Volunteer Fund", "goris-volunteer-fund"),
    ("Hope Medical Charity", "hope-medical-charity"),
    ("Kentron Co-working Collective", "kentron-coworking"),
    ("Syunik Shelter Network", "syunik-shelters"),
]
# Where points are: their names are "<place> <kind>".
PLACES = ["Kentron", "Arabkir", "Ajapnyak", "Avan", "Davtashen", "Erebuni", "Kanaker-Zeytun",
          "Malatia-Sebastia", "Nor Nork", "Nork-Marash", "Nubarashen", "Shengavit", "Goris",
          "Kapan", "Sisian", "Meghri", "Kajaran", "Vayk", "Yeghegnadzor", "Jermuk", "Ararat",
          "Masis", "Artashat", "Vedi", "Ejmiatsin", "Armavir", "Metsamor", "Ashtarak", "Talin",
          "Abovyan", "Hrazdan", "Charentsavan", "Sevan", "Gavar", "Martuni", "Vardenis", "Dilijan",
          "Ijevan", "Berd", "Noyemberyan", "Vanadzor", "Alaverdi", "Stepanavan", "Spitak",
          "Gyumri", "Artik", "Maralik", "Tashir", "Tsaghkadzor", "Byureghavan", "Yeghvard",
          "Aparan"]  # fmt: skip
KIND_LABEL = {
    "warehouse": "warehouse",
    "collection": "collection point",
    "distribution": "distribution point",
    "shelter": "shelter",
}
VOLUNTEERS_PER_POINT = 4  # 50 points: the 200 volunteers at desks at once


def add_people(orgs: list, points: list) -> None:
    """Two coordinators per organisation and VOLUNTEERS_PER_POINT volunteers per point, each a
    member of the organisation, working in English."""
    from django.contrib.auth import get_user_model

    from kamavor.network.models import Member

    user_model = get_user_model()
    users = []
    for org in orgs:
        for k in range(2):
            user = user_model(username=f"coord-{org.slug}-{k}", password="!")
            users.append((user, org, "coordinator"))
    for point in points:
        for k in range(VOLUNTEERS_PER_POINT):
            user = user_model(username=f"vol-{point.slug}-{k}", password="!")
            users.append((user, point.organisation, "volunteer"))
    user_model.objects.bulk_create([u for u, _, _ in users])
    Member.objects.bulk_create(
        [Member(user=u, organisation=org, role=role, language="en") for u, org, role in users]
    )


# ================================================================ bulk loading

LOT_FIELDS = ["id", "item", "point", "expiry", "size", "condition", "created_at"]
MOVEMENT_FIELDS = ["id", "lot", "point", "item", "kind", "quantity", "balance_after",
                   "document", "line", "by", "at"]  # fmt: skip
FLUSH_EVERY = 100_000  # movements


def desk_client(user) -> Client:
    """A test client logged in as `user`, its handler warmed by one request: a running server
    loads its middleware once, not on a desk's first page of the measurement."""
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    _pass_second_factor(client, user)
    client.get("/healthz")
    return client


def _pass_second_factor(client: Client, user) -> None:
    """Coordinators reach the desks only past the second factor: give the user a confirmed
    authenticator and mark the client's session as having used it, as a sign-in would."""
    from django.contrib.auth import get_user_model
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kamavor.accounts.second_factor import HAS_DEVICE
    from kamavor.network.access import needs_second_factor

    if not needs_second_factor(get_user_model().objects.get(pk=user.pk)):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[HAS_DEVICE] = True
    session.save()


def load_quickly() -> None:
    """Bulk-loading settings for this connection: commits do not wait for the disk."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
        else:
            cursor.execute("SET synchronous_commit = off")


class Loader:
    """Writes rows straight into a model's table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.datetime = connection.ops.adapt_datetimefield_value
        self.date = connection.ops.adapt_datefield_value

    def insert(self, model, fields: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
        table = qn(model._meta.db_table)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


class Ledger:
    """The stock book-keeping of a simulated history, kept in memory and bulk-inserted.

    Lots are numbered from 1 (lots[id] = (item, point, expiry, size, condition)) and each keeps
    its balance here: every movement is written with the balance after it, exactly as
    Posting.move does. Rows wait in `rows`, and documents, lines and movements take their ids
    from `ids`, until write() inserts them: lots, documents, lines, movements, then `more`.
    """

    def __init__(
        self,
        *,
        document_fields: list[str],
        line_fields: list[str],
        more: dict[type, list[str]] | None = None,
    ) -> None:
        from kamavor.stock.models import Document, DocumentLine, Lot, Movement

        self.loader = Loader()
        self.fields = {
            Lot: LOT_FIELDS,
            Document: document_fields,
            DocumentLine: line_fields,
            Movement: MOVEMENT_FIELDS,
            **(more or {}),
        }
        self.rows: dict[type, list[tuple]] = {model: [] for model in self.fields}
        self.lot_rows, self.movement_rows = self.rows[Lot], self.rows[Movement]
        self.ids = {model: itertools.count(1) for model in (Document, DocumentLine, Movement)}
        self.movement_ids = self.ids[Movement]
        self.lot_ids: dict[tuple, int] = {}
        self.lots: list[tuple] = [()]  # lot id -> (item, point, expiry, size, condition)
        self.balance: list[int] = [0]
        self.written = 0  # movements

    def open_lot(self, key: tuple, when) -> int:
        """A new lot with these attributes, (item, point, expiry, size, condition), empty."""
        lot = self.lot_ids[key] = len(self.lots)
        self.lots.append(key)
        self.balance.append(0)
        item, point, expiry, size, condition = key
        expiry_value = self.loader.date(expiry) if expiry else None
        self.lot_rows.append((lot, item, point, expiry_value, size, condition, when))
        return lot

    def move(self, lot: int, delta: int, kind: str, document: int, line: int, by: int, when):
        balance = self.balance[lot] + delta
        if balance < 0 or delta == 0:
            raise AssertionError(f"lot {lot}: {self.balance[lot]} {delta:+d}")
        self.balance[lot] = balance
        item, point = self.lots[lot][:2]
        self.movement_rows.append(
            (next(self.movement_ids), lot, point, item, kind, delta, balance, document, line,
             by, when)
        )  # fmt: skip
        self.written += 1

    def full(self) -> bool:
        """Whether enough movements wait to be written (FLUSH_EVERY)."""
        return len(self.movement_rows) >= FLUSH_EVERY

    def write(self) -> None:
        """Insert the rows gathered so far, in one transaction."""
        with transaction.atomic():
            for model, names in self.fields.items():
                self.loader.insert(model, names, self.rows[model])
                self.rows[model].clear()

    def write_balances(self) -> None:
        """Each lot's balance (with its lot's expiry), the item balances rebuilt from them, the
        daily flows summed from the movements, households' latest visits, and on PostgreSQL the
        sequences of the tables written moved past the ids given here."""
        from kamavor.stock.ledger import rebuild_daily_flows, rebuild_item_balances
        from kamavor.stock.models import Balance, Lot
        from kamavor.stock.rollups import rebuild_household_visits

        rows = [
            (lot, key[1], key[0], self.balance[lot]) for lot, key in enumerate(self.lots) if key
        ]
        with transaction.atomic():
            self.loader.insert(Balance, ["lot", "point", "item", "quantity"], rows)
            with connection.cursor() as cursor:  # each balance carries its lot's expiry
                cursor.execute(
                    f"UPDATE {Balance._meta.db_table} SET expiry = (SELECT expiry FROM "
                    f"{Lot._meta.db_table} WHERE id = lot_id)"
                )
            rebuild_item_balances()
            rebuild_daily_flows()
            rebuild_household_visits()  # the dashboards' households served, if any hand-outs
        if self.loader.postgres:
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), list(self.fields)):
                    cursor.execute(statement)


# ================================================================ checks

CONSISTENCY = """
SELECT COUNT(*),
       SUM(CASE WHEN COALESCE(m.total, 0) <> b.quantity THEN 1 ELSE 0 END),
       SUM(CASE WHEN b.quantity < 0 THEN 1 ELSE 0 END),
       SUM(COALESCE(m.movements, 0))
FROM {balance} b
LEFT JOIN (SELECT lot_id, SUM(quantity) AS total, COUNT(*) AS movements
           FROM {movement} GROUP BY lot_id) m ON m.lot_id = b.lot_id
"""
RUNNING = """
SELECT COUNT(*) FROM (
  SELECT balance_after, SUM(quantity) OVER (PARTITION BY lot_id ORDER BY at, id) AS running
  FROM {movement}
) r WHERE r.running <> r.balance_after OR r.balance_after < 0
"""

ITEM_BALANCES = """
SELECT COUNT(*) FROM (
  SELECT point_id, item_id, SUM(quantity) AS units,
         SUM(CASE WHEN quantity > 0 THEN 1 ELSE 0 END) AS lots
  FROM {balance} GROUP BY point_id, item_id
) s LEFT JOIN {item_balance} i ON i.point_id = s.point_id AND i.item_id = s.item_id
WHERE COALESCE(i.quantity, 0) <> s.units OR COALESCE(i.lots, 0) <> s.lots
"""


def item_variant(base, suffix: str, *, en: str, hy: str, ru: str):
    """A new (unsaved) item like `base`, coded `<base>-<suffix>` and named with the words given
    in each language: the benchmarks pad the real catalogue to a thousand items with these."""
    from kamavor.catalogue.models import Item

    item = Item(
        code=f"{base.code}-{suffix}"[:80],
        category_id=base.category_id,
        name_en=f"{base.name_en}, {en}",
        name_hy=f"{base.name_hy}, {hy}",
        name_ru=f"{base.name_ru}, {ru}",
        unit=base.unit,
        tracks_expiry=base.tracks_expiry,
        tracks_size=base.tracks_size,
        sizes=base.sizes,
        season=base.season,
    )
    item.refresh_search_text()
    return item


def check_ledger(*checks: tuple[str, str]) -> dict:
    """Whether the ledger explains every balance: each balance equals the sum of its lot's
    movements, none is negative, balance_after runs per lot, each point's item balance sums its
    lots; and the script's own `checks` (what a failing row is, SQL counting them over
    {balance}, {movement}, {document} and {item_balance})."""
    from django.db.models import Count

    from kamavor.stock.models import Balance, Document, ItemBalance, Movement

    tables = {
        "balance": Balance._meta.db_table,
        "movement": Movement._meta.db_table,
        "document": Document._meta.db_table,
        "item_balance": ItemBalance._meta.db_table,
    }
    checks = (("item balances differ from their lots", ITEM_BALANCES), *checks)
    with connection.cursor() as cursor:
        cursor.execute(CONSISTENCY.format(**tables))
        balances, mismatched, negative, movements = cursor.fetchone()
        cursor.execute(RUNNING.format(**tables))
        (running,) = cursor.fetchone()
        failed = []
        for what, query in checks:
            cursor.execute(query.format(**tables))
            failed.append((cursor.fetchone()[0], what))
    detail = [
        f"{mismatched or 0} differ from the sum of their movements",
        f"{negative or 0} negative",
        f"{running} wrong balance_after",
        *(f"{n} {what}" for n, what in failed),
    ]
    return {
        "movements": movements or 0,
        "kinds": Counter(dict(Movement.objects.values_list("kind").annotate(n=Count("pk")))),
        "balances": balances,
        "broken": (mismatched or 0) + (negative or 0) + running + sum(n for n, _ in failed),
        "detail": ", ".join(detail),
    }


def analyse() -> str:
    """PostgreSQL's autovacuum would analyse the new tables within a minute; do it now.
    SQLite gets no statistics: the app never runs ANALYZE."""
    if connection.vendor != "postgresql":
        return "none (the app never runs ANALYZE on SQLite)"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return "VACUUM ANALYZE after loading (as autovacuum would)"


class Upkeep(threading.Thread):
    """What PostgreSQL's autovacuum does, for a server that runs without it (this machine's
    does: `autovacuum = off`), so that a long benchmark is not measured against statistics
    taken on empty tables and tables full of dead rows. Every `every` seconds, the tables past
    autovacuum's default thresholds (analysed past 50 + 10 % of their rows changed, vacuumed
    past 50 + 20 % dead or 1,000 + 20 % inserted) are vacuumed or analysed on a connection of
    its own (a backend of the database, so its CPU counts with the database's). Nothing is done
    on SQLite, nor where autovacuum is on."""

    def __init__(self, every: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.every, self.stop = every, threading.Event()
        self.runs, self.tables, self.seconds = 0, 0, 0.0

    @staticmethod
    def needed() -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            return cursor.fetchone()[0] != "on"

    def run(self) -> None:
        try:
            while not self.stop.wait(self.every):
                started = time.perf_counter()
                self.tables += self.once()
                self.runs += 1
                self.seconds += time.perf_counter() - started
        finally:
            connection.close()

    @staticmethod
    def once() -> int:
        """Vacuum or analyse the tables autovacuum would now; how many."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.relname, "
                "s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0) "
                "OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0), "
                "s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) "
                "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            )
            due = [(name, vacuum, analyse) for name, vacuum, analyse in cursor.fetchall()]
            done = 0
            for name, vacuum, analyse in due:
                if vacuum or analyse:
                    what = (
                        "VACUUM (ANALYZE)"
                        if vacuum and analyse
                        else ("VACUUM" if vacuum else "ANALYZE")
                    )
                    cursor.execute(f"{what} {connection.ops.quote_name(name)}")
                    done += 1
            return done


# ================================================================ measurements


@dataclass
class Timing:
    name: str  # indented: a part of the operation above, held against no target
    samples: list[float]  # milliseconds, wall clock
    cpu: list[float] = field(default_factory=list)  # milliseconds of this process's CPU
    note: str = ""
    db_cpu: list[float] = field(default_factory=list)  # ms of the PostgreSQL backend's CPU
    queued: list[float] = field(default_factory=list)  # ms both waited for a core (load)

    def percentile(self, p: float, samples: list[float] | None = None) -> float:
        ordered = sorted(self.samples if samples is None else samples)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _input(prepare: Callable | None) -> tuple:
    """The arguments of one sample: its input, prepared untimed, or none."""
    return (prepare(),) if prepare else ()


def timed(name: str, run: Callable, samples: int, prepare: Callable | None = None) -> list[Timing]:
    """Time `samples` calls of run, after WARMUP untimed ones: the wall-clock and CPU
    milliseconds of each, then of each part that run timed itself and returned as
    {part: milliseconds}. With prepare, each sample's input is prepared untimed and passed to
    run. The CPU time is this process's alone (Python, and SQLite's work; not PostgreSQL's)."""
    for _ in range(WARMUP):
        run(*_input(prepare))
    totals, cpu, parts = [], [], defaultdict(list)
    db_cpu, queued = [], []
    backend = _backend_schedstat()
    for _ in range(samples):
        args = _input(prepare)
        before = _schedstat(backend)
        start, start_cpu = time.perf_counter(), time.process_time()
        inner = run(*args)
        totals.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        after = _schedstat(backend)
        if before and after:
            if backend is not None:
                db_cpu.append((after[0] - before[0]) / 1e6)
            queued.append((after[1] - before[1]) / 1e6)
        for part, ms in (inner or {}).items():
            parts[part].append(ms)
    first = Timing(name, totals, cpu, db_cpu=db_cpu, queued=queued)
    return [first] + [Timing(f"    {p}", v) for p, v in parts.items()]


def _backend_schedstat() -> str | None:
    """Where Linux counts the CPU time of this connection's PostgreSQL backend, when the server
    runs on this machine (its /proc readable): None otherwise."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = f"/proc/{cursor.fetchone()[0]}/schedstat"
    return path if Path(path).exists() else None


def _schedstat(backend: str | None) -> tuple[int, int] | None:
    """Nanoseconds on a core for the backend (0 without one), and nanoseconds this process and
    the backend waited for a core (what a loaded machine adds to the wall clock); None where
    Linux does not tell."""
    try:
        server = Path(backend).read_text().split() if backend else ["0", "0"]
        own = Path("/proc/self/schedstat").read_text().split()
    except OSError:
        return None
    return int(server[0]), int(server[1]) + int(own[1])


def print_queries(
    name: str, run: Callable, prepare: Callable | None = None, *, slowest: int, width: int
) -> None:
    """Run one more sample and print its queries, slowest first, timed to the microsecond."""
    queries: list[tuple[float, str]] = []
    args = _input(prepare)

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql))

    start = time.perf_counter()
    with connection.execute_wrapper(timer):
        run(*args)
    elapsed = (time.perf_counter() - start) * 1000
    in_database = sum(ms for ms, _ in queries)
    say(f"\n{name}: {elapsed:.1f} ms, {len(queries)} queries, {in_database:.1f} ms of them")
    for ms, sql in sorted(queries, reverse=True)[:slowest]:
        say(f"  {ms:7.2f} ms  {sql[:width]}")


# ================================================================ report


def engine() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (file, WAL)"


def report(
    title: str,
    facts: list[tuple[str, str]],
    *,
    held: dict,
    steps: dict,
    statistics: str,
    load: str,
    timings: list[Timing],
    width: int,
    cpu: bool,
) -> None:
    """The engine, the script's own facts, the ledger and its consistency, how the database
    was built, the machine; then a row per timing, `width` wide, with its CPU p95 if `cpu`."""

    def line(label: str, text: str) -> None:
        say(f"  {label:<14}{text}")

    kinds = ", ".join(f"{k} {n:,}" for k, n in held["kinds"].most_common())
    say(f"\n{title}")
    line("database", engine())
    for label, text in facts:
        line(label, text)
    line("movements", f"{held['movements']:,} ({kinds})")
    verdict = "BROKEN" if held["broken"] else "OK"
    line("consistency", f"{verdict}: {held['balances']:,} balances; {held['detail']}")
    line("statistics", statistics)
    if steps:
        line("build time", ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))
    line("machine", f"{os.cpu_count()} CPUs, load average {load} while measuring")
    say(
        f"\n  {'operation':<{width}}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        + (f"{'CPU p95':>9}" if cpu else "")
        + f"  p95 < {TARGET_MS:.0f} ms"
    )
    for t in timings:
        p95 = t.percentile(95)
        target = ("yes" if p95 < TARGET_MS else "NO ") if not t.name.startswith(" ") else "   "
        cpu_p95 = (f"{t.percentile(95, t.cpu):>9.1f}" if t.cpu else " " * 9) if cpu else ""
        say(
            f"  {t.name:<{width}}{len(t.samples):>8}{t.percentile(50):>9.1f}{p95:>9.1f}"
            f"{max(t.samples):>9.1f}{cpu_p95}  {target}"
            + (f"  (PostgreSQL CPU p50 {t.percentile(50, t.db_cpu):.1f})" if t.db_cpu else "")
            + (f"  ({t.note})" if t.note else "")
        )


# ================================================================ the run


class Stopwatch:
    """Seconds per step of a build, each counted from the end of the step before."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.restart()

    def restart(self) -> None:
        self.start = time.perf_counter()

    def step(self, name: str) -> None:
        self.steps[name] = time.perf_counter() - self.start
        self.restart()


def run(
    bench: Bench,
    *,
    build: Callable,
    load_network: Callable,
    survey: Callable[[], dict],
    measure: Callable,
    report: Callable,
) -> None:
    """Build the database (or migrate the kept one) and check it, measure, report, clean up.

    build(rng, step) builds after the schema, calling step(name) at the end of each of its
    steps, and returns the network that load_network() reads back from a kept database;
    measure(net, samples, rng, show_queries) returns the timings; report(...) prints them."""
    options = bench.options
    try:
        rng = random.Random(options.seed)
        watch = Stopwatch()
        if options.reuse:
            call_command("migrate", verbosity=0)  # the code may have moved on since --keep
            net = load_network()
        else:
            say(f"Building in {bench.database_url} (data folder {bench.data_dir})")
            call_command("migrate", verbosity=0)
            watch.step("schema")
            net = build(rng, watch.step)
        watch.restart()
        held = survey()
        statistics = "as left by the run that built it" if options.reuse else analyse()
        watch.step("checks and statistics")
        steps = {**watch.steps, "total": sum(watch.steps.values())}
        say(f"Measuring {options.samples} samples of each operation")
        before = os.getloadavg()[0]
        timings = measure(net, options.samples, rng, options.queries)
        load = f"{before:.1f} → {os.getloadavg()[0]:.1f}"
        report(timings=timings, held=held, steps=steps, statistics=statistics, load=load)
    finally:
        bench.finish()
