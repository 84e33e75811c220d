"""Time the distribution desk against a year of hand-outs to 30,000 households; print the figures.

    .venv/bin/python bench/households.py [--database-url URL] [--households 30000]
                                         [--samples 200] [--visits 8] [--queries] [--keep]
                                         [--reuse]   (measure a --keep'd database again)

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named in the URL,
created and dropped here) with 50 points of five organisations, the demo catalogue and the
default standards, households with believable compositions, stock at the distribution points and
a year of distributions, then times with perf_counter, on the server side: (a) opening a
household at the desk (the code typed at the desk, then the visit page, dues included) through
the test client, logged in as a volunteer; (b) posting a distribution of 3-6 items, lots chosen
first expiry first out with `suggest_picks`, through `record_distribution`; (c) `dues_for` alone.
p95 is held against the 50 ms target. "CPU p95" is this process's own CPU time (Python, and
SQLite's work; not PostgreSQL's server): on a shared machine it shows what contention adds.

The year is simulated in Python and bulk-inserted (executemany on SQLite, COPY on PostgreSQL),
as bench/ledger.py does for its ledger: each visit hands out what the standards make the
household due then (as the desk pre-fills it), from the point's lots first expiry first out,
restocked by donations when they run low; balance_after runs per lot and is checked with SQL at
the end. The services are what is timed. (bench/ledger.py reads its arguments and creates its
database when imported, so its helpers are repeated here rather than imported.)
"""
# ruff: noqa: E402  (Django is imported after the environment names the database)

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gc
import itertools
import math
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TARGET_MS = 50.0
WARMUP = 5


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="postgres://… (default: a temporary SQLite file)")
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--visits", type=float, default=8.0, help="mean visits per household in the year"
    )
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--queries", action="store_true", help="print each operation's queries")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the kept database at --database-url again"
    )
    return parser.parse_args(argv)


def create_database(url: str | None, data_dir: Path, reuse: bool) -> tuple[str, Callable]:
    """A fresh, empty database to build in (or the kept one to reuse), and how to drop it."""
    if reuse:
        if not url:
            sys.exit("--reuse needs the --database-url that --keep printed")
        return url, lambda: None
    if not url:
        return f"sqlite:///{data_dir / 'bench.sqlite3'}", lambda: None
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


OPTIONS = parse_args(sys.argv[1:])
if OPTIONS.reuse and not OPTIONS.database_url:
    sys.exit("--reuse needs the --database-url that --keep printed")
# A kept SQLite database is measured again with the data folder it was built with.
OWN_DATA_DIR = not (OPTIONS.reuse and OPTIONS.database_url.startswith("sqlite:///"))
if OWN_DATA_DIR:
    DATA_DIR = Path(tempfile.mkdtemp(prefix="kamavor-bench-households-"))
else:
    DATA_DIR = Path(OPTIONS.database_url.removeprefix("sqlite:///")).parent
DATABASE_URL, drop_database = create_database(OPTIONS.database_url, DATA_DIR, OPTIONS.reuse)
# Settings read these when Django starts: set them first.
os.environ.update(
    KAMAVOR_DATABASE_URL=DATABASE_URL,
    KAMAVOR_DATA_DIR=str(DATA_DIR),
    KAMAVOR_HTTPS="0",
    KAMAVOR_DEBUG="0",
    DJANGO_SETTINGS_MODULE="kamavor.settings",
)

import django

django.setup()

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from kamavor.catalogue.models import Item, KitComponent
from kamavor.catalogue.services import load_catalogue
from kamavor.distribution import adapters
from kamavor.distribution.services import record_distribution
from kamavor.households.demo import AREAS, composition_and_flags
from kamavor.households.models import Household
from kamavor.lib import entitlements, household_codes
from kamavor.needs.defaults import load_standards
from kamavor.needs.models import Request, RequestLine, Standard
from kamavor.needs.services import dues_for
from kamavor.network.models import Member, Organisation, Point
from kamavor.stock.ledger import rebuild_item_balances
from kamavor.stock.models import Balance, Document, DocumentLine, IdempotencyRecord, Lot, Movement
from kamavor.stock.services import LotLine, suggest_picks

User = get_user_model()
# Import every URL and view now: other work may edit the tree during a long build.
reverse("distribution:desk", args=[1])


def say(message: str) -> None:
    print(message, flush=True)


# ================================================================ the network

ORGANISATIONS = [
    ("Yerevan Food Bank", "yerevan-food-bank"),
    ("Goris Volunteer Fund", "goris-volunteer-fund"),
    ("Hope Medical Charity", "hope-medical-charity"),
    ("Kentron Co-working Collective", "kentron-coworking"),
    ("Syunik Shelter Network", "syunik-shelters"),
]
PLACES = ["Kentron", "Arabkir", "Ajapnyak", "Avan", "Davtashen", "Erebuni", "Kanaker-Zeytun",
          "Malatia-Sebastia", "Nor Nork", "Nork-Marash", "Nubarashen", "Shengavit", "Goris",
          "Kapan", "Sisian", "Meghri", "Kajaran", "Vayk", "Yeghegnadzor", "Jermuk", "Ararat",
          "Masis", "Artashat", "Vedi", "Ejmiatsin", "Armavir", "Metsamor", "Ashtarak", "Talin",
          "Abovyan", "Hrazdan", "Charentsavan", "Sevan", "Gavar", "Martuni", "Vardenis", "Dilijan",
          "Ijevan", "Berd", "Noyemberyan", "Vanadzor", "Alaverdi", "Stepanavan", "Spitak",
          "Gyumri", "Artik", "Maralik", "Tashir", "Tsaghkadzor", "Byureghavan"]  # fmt: skip
