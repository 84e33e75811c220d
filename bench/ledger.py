"""Time the desks against a ledger at the scale PRODUCT.md designs for, and print the figures.

    .venv/bin/python bench/ledger.py [--database-url URL] [--movements 2000000] [--points 50]
                                     [--items 1000] [--samples 200] [--queries] [--keep]
    .venv/bin/python bench/ledger.py --reuse --database-url URL   (measure a kept database)

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named in the URL,
created and dropped here), fills it with organisations, points, the real catalogue padded with
variants, and a ledger of --movements movements, then times with perf_counter, on the server
side: a 10-line donation through `post_donation`, the point's stock page through the test
client, and an item search in all three scripts; p95 is held against the 50 ms target.

The history is simulated in Python and bulk-inserted (executemany on SQLite, COPY on
PostgreSQL): posting 2 million movements through the services would take hours. It follows the
services' rules (same document and line shape, balance_after running per lot, no negative
balance, no expired intake) and is checked with SQL at the end. The services are what is timed.
What it shares with bench/households.py is in bench/benchkit.py.
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import datetime as dt
import gc
import heapq
import itertools
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

import benchkit
from benchkit import KIND_LABEL, ORGANISATIONS, PLACES, Timing, say


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--movements", type=int, default=2_000_000)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--days", type=int, default=90, help="days of history (default 90)")


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-")

from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from kamavor.catalogue.models import Barcode, Item
from kamavor.catalogue.services import DEFAULT_CATALOGUE, load_catalogue
from kamavor.lib.gtin import check_digit
from kamavor.network.models import Member, Organisation, Point
from kamavor.stock.models import Balance, Document, DocumentLine, Lot, Movement
from kamavor.stock.services import IntakeLine, post_donation

User = get_user_model()
# Import every URL and view now: other work may edit the tree during a long build.
reverse("stock:point_stock", args=[1])


# ================================================================ the network

# What some organisations are given more of than others: category -> weight (default 1).
PROFILES = {
    "hope-medical-charity": {"medical": 6, "hygiene": 2, "baby": 2},
    "syunik-shelters": {"bedding": 3, "clothing": 2, "kitchen": 2},
}
# Each organisation's points, in this order: one warehouse, then mostly collection points.
KINDS = ["warehouse", "collection", "collection", "distribution", "shelter", "collection",
         "shelter", "distribution", "collection", "shelter"]  # fmt: skip


@dataclass
class Network:
    points: list[Point]
    org_of: dict[int, int]  # point id -> organisation id
    coordinators: dict[int, list[int]]  # organisation id -> user ids
    volunteers: dict[int, list[int]]
    profiles: dict[int, dict[str, float]]  # organisation id -> category weights


def build_network(n_points: int) -> Network:
    orgs = [Organisation.objects.create(name=n, slug=s) for n, s in ORGANISATIONS]
    points = []
    for i in range(n_points):
        org = orgs[i % len(orgs)]
        kind = KINDS[(i // len(orgs)) % len(KINDS)]
        place = PLACES[i % len(PLACES)] + ("" if i < len(PLACES) else f" {i // len(PLACES) + 1}")
        name = f"{place} {KIND_LABEL[kind]}"
        points.append(Point(organisation=org, name=name, slug=slugify(f"{name}-{i}"), kind=kind))
    points = Point.objects.bulk_create(points)
    benchkit.add_people(orgs, points)
    net = load_network()
    net.profiles = {org.pk: PROFILES.get(org.slug, {}) for org in orgs}
    return net


def load_network() -> Network:
    """The points and the people who work there, as the database holds them."""
    points = list(Point.objects.order_by("pk"))
    people: dict[str, dict[int, list[int]]] = {"coordinator": {}, "volunteer": {}}
    for user, org, role in Member.objects.values_list("user", "organisation", "role"):
        people[role].setdefault(org, []).append(user)
    return Network(
        points=points,
        org_of={p.pk: p.organisation_id for p in points},
        coordinators=people["coordinator"],
        volunteers=people["volunteer"],
        profiles=defaultdict(dict),
    )


# ================================================================ the catalogue

# Qualifiers that make believable variants of real items: (code, en, hy, ru). Russian phrases
# that need no agreement with the noun ("серого цвета", "для девочек") keep the names correct.
GENERIC = [
    ("am", "made in Armenia", "արտադրված Հայաստանում", "производство Армении"),
    ("ru", "from Russia", "Ռուսաստանից", "из России"),
    ("ge", "from Georgia", "Վրաստանից", "из Грузии"),
    ("ir", "from Iran", "Իրանից", "из Ирана"),
    ("fr", "from France", "Ֆրանսիայից", "из Франции"),
    ("us", "from the USA", "ԱՄՆ-ից", "из США"),
    ("family", "family pack", "ընտանեկան փաթեթ", "семейная упаковка"),
    ("large", "large pack", "մեծ փաթեթ", "большая упаковка"),
    ("small", "small pack", "փոքր փաթեթ", "малая упаковка"),
    ("economy", "economy", "էկոնոմ", "эконом"),
    ("aid", "humanitarian aid", "մարդասիրական օգնություն", "гуманитарная помощь"),
]
FOOD = [
    ("bio", "organic", "օրգանական", "био"),
    ("low-salt", "low salt", "քիչ աղով", "с пониженным содержанием соли"),
    ("no-sugar", "sugar-free", "առանց շաքարի", "без сахара"),
    ("glass", "in a glass jar", "ապակե տարայով", "в стеклянной банке"),
    ("x6", "pack of 6", "6 հատ", "6 шт."),
]
WEAR = [
    ("black", "black", "սև", "чёрного цвета"),
    ("grey", "grey", "մոխրագույն", "серого цвета"),
    ("navy", "navy blue", "մուգ կապույտ", "тёмно-синего цвета"),
    ("green", "green", "կանաչ", "зелёного цвета"),
    ("brown", "brown", "շագանակագույն", "коричневого цвета"),
    ("boys", "for boys", "տղաների համար", "для мальчиков"),
    ("girls", "for girls", "աղջիկների համար", "для девочек"),
]
CARE = [
    ("unscented", "unscented", "անհոտ", "без запаха"),
    ("sensitive", "for sensitive skin", "զգայուն մաշկի համար", "для чувствительной кожи"),
    ("travel", "travel size", "ճամփորդական չափս", "дорожный формат"),
    ("refill", "refill pack", "լիցքավորման փաթեթ", "запасной блок"),
    ("x3", "pack of 3", "3 հատ", "3 шт."),
    ("x10", "pack of 10", "10 հատ", "10 шт."),
]
MEDICAL = [
    ("child", "children's dose", "մանկական դեղաչափ", "детская дозировка"),
    ("adult", "adult dose", "մեծահասակների դեղաչափ", "для взрослых"),
    ("blister", "blister of 10", "10 հատանոց բլիստեր", "блистер 10 шт."),
    ("x20", "pack of 20", "20 հատ", "20 шт."),
    ("syrup", "syrup", "օշարակ", "сироп"),
]
BABY = [
    ("0-6m", "0–6 months", "0–6 ամսական", "0–6 месяцев"),
    ("6-12m", "6–12 months", "6–12 ամսական", "6–12 месяцев"),
    ("1-3y", "1–3 years", "1–3 տարեկան", "1–3 года"),
]
SCHOOL = [
    ("set12", "set of 12", "12 հատանոց հավաքածու", "набор 12 шт."),
    ("assorted", "assorted colours", "տարբեր գույների", "разных цветов"),
]
QUALIFIERS = {
    "food": FOOD, "baby-food": FOOD + BABY, "clothing": WEAR, "footwear": WEAR,
    "hygiene": CARE, "cleaning": CARE, "household": CARE, "kitchen": CARE, "bedding": WEAR,
    "medical": MEDICAL, "baby": BABY + CARE, "school": SCHOOL, "toys": SCHOOL + BABY,
}  # fmt: skip


def build_catalogue(n_items: int, rng: random.Random) -> None:
    """The real catalogue, padded to n_items with variants named in all three languages."""
    load_catalogue()
    bases = list(Item.objects.filter(is_kit=False).select_related("category").order_by("pk"))
    wanted = n_items - Item.objects.count()
    variants: list[Item] = []
    used = {item.code for item in bases}
    for _round in range(8):
        rng.shuffle(bases)
        for base in bases:
            if len(variants) >= wanted:
                break
            pool = QUALIFIERS.get(base.category.code, []) + GENERIC
            code, en, hy, ru = rng.choice(pool)
            if f"{base.code}-{code}"[:80] in used:
                continue
            used.add(f"{base.code}-{code}"[:80])
            variants.append(benchkit.item_variant(base, code, en=en, hy=hy, ru=ru))
    Item.objects.bulk_create(variants, batch_size=500)
    serial = itertools.count(1)
    barcodes = []
    for item in Item.objects.filter(code__in=[v.code for v in variants]):
        if rng.random() < 0.6:
            body = f"485{next(serial):09d}"  # 485: GS1 Armenia
            barcodes.append(Barcode(item=item, code=f"{body}{check_digit(body)}"))
    Barcode.objects.bulk_create(barcodes, batch_size=500)


@dataclass(frozen=True)
class Good:
    """What the simulation needs to know of an item."""

    id: int
    category: str
    tracks_expiry: bool
    sizes: tuple[str, ...] | None  # None: size does not matter
    variant: bool


def goods() -> list[Good]:
    base_codes = {e["code"] for e in json.loads(DEFAULT_CATALOGUE.read_text())["items"]}
    return [
        Good(
            id=item.pk,
            category=item.category.code,
            tracks_expiry=item.tracks_expiry,
            sizes=(tuple(item.sizes) or ("M",)) if item.tracks_size else None,
            variant=item.code not in base_codes,
        )
        for item in Item.objects.active().filter(is_kit=False).select_related("category")
    ]


SHARE = {"warehouse": 0.95, "collection": 0.7, "distribution": 0.6, "shelter": 0.4}


def item_weights(net: Network, items: list[Good], rng: random.Random) -> dict[int, list[float]]:
    """Per point, cumulative weights over items: what is donated and stocked there."""
    weights = {}
    for point in net.points:
        profile = net.profiles[point.organisation_id]
        row = []
        for good in items:
            if rng.random() > SHARE[point.kind]:
                row.append(0.0)
                continue
            w = (0.3 if good.variant else 1.0) * profile.get(good.category, 1.0)
            row.append(w * rng.lognormvariate(0, 0.8))
        weights[point.pk] = list(itertools.accumulate(row))
    return weights


# ================================================================ bulk loading

DOCUMENT_FIELDS = ["id", "kind", "status", "organisation", "point", "destination", "donor",
                   "supplier", "currency", "reason", "note", "created_by", "created_at",
                   "received_by", "received_at"]  # fmt: skip
LINE_FIELDS = ["id", "document", "item", "lot", "quantity", "received_quantity",
               "expected_quantity", "expiry", "size", "condition", "unit_cost",
               "reason"]  # fmt: skip


# ================================================================ the history

OPEN_MINUTES = 11 * 60  # points are open 09:00-20:00
DONORS = ["", "", "", "", "", "Anna M.", "Tumo students", "SAS supermarket", "Armen K.",
          "Ararat church group", "Diaspora parcel (Los Angeles)", "School No. 55"]  # fmt: skip
SUPPLIERS = ["Yerevan City supermarket", "Carrefour Armenia", "Natali Pharm", "Alfa Pharm"]
DONATION_LINES = [1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12]
DONATION_QUANTITY = [1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 24, 50]
PURCHASE_QUANTITY = [20, 50, 100, 200, 500]
TAKE_QUANTITY = [2, 5, 10, 10, 20, 50, 100]
COUNT_DELTA = [-2, -1, -1, 0, 0, 0, 0, 0, 0, 1]
KIND_WEIGHTS = {"donation": 78, "purchase": 3, "transfer": 14, "count": 5}
INTAKE_AT = {"collection": 6, "warehouse": 2, "distribution": 1, "shelter": 0.3}
SEND_FROM = {"warehouse": 5, "collection": 3, "distribution": 0.5, "shelter": 0}
SEND_TO = {"warehouse": 2, "collection": 1, "distribution": 3, "shelter": 3}


def _cumulative(weights: dict[int, float]) -> tuple[list[int], list[float]]:
    keys = [k for k, w in weights.items() if w > 0]
    return keys, list(itertools.accumulate(weights[k] for k in keys))


@dataclass(order=True)
class Receipt:
    """A transfer in transit: its goods enter the destination when the clock reaches `at`."""

    at: float
    document: int
    destination: int = field(compare=False)
    by: int = field(compare=False)
    lines: list[tuple[int, int, int]] = field(compare=False)  # (line, source lot, received)


class History(benchkit.Ledger):
    """Weeks of donations, purchases, transfers, counts and disposals, simulated in order.

    Time runs in opening minutes and advances with the movements written, so the history
    spans `days` days and ends yesterday evening. Each lot's balance is kept here; a movement
    is written with the balance after it, exactly as Posting.move does.
    """

    def __init__(self, *, net, items, target, days, rng) -> None:
        super().__init__(document_fields=DOCUMENT_FIELDS, line_fields=LINE_FIELDS)
        self.net, self.items, self.target, self.days = net, items, target, days
        self.rng = rng
        self.start = timezone.localdate() - dt.timedelta(days=days)
        self.zone = timezone.get_current_timezone()
        self.weights = item_weights(net, items, rng)
        self.intake_points = _cumulative({p.pk: INTAKE_AT[p.kind] for p in net.points})
        self.send_points = _cumulative({p.pk: SEND_FROM[p.kind] for p in net.points})
        self.destinations = {
            p.pk: _cumulative(
                {
                    q.pk: SEND_TO[q.kind]
                    for q in net.points
                    if q.organisation_id == p.organisation_id and q.pk != p.pk
                }
            )
            for p in net.points
        }
        self.lots_at: dict[int, list[int]] = defaultdict(list)
        self.dated_at: dict[int, list[int]] = defaultdict(list)
        self.dated_of: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.receipts: list[Receipt] = []
        self.clock = 0.0
        self.documents = 0
        self.started = time.perf_counter()

    # ---------------------------------------------------------------- time

    def now(self, minutes: float | None = None) -> tuple[dt.date, object]:
        """The day, and the database value of the moment, `minutes` opening minutes in."""
        minutes = self.clock if minutes is None else minutes
        day = self.start + dt.timedelta(days=int(minutes // OPEN_MINUTES))
        naive = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=minutes % OPEN_MINUTES)
        return day, self.loader.datetime(naive.replace(tzinfo=self.zone))

    # ---------------------------------------------------------------- the loop

    def run(self) -> None:
        span = self.days * OPEN_MINUTES - 1
        today = -1
        while self.written < self.target:
            self.clock = span * self.written / self.target
            self.receive_due()
            if int(self.clock // OPEN_MINUTES) != today:
                today = int(self.clock // OPEN_MINUTES)
                self.dispose_expired()
            self.post_one(self.target - self.written)
            if self.full():
                self.flush()
        self.flush()
        self.leave_in_transit()
        self.write_balances()

    def post_one(self, room: int) -> None:
        kind = "donation"
        if room > 50:
            kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        getattr(self, kind)(room)

    def pick(self, choices: tuple[list[int], list[float]]) -> int:
        keys, cumulative = choices
        return self.rng.choices(keys, cum_weights=cumulative)[0]

    # ---------------------------------------------------------------- rows

    def lot(self, item: int, point: int, expiry, size: str, condition: str, when) -> int:
        """The lot with these attributes at the point, opened if new (as ledger.lot_for)."""
        key = (item, point, expiry, size, condition)
        lot = self.lot_ids.get(key)
        if lot is None:
            lot = self.open_lot(key, when)
            self.lots_at[point].append(lot)
            if expiry is not None:
                self.dated_at[point].append(lot)
                self.dated_of[item, point].append(lot)
        return lot

    def document(self, kind: str, point: int, by: int, when, **fields) -> int:
        document = next(self.ids[Document])
        self.documents += 1
        self.rows[Document].append(
            (document, kind, fields.get("status", "posted"), self.net.org_of[point], point,
             fields.get("destination"), fields.get("donor", ""), fields.get("supplier", ""),
             fields.get("currency", ""), fields.get("reason", ""), "", by, when,
             fields.get("received_by"), fields.get("received_at"))
        )  # fmt: skip
        return document

    def line(self, document: int, lot: int, quantity: int, **fields) -> int:
        line = next(self.ids[DocumentLine])
        item, _point, expiry, size, condition = self.lots[lot]
        self.rows[DocumentLine].append(
            (line, document, item, lot, quantity, fields.get("received"),
             fields.get("expected"), self.loader.date(expiry) if expiry else None, size,
             condition, fields.get("unit_cost"), fields.get("reason", ""))
        )  # fmt: skip
        return line

    def flush(self) -> None:
        self.write()
        elapsed = time.perf_counter() - self.started
        say(
            f"  ledger: {self.written:>9,} of {self.target:,} movements, "
            f"{self.documents:,} documents, {len(self.lots) - 1:,} lots, {elapsed:.0f} s"
        )

    # ---------------------------------------------------------------- documents

    def intake_lot(self, good: Good, point: int, day: dt.date, when) -> int:
        expiry = None
        if good.tracks_expiry:
            known = self.dated_of.get((good.id, point))
            if known and self.rng.random() < 0.7:
                expiry = self.lots[self.rng.choice(known)][2]
            if expiry is None or expiry < day + dt.timedelta(days=10):
                if self.rng.random() < 0.15:  # short-dated goods are donated too
                    expiry = day + dt.timedelta(days=self.rng.randint(10, 45))
                else:  # best before the end of a month
                    later = day + dt.timedelta(days=self.rng.randint(30, 540))
                    expiry = later.replace(day=1) - dt.timedelta(days=1)
                    expiry = max(expiry, day + dt.timedelta(days=10))
        size, condition = "", "new"
        if good.sizes is not None:
            size = self.rng.choice(good.sizes)
            condition = "used" if self.rng.random() < 0.3 else "new"
        return self.lot(good.id, point, expiry, size, condition, when)

    def intake(self, kind: str, point: int, by: int, n: int, quantities, **fields) -> None:
        day, when = self.now()
        document = self.document(kind, point, by, when, **fields)
        weights = self.weights[point]
        for good in self.rng.choices(self.items, cum_weights=weights, k=n):
            lot = self.intake_lot(good, point, day, when)
            quantity = self.rng.choice(quantities)
            cost = Decimal(self.rng.randint(100, 5000)) if kind == "purchase" else None
            line = self.line(document, lot, quantity, unit_cost=cost)
            self.move(lot, quantity, kind, document, line, by, when)

    def donation(self, room: int) -> None:
        point = self.pick(self.intake_points)
        by = self.rng.choice(self.net.volunteers[self.net.org_of[point]])
        n = min(room, self.rng.choice(DONATION_LINES))
        self.intake("donation", point, by, n, DONATION_QUANTITY, donor=self.rng.choice(DONORS))

    def purchase(self, room: int) -> None:
        point = self.pick(self.send_points)
        by = self.rng.choice(self.net.coordinators[self.net.org_of[point]])
        n = min(room, self.rng.randint(3, 15))
        supplier = self.rng.choice(SUPPLIERS)
        self.intake("purchase", point, by, n, PURCHASE_QUANTITY, supplier=supplier, currency="AMD")

    def in_stock(self, point: int, n: int, day: dt.date) -> dict[int, int]:
        """Up to n distinct unexpired lots with stock at the point, and how much to take."""
        lots, picks = self.lots_at[point], {}
        for _ in range(3 * n if lots else 0):
            lot = self.rng.choice(lots)
            expiry = self.lots[lot][2]
            if lot in picks or not self.balance[lot] or (expiry is not None and expiry < day):
                continue
            picks[lot] = min(self.balance[lot], self.rng.choice(TAKE_QUANTITY))
            if len(picks) == n:
                break
        return picks

    def transfer(self, room: int) -> None:
        source = self.pick(self.send_points)
        day, when = self.now()
        picks = self.in_stock(source, min(room, self.rng.randint(3, 12)), day)
        if not picks or not self.destinations[source][0]:
            return
        destination = self.pick(self.destinations[source])
        by = self.rng.choice(self.net.coordinators[self.net.org_of[source]])
        receiver = self.rng.choice(self.net.volunteers[self.net.org_of[destination]])
        arrives = self.clock + self.rng.uniform(30, 2 * OPEN_MINUTES)
        document = self.document(
            "transfer", source, by, when, status="received", destination=destination,
            received_by=receiver, received_at=self.now(arrives)[1],
        )  # fmt: skip
        receipt = Receipt(arrives, document, destination, receiver, [])
        for lot, quantity in picks.items():
            short = self.rng.random() < 0.03  # a box lost or broken on the way
            received = quantity - 1 if short else quantity
            line = self.line(document, lot, quantity, received=received)
            self.move(lot, -quantity, "transfer_out", document, line, by, when)
            receipt.lines.append((line, lot, received))
        heapq.heappush(self.receipts, receipt)

    def receive_due(self) -> None:
        while self.receipts and self.receipts[0].at <= self.clock:
            receipt = self.receipts[0]
            if sum(1 for *_, got in receipt.lines if got) > self.target - self.written:
                return  # the ledger is full: it stays in transit
            heapq.heappop(self.receipts)
            _day, when = self.now(receipt.at)
            for line, lot, received in receipt.lines:
                if received:
                    item, _point, expiry, size, condition = self.lots[lot]
                    target = self.lot(item, receipt.destination, expiry, size, condition, when)
                    self.move(target, received, "transfer_in", receipt.document, line,
                              receipt.by, when)  # fmt: skip

    def count(self, room: int) -> None:
        point = self.rng.choice(self.net.points).pk
        lots = self.lots_at[point]
        if not lots:
            return
        _day, when = self.now()
        by = self.rng.choice(self.net.coordinators[self.net.org_of[point]])
        document = self.document("count", point, by, when, reason="Weekly stocktake")
        for lot in set(self.rng.choices(lots, k=min(room, self.rng.randint(5, 20)))):
            expected = self.balance[lot]
            counted = max(0, expected + self.rng.choice(COUNT_DELTA))
            reason = "" if counted == expected else self.rng.choice(["damaged", "miscounted"])
            line = self.line(document, lot, counted, expected=expected, reason=reason)
            if counted != expected:
                self.move(lot, counted - expected, "count", document, line, by, when)

    def dispose_expired(self) -> None:
        """Each morning some points take their expired lots off the shelves."""
        day, when = self.now()
        for point in self.net.points:
            if self.rng.random() > 0.3:
                continue
            expired = [
                lot
                for lot in self.dated_at[point.pk]
                if self.balance[lot] and self.lots[lot][2] < day
            ][: min(30, self.target - self.written)]
            if not expired:
                continue
            by = self.rng.choice(self.net.coordinators[point.organisation_id])
            document = self.document("disposal", point.pk, by, when, reason="expired")
            for lot in expired:
                line = self.line(document, lot, self.balance[lot], reason="expired")
                self.move(lot, -self.balance[lot], "disposal", document, line, by, when)

    # ---------------------------------------------------------------- the end

    def leave_in_transit(self) -> None:
        """Transfers still on the road at the end were sent but not yet received."""
        documents = [receipt.document for receipt in self.receipts]
        Document.objects.filter(pk__in=documents).update(
            status=Document.Status.SENT, received_by=None, received_at=None
        )
        DocumentLine.objects.filter(document__in=documents).update(received_quantity=None)


def build_ledger(net: Network, *, target: int, days: int, rng: random.Random) -> None:
    benchkit.load_quickly()
    without_triggers = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As pg_restore --disable-triggers: checking each foreign key row by row triples
            # the load time. They are checked all at once afterwards (superusers only).
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET session_replication_role = replica")
                without_triggers = True
    history = History(net=net, items=goods(), target=target, days=days, rng=rng)
    history.run()
    if without_triggers:
        dangling = dangling_references([Lot, Balance, Document, DocumentLine, Movement])
        say(f"  foreign keys checked after loading: {dangling} dangling")
        if dangling:
            sys.exit("The bulk-loaded ledger has dangling foreign keys.")
    connection.close()  # the measurements use the app's own connection settings


def dangling_references(models: list) -> int:
    """Rows whose foreign keys point at nothing, over every foreign key of these models."""
    qn, total = connection.ops.quote_name, 0
    with connection.cursor() as cursor:
        for model in models:
            for fk in (f for f in model._meta.concrete_fields if f.is_relation):
                parent = fk.related_model._meta
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} c "
                    f"WHERE c.{qn(fk.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{qn(parent.db_table)} p WHERE p.{qn(parent.pk.column)} = c.{qn(fk.column)})"
                )
                total += cursor.fetchone()[0]
    return total


# ================================================================ checks


def survey() -> dict:
    """What the database holds, and whether the ledger explains every balance: each balance
    equals the sum of its lot's movements, none is negative, balance_after runs per lot."""
    in_stock = Balance.objects.filter(quantity__gt=0)
    return {
        "points": Point.objects.count(),
        "items": Item.objects.count(),
        "lots": Lot.objects.count(),
        "in stock": in_stock.count(),
        "items on hand": in_stock.values("point", "item").distinct().count(),
        "documents": Document.objects.count(),
        "lines": DocumentLine.objects.count(),
        **benchkit.check_ledger(),
    }