# Each organisation's ten points: a warehouse, a collection point, six distribution points where
# households are served, and two shelters where some of them live.
KINDS = ["warehouse", "collection", "distribution", "distribution", "distribution",
         "distribution", "distribution", "distribution", "shelter", "shelter"]  # fmt: skip
KIND_LABEL = {
    "warehouse": "warehouse",
    "collection": "collection point",
    "distribution": "distribution point",
    "shelter": "shelter",
}
VOLUNTEERS_PER_POINT = 4  # 50 points: the 200 volunteers at desks at once


@dataclass
class Network:
    points: list[Point]
    org_of: dict[int, int]  # point id -> organisation id
    desks: dict[int, list[int]]  # organisation id -> distribution point ids
    shelters: dict[int, list[int]]  # organisation id -> shelter ids
    volunteers: dict[int, list[int]]  # organisation id -> user ids


def build_network() -> Network:
    orgs = [Organisation.objects.create(name=n, slug=s) for n, s in ORGANISATIONS]
    points = []
    for org_index, org in enumerate(orgs):
        for k, kind in enumerate(KINDS):
            place = PLACES[(org_index * len(KINDS) + k) % len(PLACES)]
            name = f"{place} {KIND_LABEL[kind]}"
            slug = slugify(f"{name}-{org_index}-{k}")
            points.append(Point(organisation=org, name=name, slug=slug, kind=kind))
    points = Point.objects.bulk_create(points)
    users = []
    for org in orgs:
        for k in range(2):
            users.append((User(username=f"coord-{org.slug}-{k}", password="!"), org, "coordinator"))
    for point in points:
        for k in range(VOLUNTEERS_PER_POINT):
            user = User(username=f"vol-{point.slug}-{k}", password="!")
            users.append((user, point.organisation, "volunteer"))
    User.objects.bulk_create([u for u, _, _ in users])
    Member.objects.bulk_create(
        [Member(user=u, organisation=org, role=role, language="en") for u, org, role in users]
    )
    return load_network()


def load_network() -> Network:
    points = list(Point.objects.order_by("pk"))
    desks: dict[int, list[int]] = defaultdict(list)
    shelters: dict[int, list[int]] = defaultdict(list)
    for p in points:
        if p.kind == Point.Kind.DISTRIBUTION:
            desks[p.organisation_id].append(p.pk)
        elif p.kind == Point.Kind.SHELTER:
            shelters[p.organisation_id].append(p.pk)
    volunteers: dict[int, list[int]] = defaultdict(list)
    for user, org in Member.objects.filter(role="volunteer").values_list("user", "organisation"):
        volunteers[org].append(user)
    return Network(
        points=points,
        org_of={p.pk: p.organisation_id for p in points},
        desks=dict(desks),
        shelters=dict(shelters),
        volunteers=dict(volunteers),
    )


# ================================================================ bulk loading


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


LOT_FIELDS = ["id", "item", "point", "expiry", "size", "condition", "created_at"]
DOCUMENT_FIELDS = ["id", "kind", "status", "organisation", "point", "household", "donor",
                   "supplier", "currency", "reason", "note", "created_by",
                   "created_at"]  # fmt: skip
LINE_FIELDS = ["id", "document", "item", "lot", "quantity", "expiry", "size", "condition",
               "reason"]  # fmt: skip
MOVEMENT_FIELDS = ["id", "lot", "point", "item", "kind", "quantity", "balance_after",
                   "document", "line", "by", "at"]  # fmt: skip
KEY_FIELDS = ["user", "key", "fingerprint", "document", "created_at"]
FLUSH_EVERY = 100_000  # movements


# ================================================================ households

DAYS = 365
REGISTERED_BEFORE = 0.65  # share registered before the year began; the rest during it


@dataclass
class Family:
    """What the simulation needs to know of a household."""

    id: int
    organisation: int
    home: int  # the distribution point it usually goes to
    registered: int  # day index (negative: before the year)
    composition: dict[str, int]
    dues: list[tuple[int, int]]  # (standard index, entitlement) of the rules that give it anything
    # Units received of each item a rule gives, loose or in kits: item -> [(day, units)]
    received: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    last_at: object = None


def build_households(net: Network, n: int, rng: random.Random, standards) -> list[Family]:
    start = timezone.localdate() - dt.timedelta(days=DAYS)
    zone = timezone.get_current_timezone()
    orgs = sorted(net.desks)
    codes: set[str] = set()
    rows, meta = [], []
    for _ in range(n):
        org = rng.choice(orgs)
        counts, flags = composition_and_flags(rng)
        home = rng.choice(net.desks[org])
        shelter = rng.choice(net.shelters[org]) if rng.random() < 0.25 else None
        before = rng.random() < REGISTERED_BEFORE
        day = -rng.randint(1, 240) if before else rng.randint(0, DAYS - 1)
        when = dt.datetime.combine(start + dt.timedelta(days=day), dt.time(9), tzinfo=zone)
        when += dt.timedelta(minutes=rng.randint(0, 600))
        code = household_codes.new_code()
        while code in codes:
            code = household_codes.new_code()
        codes.add(code)
        rows.append(
            Household(
                code=code,
                organisation_id=org,
                registered_at=when,
                registered_point_id=home,
                registered_by_id=rng.choice(net.volunteers[org]),
                shelter_id=shelter,
                area="" if shelter else rng.choice(AREAS),
                languages=["hy"] + (["ru"] if rng.random() < 0.4 else []),
                last_activity_at=when,
                **counts,
                **dict.fromkeys(flags, True),
            )
        )
        meta.append((org, home, day, counts))
    created = Household.objects.bulk_create(rows, batch_size=1000)
    families = []
    for household, (org, home, day, counts) in zip(created, meta, strict=True):
        composition = household.composition
        dues = [
            (index, amount)
            for index, standard in enumerate(standards)
            if (amount := entitlements.entitled(composition, standard.rule)) > 0
        ]
        families.append(Family(household.pk, org, home, day, counts, dues))
    return families


def build_requests(families: list[Family], net: Network, rng: random.Random) -> int:
    """Open requests of about one household in eight, made after its last visit."""
    wanted = list(
        Item.objects.filter(is_kit=False, category__code__in=REQUESTED).values_list(
            "pk", "tracks_size", "sizes"
        )
    )
    requests, lines = [], []
    now = timezone.now()
    for family in families:
        if rng.random() > 0.125:
            continue
        since = family.last_at or now - dt.timedelta(days=30)
        when = since + (now - since) * rng.random()
        requests.append(
            Request(
                organisation_id=family.organisation,
                household_id=family.id,
                urgency=rng.choice(["low", "normal", "normal", "normal", "high", "critical"]),
                reason=rng.choice(["", "", "winter", "new baby", "school starts", "lost in move"]),
                created_by_id=rng.choice(net.volunteers[family.organisation]),
                created_at=when,
                state_changed_at=when,
            )
        )
        lines.append(rng.sample(wanted, rng.choice([1, 1, 1, 2, 2, 3])))
    requests = Request.objects.bulk_create(requests, batch_size=1000)
    RequestLine.objects.bulk_create(
        [
            RequestLine(
                request=request,
                item_id=item,
                size=rng.choice(sizes) if tracks_size and sizes else "",
                quantity=rng.randint(1, 4),
            )
            for request, chosen in zip(requests, lines, strict=True)
            for item, tracks_size, sizes in chosen
        ],
        batch_size=1000,
    )
    return len(requests)


REQUESTED = ["clothing", "footwear", "baby", "medical", "school", "bedding", "kitchen"]


# ================================================================ the year of visits

OPEN_MINUTES = 11 * 60  # points are open 09:00-20:00
MIN_GAP = 14  # a food parcel lasts 14 days: nobody is sent home empty-handed
EXTRA_CATEGORIES = ["food", "baby-food", "hygiene", "baby", "cleaning", "household", "medical"]
EXTRAS_PER_POINT = 30
RESTOCK = {"kit": (100, 300), "standard": (500, 2000), "extra": (50, 300)}
TOP_UP_TO = 400  # what the measurements find at least, per item (and size) at each desk


@dataclass(frozen=True)
class Good:
    id: int
    kit: bool
    tracks_expiry: bool
    sizes: tuple[str, ...] | None  # None: size does not matter