# ================================================================ measurements

SEARCHES = [
    "brindz", "рис", "rice", "բրինձ", "soap", "օճառ", "мыло", "mylo", "shakar", "сахар",
    "շաքար", "makaron", "подгузники", "diapers", "tushonka", "тушёнка", "blanket", "одеяло",
    "վերմակ", "winter jacket", "куртка", "paracetamol", "парацетамол", "зубная паста",
    "atami matsuk", "toothpaste", "детская смесь", "katnakharnurd", "grechka", "2000000000015",
]  # fmt: skip


class Desks:
    """The three operations, with random but realistic input; each call is one sample."""

    def __init__(self, net: Network, rng: random.Random) -> None:
        self.net, self.rng = net, rng
        self.intake_points = [p for p in net.points if p.kind in ("collection", "warehouse")]
        self.items = list(Item.objects.active().filter(is_kit=False))
        self.users = User.objects.in_bulk([u for users in net.volunteers.values() for u in users])
        self.clients = {}
        for org_id, coordinators in net.coordinators.items():
            self.clients[org_id] = benchkit.desk_client(User.objects.get(pk=coordinators[0]))
        self.page_bytes: list[int] = []
        self.hits: dict[str, int] = {}
        scanned = Barcode.objects.filter(code__startswith="485").values_list("code", flat=True)
        self.queries = SEARCHES + list(scanned[:1])  # a barcode of a generated variant

    def donation(self) -> None:
        point = self.rng.choice(self.intake_points)
        user = self.users[self.rng.choice(self.net.volunteers[point.organisation_id])]
        user.__dict__.pop("_kamavor_roles", None)  # a new request looks the role up again
        today = timezone.localdate()
        lines = [self.intake_line(self.rng.choice(self.items), today) for _ in range(10)]
        key = uuid.uuid4().hex
        post_donation(point=point, lines=lines, by=user, idempotency_key=key)

    def intake_line(self, item: Item, today: dt.date) -> IntakeLine:
        expiry = (
            today + dt.timedelta(days=self.rng.randint(30, 540)) if item.tracks_expiry else None
        )
        size = self.rng.choice(item.sizes or ["M"]) if item.tracks_size else ""
        return IntakeLine(item, self.rng.choice(DONATION_QUANTITY), expiry=expiry, size=size)

    # ------------------------------------------------------------ writes through the API

    def api_setup(self) -> None:
        """A coordinator's token at each organisation, and a few households to serve (the
        built ledger has none): the API writes go through HTTP handling, the token, access,
        the service and the answer, as a desk's request does (without the network)."""
        from django.test import Client

        from kamavor.households.services import Profile, register_household
        from kamavor.network.services import create_token

        self.api: dict[int, Client] = {}
        self.households: dict[int, list[str]] = {}
        for org_id, coordinators in self.net.coordinators.items():
            user = User.objects.get(pk=coordinators[0])
            token = create_token(user=user, label="bench")
            bearer = f"Bearer {token}"
            self.api[org_id] = Client(
                HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=bearer
            )
            self.households[org_id] = [
                register_household(
                    organisation=user_org,
                    profile=Profile(composition={"female_18_59": 1, "male_0_2": 1}),
                    by=user,
                ).display_code
                for user_org in [Organisation.objects.get(pk=org_id)] * 5
            ]

    def _post(self, org_id: int, path: str, body: dict | None = None) -> dict:
        response = self.api[org_id].post(
            "/api/v1" + path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        if response.status_code not in (200, 201):
            raise AssertionError(f"POST {path}: {response.status_code} {response.content[:300]}")
        return response.json()

    def api_donation(self) -> None:
        point = self.rng.choice(self.intake_points)
        today = timezone.localdate()
        lines = []
        for item in self.rng.sample(self.items, 10):
            line = self.intake_line(item, today)
            lines.append(
                {"item": item.pk, "quantity": line.quantity, "size": line.size}
                | ({"expiry": line.expiry.isoformat()} if line.expiry else {})
            )
        self._post(point.organisation_id, "/donations", {"point": point.pk, "lines": lines})

    def _lots_in_stock(self, point: Point, n: int) -> list[int]:
        return list(
            Balance.objects.filter(point=point, quantity__gte=5)
            .exclude(lot__expiry__lt=timezone.localdate())
            .values_list("lot_id", flat=True)[:n]
        )

    def api_hand_out(self) -> None:
        point = self.rng.choice(self.intake_points)
        lots = self._lots_in_stock(point, 10)
        body = {
            "point": point.pk,
            "household": self.rng.choice(self.households[point.organisation_id]),
            "lines": [{"lot": lot, "quantity": 1} for lot in lots],
            # The few households here receive the same lots again and again: the desk warns of
            # the repeat and the volunteer writes the reason, as the service requires.
            "note": "Handed out again: the family's need changed.",
        }
        self._post(point.organisation_id, "/distributions", body)

    def draft_transfer(self) -> tuple[int, int]:
        """An untimed draft transfer of three lots to another point of the organisation."""
        point = self.rng.choice(self.intake_points)
        other = next(
            p for p in self.net.points if p.organisation_id == point.organisation_id and p != point
        )
        lines = [{"lot": lot, "quantity": 1} for lot in self._lots_in_stock(point, 3)]
        body = {"source": point.pk, "destination": other.pk, "lines": lines}
        return point.organisation_id, self._post(point.organisation_id, "/transfers", body)["id"]

    def api_send(self, draft: tuple[int, int]) -> None:
        org_id, transfer_id = draft
        self._post(org_id, f"/transfers/{transfer_id}/send")

    def api_registration(self) -> None:
        point = self.rng.choice(self.net.points)
        body = {"point": point.pk, "composition": {"female_18_59": 1, "female_3_5": 2}}
        self._post(point.organisation_id, "/households", body)

    def stock_page(self) -> None:
        point = self.rng.choice(self.net.points)
        response = self.clients[point.organisation_id].get(
            reverse("stock:point_stock", args=[point.pk])
        )
        if response.status_code != 200:
            raise AssertionError(f"stock page of point {point.pk}: {response.status_code}")
        self.page_bytes.append(len(response.content))

    def search(self) -> None:
        query = self.rng.choice(self.queries)
        self.hits[query] = len(list(Item.objects.active().search(query)[:10]))

    def _get(self, path: str, org_id: int | None = None) -> object:
        org_id = org_id if org_id is not None else self.rng.choice(list(self.api))
        response = self.api[org_id].get("/api/v1" + path)
        if response.status_code != 200:
            raise AssertionError(f"GET {path}: {response.status_code} {response.content[:300]}")
        return response

    def api_search(self) -> None:
        query = self.rng.choice(self.queries)
        self._get(f"/items?q={quote(query)}&limit=10")

    def api_catalogue_page(self) -> None:
        """A page of 100 items anywhere in the catalogue (a desk keeping its offline copy)."""
        offset = self.rng.randrange(0, max(1, self.catalogue - 100))
        self._get(f"/items?limit=100&offset={offset}")

    def api_stock(self) -> None:
        point = self.rng.choice(self.net.points)
        self._get(f"/points/{point.pk}/stock", point.organisation_id)


def measure(net: Network, samples: int, rng: random.Random, show_queries: bool) -> list[Timing]:
    from kamavor.core.sqlite import start_checkpointer

    start_checkpointer()  # as `kamavor serve` does on SQLite (nothing on PostgreSQL)
    # A server process holds none of the build's objects: keep the collector off them.
    gc.collect()
    gc.freeze()
    desks = Desks(net, rng)
    operations = [
        ("post_donation, 10 lines", desks.donation),
        ("GET stock:point_stock", desks.stock_page),
        ("Item search, limit 10", desks.search),
    ]
    timings = []
    for name, fn in operations:
        timings.extend(benchkit.timed(name, fn, samples))
        if show_queries:
            benchkit.print_queries(name, fn, slowest=5, width=240)
    desks.api_setup()
    writes = [
        ("POST /donations, 10 lines", desks.api_donation, None),
        ("POST /distributions, 10", desks.api_hand_out, None),
        ("POST /transfers/{id}/send", desks.api_send, desks.draft_transfer),
        ("POST /households", desks.api_registration, None),
    ]
    for name, fn, prepare in writes:
        timings.extend(benchkit.timed(name, fn, samples, prepare))
        if show_queries:
            benchkit.print_queries(name, fn, prepare, slowest=5, width=240)
    desks.catalogue = Item.objects.count()
    reads = [
        ("GET /items?q=, limit 10", desks.api_search),
        ("GET /items, page of 100", desks.api_catalogue_page),
        ("GET /points/{id}/stock", desks.api_stock),
    ]
    for name, fn in reads:
        timings.extend(benchkit.timed(name, fn, samples))
        if show_queries:
            benchkit.print_queries(name, fn, slowest=5, width=240)
    kb = sum(desks.page_bytes) / len(desks.page_bytes) / 1024
    timings[1].note = f"average page {kb:.0f} KB"
    missing = sorted(q for q, n in desks.hits.items() if not n)
    timings[2].note = f"{len(desks.hits)} queries" + (f", no hits: {missing}" if missing else "")
    return timings


# ================================================================ report


def report(*, timings: list[Timing], held: dict, steps: dict, statistics: str, load: str):
    per_point = held["points"] or 1
    network = (
        f"{held['points']} points, {held['items']:,} items, {held['lots']:,} lots "
        f"({held['in stock']:,} in stock; {held['items on hand'] / per_point:.0f} items on hand "
        f"per point), {held['documents']:,} documents, {held['lines']:,} lines"
    )
    benchkit.report(
        "Kamavor ledger benchmark",
        [("network", network)],
        held=held,
        steps=steps,
        statistics=statistics,
        load=load,
        timings=timings,
        width=28,
        cpu=True,
    )


def build(rng: random.Random, step: Callable[[str], None]) -> Network:
    net = build_network(OPTIONS.points)
    build_catalogue(OPTIONS.items, rng)
    step("network and catalogue")
    say(f"  {len(net.points)} points, {Item.objects.count():,} items")
    build_ledger(net, target=OPTIONS.movements, days=OPTIONS.days, rng=rng)
    step("ledger")
    return net


if __name__ == "__main__":
    benchkit.run(
        BENCH, build=build, load_network=load_network, survey=survey, measure=measure, report=report
    )