class Year:
    """A year of visits, simulated in time order; each lot's balance is kept here and every
    movement is written with the balance after it, exactly as Posting.move does."""

    def __init__(self, *, net, families, standards, rng, loader) -> None:
        self.net, self.families, self.rng, self.loader = net, families, rng, loader
        self.start = timezone.localdate() - dt.timedelta(days=DAYS)
        self.zone = timezone.get_current_timezone()
        self.standards = standards
        self.goods = {
            item.pk: Good(
                item.pk,
                item.is_kit,
                item.tracks_expiry,
                (tuple(item.sizes) or ("M",)) if item.tracks_size else None,
            )
            for item in Item.objects.active()
        }
        # What a receipt of an item counts towards: the item, and a kit's components.
        self.counts_for: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for item in self.goods:
            self.counts_for[item].append((item, 1))
        for kit, part, quantity in KitComponent.objects.values_list("kit", "item", "quantity"):
            self.counts_for[kit].append((part, quantity))
        self.rule_items = {s.item_id for s in standards}
        extras = list(
            Item.objects.active()
            .filter(is_kit=False, tracks_size=False, category__code__in=EXTRA_CATEGORIES)
            .exclude(pk__in=self.rule_items)
            .values_list("pk", flat=True)
        )
        self.extras = {
            p: rng.sample(extras, EXTRAS_PER_POINT) for d in net.desks.values() for p in d
        }
        self.lot_ids: dict[tuple, int] = {}
        self.lots: list[tuple] = [()]  # lot id -> (item, point, expiry, size, condition)
        self.balance: list[int] = [0]
        self.shelf: dict[tuple[int, int, str], list[int]] = defaultdict(list)  # FEFO order
        self.rows: dict[type, list[tuple]] = defaultdict(list)
        self.ids = {model: itertools.count(1) for model in (Document, DocumentLine, Movement)}
        self.written = self.visits = self.restocks = 0
        self.started = time.perf_counter()

    # ---------------------------------------------------------------- time

    def moment(self, day: int, minute: float):
        naive = dt.datetime.combine(self.start + dt.timedelta(days=day), dt.time(9))
        aware = (naive + dt.timedelta(minutes=minute)).replace(tzinfo=self.zone)
        return aware

    # ---------------------------------------------------------------- the schedule

    def schedule(self, visits_per_household: float) -> list[tuple[int, float, int, int]]:
        """(day, minute, family index, point) of every visit, in time order. Visits come at
        least MIN_GAP days apart, on average so that households have `visits_per_household`."""
        covered = sum(DAYS - max(0, f.registered) for f in self.families)
        mean_gap = covered / (visits_per_household * len(self.families))
        extra = max(1.0, mean_gap - MIN_GAP)
        visits = []
        for index, family in enumerate(self.families):
            first = max(0, family.registered)
            day = first + self.rng.uniform(0, MIN_GAP + extra) * (
                1 if family.registered < 0 else 0.2
            )
            desks = self.net.desks[family.organisation]
            while day < DAYS:
                point = family.home if self.rng.random() < 0.85 else self.rng.choice(desks)
                visits.append((int(day), self.rng.uniform(0, OPEN_MINUTES - 1), index, point))
                day += MIN_GAP + self.rng.expovariate(1 / extra)
        visits.sort()
        return visits

    # ---------------------------------------------------------------- stock

    def lot(self, item: int, point: int, expiry, size: str, when) -> int:
        key = (item, point, expiry, size, "new")
        lot = self.lot_ids.get(key)
        if lot is None:
            lot = self.lot_ids[key] = len(self.lots)
            self.lots.append(key)
            self.balance.append(0)
            shelf = self.shelf[item, point, size]
            # First expiry first out; undated lots last.
            order = [(self.lots[x][2] or dt.date.max, x) for x in shelf]
            shelf.insert(bisect.bisect(order, (expiry or dt.date.max, lot)), lot)
            expiry_value = self.loader.date(expiry) if expiry else None
            self.rows[Lot].append((lot, item, point, expiry_value, size, "new", when))
        return lot

    def usable(self, item: int, point: int, size: str, today: dt.date) -> list[int]:
        return [
            lot
            for lot in self.shelf[item, point, size]
            if self.balance[lot] > 0 and (self.lots[lot][2] or dt.date.max) >= today
        ]

    def available(self, item: int, point: int, size: str, today: dt.date) -> int:
        return sum(self.balance[lot] for lot in self.usable(item, point, size, today))

    def restock(self, item: int, point: int, size: str, need: int, today: dt.date, when) -> None:
        """A donation at the desk: enough of the item for this visit and many more."""
        good = self.goods[item]
        kind = "kit" if good.kit else "standard" if item in self.rule_items else "extra"
        quantity = max(need, self.rng.randint(*RESTOCK[kind]))
        expiry = None
        if good.tracks_expiry:  # best before the end of a month, 6 to 18 months ahead
            later = today + dt.timedelta(days=self.rng.randint(180, 540))
            expiry = later.replace(day=1) - dt.timedelta(days=1)
        by = self.rng.choice(self.net.volunteers[self.net.org_of[point]])
        document = self.document("donation", point, by, when, donor="Diaspora parcel")
        lot = self.lot(item, point, expiry, size, when)
        line = self.line(document, lot, quantity)
        self.move(lot, quantity, "donation", document, line, by, when)
        self.restocks += 1

    def take(self, item, point, size, quantity, today, when, document, by) -> int:
        """Hand out `quantity` first expiry first out, restocking first if the desk runs low."""
        if self.available(item, point, size, today) < quantity:
            self.restock(item, point, size, quantity, today, when)
        left = quantity
        for lot in self.usable(item, point, size, today):
            taken = min(left, self.balance[lot])
            line = self.line(document, lot, taken)
            self.move(lot, -taken, "distribution", document, line, by, when)
            left -= taken
            if not left:
                break
        return quantity

    # ---------------------------------------------------------------- rows

    def document(self, kind: str, point: int, by: int, when, household=None, donor="") -> int:
        document = next(self.ids[Document])
        self.rows[Document].append(
            (document, kind, "posted", self.net.org_of[point], point, household, donor, "", "",
             "", "", by, when)
        )  # fmt: skip
        return document

    def line(self, document: int, lot: int, quantity: int) -> int:
        line = next(self.ids[DocumentLine])
        item, _point, expiry, size, condition = self.lots[lot]
        expiry_value = self.loader.date(expiry) if expiry else None
        self.rows[DocumentLine].append(
            (line, document, item, lot, quantity, expiry_value, size, condition, "")
        )
        return line

    def move(self, lot: int, delta: int, kind: str, document: int, line: int, by: int, when):
        balance = self.balance[lot] + delta
        if balance < 0 or delta == 0:
            raise AssertionError(f"lot {lot}: {self.balance[lot]} {delta:+d}")
        self.balance[lot] = balance
        item, point = self.lots[lot][:2]
        self.rows[Movement].append(
            (next(self.ids[Movement]), lot, point, item, kind, delta, balance, document, line,
             by, when)
        )  # fmt: skip
        self.written += 1

    def flush(self, total: int) -> None:
        with transaction.atomic():
            self.loader.insert(Lot, LOT_FIELDS, self.rows.pop(Lot, []))
            self.loader.insert(Document, DOCUMENT_FIELDS, self.rows.pop(Document, []))
            self.loader.insert(DocumentLine, LINE_FIELDS, self.rows.pop(DocumentLine, []))
            self.loader.insert(Movement, MOVEMENT_FIELDS, self.rows.pop(Movement, []))
            self.loader.insert(IdempotencyRecord, KEY_FIELDS, self.rows.pop(IdempotencyRecord, []))
        elapsed = time.perf_counter() - self.started
        say(
            f"  year: {self.visits:>9,} of {total:,} visits, {self.written:,} movements, "
            f"{len(self.lots) - 1:,} lots, {elapsed:.0f} s"
        )

    # ---------------------------------------------------------------- a visit

    def due(self, family: Family, day: int) -> dict[int, int]:
        """What the desk pre-fills: each rule's entitlement less what was received in its
        period (kits counting their components), added up per item, as dues_for does."""
        dues: dict[int, int] = defaultdict(int)
        for index, amount in family.dues:
            standard = self.standards[index]
            since = day - standard.period_days + 1
            got = family.received.get(standard.item_id, ())
            received = sum(units for on, units in got if on >= since)
            if (owed := entitlements.due_now(amount, received)) > 0:
                dues[standard.item_id] += owed
        return dues

    def visit(self, day: int, minute: float, family: Family, point: int) -> None:
        today = self.start + dt.timedelta(days=day)
        when = self.loader.datetime(self.moment(day, minute))
        by = self.rng.choice(self.net.volunteers[family.organisation])
        document = self.document("distribution", point, by, when, household=family.id)
        handed = []
        for item, quantity in self.due(family, day).items():
            sizes = self.goods[item].sizes
            if sizes is None:
                handed.append((item, "", quantity))
                continue
            # Clothes: the members' sizes, two or three of them.
            chunks = self.rng.randint(1, min(3, quantity))
            cuts = sorted(self.rng.sample(range(1, quantity), chunks - 1)) if chunks > 1 else []
            for a, b in itertools.pairwise([0, *cuts, quantity]):
                handed.append((item, self.rng.choice(sizes), b - a))
        for item in self.rng.sample(self.extras[point], self.rng.choice([0, 0, 1, 1, 1, 2])):
            handed.append((item, "", self.rng.choice([1, 1, 2, 3])))
        for item, size, quantity in handed:
            self.take(item, point, size, quantity, today, when, document, by)
            for counted, per in self.counts_for[item]:
                if counted in self.rule_items:
                    family.received[counted].append((day, quantity * per))
        key = uuid.UUID(int=self.rng.getrandbits(128)).hex
        self.rows[IdempotencyRecord].append((by, key, f"{self.rng.getrandbits(256):064x}",
                                             document, when))  # fmt: skip
        family.last_at = self.moment(day, minute)
        self.visits += 1

    # ---------------------------------------------------------------- the run

    def run(self, visits_per_household: float) -> None:
        schedule = self.schedule(visits_per_household)
        say(f"  {len(schedule):,} visits scheduled")
        for day, minute, index, point in schedule:
            self.visit(day, minute, self.families[index], point)
            if len(self.rows[Movement]) >= FLUSH_EVERY:
                self.flush(len(schedule))
        self.top_up()
        self.flush(len(schedule))
        self.write_balances()
        self.write_activity()

    def top_up(self) -> None:
        """Yesterday evening, every desk's shelves are filled for today's measurements."""
        day = DAYS - 1
        when = self.loader.datetime(self.moment(day, OPEN_MINUTES - 1))
        today = timezone.localdate()
        for (item, point, size), _shelf in list(self.shelf.items()):
            have = self.available(item, point, size, today)
            if have < TOP_UP_TO:
                self.restock(item, point, size, TOP_UP_TO - have, today, when)

    def write_balances(self) -> None:
        rows = [
            (lot, key[1], key[0], self.balance[lot]) for lot, key in enumerate(self.lots) if key
        ]
        with transaction.atomic():
            self.loader.insert(Balance, ["lot", "point", "item", "quantity"], rows)
            rebuild_item_balances()
        if self.loader.postgres:
            models = [Lot, Document, DocumentLine, Movement, IdempotencyRecord]
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)

    def write_activity(self) -> None:
        """Retention counts from a household's last visit, as record_activity keeps it."""
        served = [f for f in self.families if f.last_at is not None]
        with transaction.atomic(), connection.cursor() as cursor:
            table = connection.ops.quote_name(Household._meta.db_table)
            cursor.executemany(
                f"UPDATE {table} SET last_activity_at = %s WHERE id = %s",
                [(self.loader.datetime(f.last_at), f.id) for f in served],
            )


def build_year(net, families, standards, *, visits: float, rng) -> Year:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
        else:
            cursor.execute("SET synchronous_commit = off")
    year = Year(net=net, families=families, standards=standards, rng=rng, loader=Loader())
    year.run(visits)
    return year


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
HANDED_OUT = """
SELECT COUNT(*) FROM {movement} m JOIN {document} d ON d.id = m.document_id
WHERE m.kind = 'distribution' AND (d.kind <> 'distribution' OR d.household_id IS NULL)
"""


def survey() -> dict:
    tables = {
        "balance": Balance._meta.db_table,
        "movement": Movement._meta.db_table,
        "document": Document._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(CONSISTENCY.format(**tables))
        balances, mismatched, negative, movements = cursor.fetchone()
        cursor.execute(RUNNING.format(**tables))
        (running,) = cursor.fetchone()
        cursor.execute(HANDED_OUT.format(**tables))
        (orphans,) = cursor.fetchone()
    households = Household.objects.all()
    people = sum(households.aggregate(*(Sum(name) for name in COMPOSITION)).values())
    flagged = households.filter(FLAGGED).count()
    visits = Document.objects.filter(kind="distribution")
    n_visits = visits.count()
    return {
        "households": households.count(),
        "people": people,
        "flagged": flagged,
        "requests": Request.objects.count(),
        "points": Point.objects.count(),
        "desks": Point.objects.filter(kind="distribution").count(),
        "items": Item.objects.count(),
        "standards": Standard.objects.count(),
        "lots": Lot.objects.count(),
        "visits": n_visits,
        "visit lines": DocumentLine.objects.filter(document__kind="distribution").count(),
        "served": visits.values("household").distinct().count(),
        "documents": Document.objects.count(),
        "movements": movements or 0,
        "kinds": Counter(dict(Movement.objects.values_list("kind").annotate(n=Count("pk")))),
        "balances": balances,
        "broken": (mismatched or 0) + (negative or 0) + running + orphans,
        "detail": f"{mismatched or 0} differ from the sum of their movements, "
        f"{negative or 0} negative, {running} wrong balance_after, "
        f"{orphans} hand-outs without a household",
    }


COMPOSITION = [f"{sex}_{band}" for sex in entitlements.SEXES for band in entitlements.BANDS]
FLAGGED = (
    Q(pregnant_or_breastfeeding=True)
    | Q(disability=True)
    | Q(chronic_illness=True)
    | Q(single_caregiver=True)
    | Q(unaccompanied_minor=True)
    | Q(older_person_alone=True)
)


def analyse() -> str:
    """PostgreSQL's autovacuum would analyse the new tables within a minute; do it now.
    SQLite gets no statistics: the app never runs ANALYZE."""
    if connection.vendor != "postgresql":
        return "none (the app never runs ANALYZE on SQLite)"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return "VACUUM ANALYZE after loading (as autovacuum would)"


# ================================================================ measurements


@dataclass
class Timing:
    name: str
    samples: list[float]  # milliseconds, wall clock
    cpu: list[float] = field(default_factory=list)  # milliseconds of this process's CPU
    note: str = ""

    def percentile(self, p: float, samples: list[float] | None = None) -> float:
        ordered = sorted(self.samples if samples is None else samples)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Desks:
    """The three operations, with random but realistic input. Each sample is prepared untimed
    (which household, which lines), then timed; an operation may time a part of itself too."""

    def __init__(self, net: Network, rng: random.Random) -> None:
        self.net, self.rng = net, rng
        self.desks = [p for p in net.points if p.kind == Point.Kind.DISTRIBUTION]
        self.households: dict[int, list[int]] = defaultdict(list)
        for pk, org in Household.objects.active().values_list("pk", "organisation"):
            self.households[org].append(pk)
        self.users = User.objects.in_bulk([u for users in net.volunteers.values() for u in users])
        self.clients: dict[int, Client] = {}
        for point in self.desks:
            client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(self.users[self.rng.choice(net.volunteers[point.organisation_id])])
            self.clients[point.pk] = client
        self.page_bytes: list[int] = []
        self.line_counts: list[int] = []
        self.due_counts: list[int] = []

    def household(self, point: Point) -> Household:
        pk = self.rng.choice(self.households[point.organisation_id])
        return Household.objects.get(pk=pk)

    # (a) the code typed at the desk, then the visit page
    def prepare_open(self):
        point = self.rng.choice(self.desks)
        return point, self.household(point)

    def open_household(self, prepared) -> dict[str, float]:
        point, household = prepared
        client = self.clients[point.pk]
        desk = reverse("distribution:desk", args=[point.pk])
        response = client.get(desk, {"code": household.display_code})
        visit = reverse("distribution:visit", args=[point.pk, household.code])
        if response.status_code != 302 or response.url != visit:
            raise AssertionError(f"desk {point.pk}, {household.code}: {response.status_code}")
        start = time.perf_counter()
        response = client.get(visit)
        part = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise AssertionError(f"visit {point.pk}, {household.code}: {response.status_code}")
        self.page_bytes.append(len(response.content))
        return {"GET visit page alone": part}

    # (b) a hand-out of 3-6 items, lots first expiry first out
    def prepare_post(self):
        point = self.rng.choice(self.desks)
        household = self.household(point)
        user = self.users[self.rng.choice(self.net.volunteers[point.organisation_id])]
        user.__dict__.pop("_kamavor_roles", None)  # a new request looks the role up again
        stocked = list(
            Balance.objects.filter(point=point, quantity__gt=10)
            .exclude(lot__expiry__lt=timezone.localdate())
            .values_list("item", "lot__size")
            .distinct()
        )
        sizes = defaultdict(list)
        for item, size in stocked:
            sizes[item].append(size)
        wanted = self.rng.randint(3, 6)
        lines = []
        for due in adapters.dues_for(household, timezone.localdate()):
            if due.item.pk in sizes and len(lines) < wanted:
                lines.append((due.item, min(due.quantity, 10)))
        others = Item.objects.in_bulk([i for i in sizes if i not in {x.pk for x, _q in lines}])
        for item in self.rng.sample(list(others.values()), wanted - len(lines)):
            lines.append((item, self.rng.choice([1, 1, 2, 3])))
        chosen = [
            (item, q, self.rng.choice(sizes[item.pk]) if item.tracks_size else None)
            for item, q in lines
        ]
        return point, household, user, chosen

    def post_distribution(self, prepared) -> dict[str, float]:
        point, household, user, chosen = prepared
        picks = []
        for item, quantity, size in chosen:
            found = suggest_picks(point=point, item=item, quantity=quantity, size=size)
            picks.extend(LotLine(lot, take) for lot, take in found)
        start = time.perf_counter()
        record_distribution(
            point=point,
            household=household,
            lines=picks,
            by=user,
            idempotency_key=uuid.uuid4().hex,
        )
        self.line_counts.append(len(picks))
        return {"record_distribution alone": (time.perf_counter() - start) * 1000}

    # (c) what is due now
    def prepare_dues(self):
        return self.household(self.rng.choice(self.desks))

    def dues(self, household) -> dict[str, float]:
        self.due_counts.append(sum(1 for due in dues_for(household) if due.due > 0))
        return {}


def timed(prepare: Callable, run: Callable, samples: int) -> tuple[list, list, dict]:
    """Wall-clock and CPU milliseconds of each sample, and of the parts it timed itself. The
    CPU time is this process's alone (Python, and SQLite's work; not PostgreSQL's server)."""
    for _ in range(WARMUP):
        run(prepare())
    totals, cpu, parts = [], [], defaultdict(list)
    for _ in range(samples):
        prepared = prepare()
        start, start_cpu = time.perf_counter(), time.process_time()
        inner = run(prepared)
        totals.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        for name, ms in inner.items():
            parts[name].append(ms)
    return totals, cpu, parts


def measure(net: Network, samples: int, rng: random.Random, show_queries: bool) -> list[Timing]:
    desks = Desks(net, rng)
    operations = [
        ("(a) open a household", desks.prepare_open, desks.open_household),
        ("(b) post a distribution", desks.prepare_post, desks.post_distribution),
        ("(c) dues_for(household)", desks.prepare_dues, desks.dues),
    ]
    timings = []
    for name, prepare, run in operations:
        totals, cpu, parts = timed(prepare, run, samples)
        timings.append(Timing(name, totals, cpu))
        for part, values in parts.items():
            timings.append(Timing(f"    {part}", values))
        if show_queries:
            print_queries(name, prepare, run)
    by_name = {t.name: t for t in timings}
    kb = sum(desks.page_bytes) / len(desks.page_bytes) / 1024
    by_name[
        "(a) open a household"
    ].note = f"GET desk?code= (302) + GET visit; average page {kb:.0f} KB"
    lines = desks.line_counts
    by_name["(b) post a distribution"].note = (
        f"suggest_picks per item + record_distribution; {min(lines)}-{max(lines)} lot lines, "
        f"mean {sum(lines) / len(lines):.1f}"
    )
    due = desks.due_counts
    by_name["(c) dues_for(household)"].note = f"mean {sum(due) / len(due):.1f} items due"
    return timings


def print_queries(name: str, prepare: Callable, run: Callable) -> None:
    """Run one more sample and print its queries, slowest first, timed to the microsecond."""
    queries: list[tuple[float, str]] = []
    prepared = prepare()

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql))

    start = time.perf_counter()
    with connection.execute_wrapper(timer):
        run(prepared)
    elapsed = (time.perf_counter() - start) * 1000
    in_database = sum(ms for ms, _ in queries)
    say(f"\n{name}: {elapsed:.1f} ms, {len(queries)} queries, {in_database:.1f} ms of them")
    for ms, sql in sorted(queries, reverse=True)[:6]:
        say(f"  {ms:7.2f} ms  {sql[:300]}")


# ================================================================ report


def engine() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (file, WAL)"


def report(*, timings: list[Timing], held: dict, steps: dict, statistics: str, load: str):
    kinds = ", ".join(f"{k} {n:,}" for k, n in held["kinds"].most_common())
    n = held["households"] or 1
    visits = held["visits"] or 1
    say("\nKamavor households benchmark")
    say(f"  database      {engine()}")
    say(
        f"  households    {held['households']:,} ({held['people']:,} people, "
        f"{held['people'] / n:.2f} per household; {100 * held['flagged'] / n:.0f}% with a "
        f"vulnerability flag), {held['served']:,} served in the year, "
        f"{held['requests']:,} open requests"
    )
    say(
        f"  network       {held['points']} points ({held['desks']} distribution points), "
        f"{held['items']:,} items, {held['standards']} standards, {held['lots']:,} lots, "
        f"{held['documents']:,} documents"
    )
    say(
        f"  the year      {held['visits']:,} distributions ({held['visits'] / n:.1f} per "
        f"household), {held['visit lines']:,} lines ({held['visit lines'] / visits:.1f} per visit)"
    )
    say(f"  movements     {held['movements']:,} ({kinds})")
    say(
        f"  consistency   {'BROKEN' if held['broken'] else 'OK'}: {held['balances']:,} balances; "
        + held["detail"]
    )
    say(f"  statistics    {statistics}")
    if steps:
        say("  build time    " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))
    say(f"  machine       {os.cpu_count()} CPUs, load average {load} while measuring")
    say(
        f"\n  {'operation':<30}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'CPU p95':>9}  p95 < 50 ms"
    )
    for t in timings:
        p95 = t.percentile(95)
        verdict = ("yes" if p95 < TARGET_MS else "NO ") if not t.name.startswith(" ") else "   "
        cpu = f"{t.percentile(95, t.cpu):>9.1f}" if t.cpu else " " * 9
        say(
            f"  {t.name:<30}{len(t.samples):>8}{t.percentile(50):>9.1f}{p95:>9.1f}"
            f"{max(t.samples):>9.1f}{cpu}  {verdict}" + (f"  ({t.note})" if t.note else "")
        )


def build(rng: random.Random, steps: dict[str, float]) -> Network:
    start = time.perf_counter()

    def step(name: str) -> None:
        nonlocal start
        steps[name] = time.perf_counter() - start
        start = time.perf_counter()

    say(f"Building in {DATABASE_URL} (data folder {DATA_DIR})")
    call_command("migrate", verbosity=0)
    step("schema")
    net = build_network()
    load_catalogue()
    loaded = load_standards()
    standards = list(Standard.objects.active().with_item())
    step("network, catalogue, standards")
    items = Item.objects.count()
    say(f"  {len(net.points)} points, {items:,} items, {len(loaded.created)} standards")
    families = build_households(net, OPTIONS.households, rng, standards)
    step("households")
    say(f"  {len(families):,} households")
    build_year(net, families, standards, visits=OPTIONS.visits, rng=rng)
    n = build_requests(families, net, rng)
    connection.close()  # the measurements use the app's own connection settings
    step("year of distributions")
    say(f"  {n:,} open requests")
    return net


def main() -> None:
    rng = random.Random(OPTIONS.seed)
    steps: dict[str, float] = {}
    if OPTIONS.reuse:
        call_command("migrate", verbosity=0)  # the code may have moved on since --keep
        net = load_network()
    else:
        net = build(rng, steps)
    started = time.perf_counter()
    held = survey()
    statistics = "as left by the run that built it" if OPTIONS.reuse else analyse()
    if not OPTIONS.reuse:
        steps["checks and statistics"] = time.perf_counter() - started
        steps["total"] = sum(steps.values())
    # A server process holds none of the build's objects: keep the collector off them.
    gc.collect()
    gc.freeze()
    say(f"Measuring {OPTIONS.samples} samples of each operation")
    before = os.getloadavg()[0]
    timings = measure(net, OPTIONS.samples, rng, OPTIONS.queries)
    load = f"{before:.1f} → {os.getloadavg()[0]:.1f}"
    report(timings=timings, held=held, steps=steps, statistics=statistics, load=load)


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        if OPTIONS.keep:
            say(f"\nKept {DATABASE_URL}: measure it again with --reuse --database-url URL")
        else:
            drop_database()  # a no-op for --reuse, which never drops what it did not create
        if OWN_DATA_DIR and not (OPTIONS.keep and not OPTIONS.reuse):
            shutil.rmtree(DATA_DIR, ignore_errors=True)
