"""Time the distribution desk against a year of hand-outs to 30,000 households; print the figures.

    .venv/bin/python bench/households.py [--database-url URL] [--households 30000]
                                         [--samples 200] [--visits 8] [--queries] [--keep]
                                         [--reuse]   (measure a --keep'd database again)

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named in the URL,
created and dropped here) with 50 points of five organisations, the demo catalogue and the
default standards, households with believable compositions, stock at the distribution points and
a year of distributions, then times with perf_counter, on the server side: (a) opening a
household at the desk (the code typed at the desk and Enter, answered with the visit page, dues
included) through the test client, logged in as a volunteer; (b) posting a distribution of 3-6
items, lots chosen first expiry first out with `suggest_picks`, through `record_distribution`;
(c) `dues_for` alone.
p95 is held against the 50 ms target. "CPU p95" is this process's own CPU time (Python, and
SQLite's work; not PostgreSQL's server): on a shared machine it shows what contention adds.

The year is simulated in Python and bulk-inserted (executemany on SQLite, COPY on PostgreSQL),
as bench/ledger.py does for its ledger: each visit hands out what the standards make the
household due then (as the desk pre-fills it), from the point's lots first expiry first out,
restocked by donations when they run low; balance_after runs per lot and is checked with SQL at
the end. The services are what is timed. What the two benchmarks share (the database, the
network's people, the ledger's book-keeping and checks, timing, the report's frame) is in
bench/benchkit.py.
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gc
import itertools
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import benchkit
from benchkit import KIND_LABEL, ORGANISATIONS, PLACES, Timing, say


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--visits", type=float, default=8.0, help="mean visits per household in the year"
    )


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-households-")

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from kamavor.catalogue.models import Item, KitComponent
from kamavor.catalogue.services import load_catalogue
from kamavor.demo.households import AREAS, composition_and_flags
from kamavor.distribution import adapters
from kamavor.distribution.services import record_distribution, repeat_periods, repeat_warnings
from kamavor.households.models import Household
from kamavor.lib import entitlements, household_codes
from kamavor.needs.defaults import load_standards
from kamavor.needs.models import Request, RequestLine, Standard
from kamavor.needs.services import dues_for
from kamavor.network.models import Member, Organisation, Point
from kamavor.stock.models import Balance, Document, DocumentLine, IdempotencyRecord, Lot
from kamavor.stock.services import LotLine, suggest_picks

User = get_user_model()
# Import every URL and view now: other work may edit the tree during a long build.
reverse("distribution:desk", args=[1])


# ================================================================ the network

# Each organisation's ten points: a warehouse, a collection point, six distribution points where
# households are served, and two shelters where some of them live.
KINDS = ["warehouse", "collection", "distribution", "distribution", "distribution",
         "distribution", "distribution", "distribution", "shelter", "shelter"]  # fmt: skip


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
    benchkit.add_people(orgs, points)
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

DOCUMENT_FIELDS = ["id", "kind", "status", "organisation", "point", "household", "donor",
                   "supplier", "currency", "reason", "note", "created_by",
                   "created_at"]  # fmt: skip
LINE_FIELDS = ["id", "document", "item", "lot", "quantity", "expiry", "size", "condition",
               "reason"]  # fmt: skip
KEY_FIELDS = ["user", "key", "fingerprint", "document", "created_at"]


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


class Year(benchkit.Ledger):
    """A year of visits, simulated in time order; each lot's balance is kept here and every
    movement is written with the balance after it, exactly as Posting.move does."""

    def __init__(self, *, net, families, standards, rng) -> None:
        super().__init__(
            document_fields=DOCUMENT_FIELDS,
            line_fields=LINE_FIELDS,
            more={IdempotencyRecord: KEY_FIELDS},
        )
        self.net, self.families, self.rng = net, families, rng
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
        self.shelf: dict[tuple[int, int, str], list[int]] = defaultdict(list)  # FEFO order
        self.visits = self.restocks = 0
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
            lot = self.open_lot(key, when)
            shelf = self.shelf[item, point, size]
            # First expiry first out; undated lots last.
            order = [(self.lots[x][2] or dt.date.max, x) for x in shelf]
            shelf.insert(bisect.bisect(order, (expiry or dt.date.max, lot)), lot)
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

    def flush(self, total: int) -> None:
        self.write()
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
            if self.full():
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
    benchkit.load_quickly()
    year = Year(net=net, families=families, standards=standards, rng=rng)
    year.run(visits)
    return year


# ================================================================ checks

HANDED_OUT = """
SELECT COUNT(*) FROM {movement} m JOIN {document} d ON d.id = m.document_id
WHERE m.kind = 'distribution' AND (d.kind <> 'distribution' OR d.household_id IS NULL)
"""


def survey() -> dict:
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
        **benchkit.check_ledger(("hand-outs without a household", HANDED_OUT)),
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


# ================================================================ measurements


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
            user = self.users[self.rng.choice(net.volunteers[point.organisation_id])]
            self.clients[point.pk] = benchkit.desk_client(user)
        self.page_bytes: list[int] = []
        self.line_counts: list[int] = []
        self.due_counts: list[int] = []

    def household(self, point: Point) -> Household:
        pk = self.rng.choice(self.households[point.organisation_id])
        return Household.objects.get(pk=pk)

    # (a) the code typed (or scanned) at the desk and Enter: the visit page comes back
    def prepare_open(self):
        point = self.rng.choice(self.desks)
        return point, self.household(point)

    def open_household(self, prepared) -> dict[str, float]:
        point, household = prepared
        desk = reverse("distribution:desk", args=[point.pk])
        response = self.clients[point.pk].get(desk, {"code": household.display_code})
        page = response.content.decode()
        if response.status_code != 200 or household.display_code not in page:
            raise AssertionError(f"desk {point.pk}, {household.code}: {response.status_code}")
        self.page_bytes.append(len(response.content))
        return {}

    # (d) and (e): the API's reads of a household and of its dues, with a volunteer's token
    def api_client(self, organisation_id: int) -> Client:
        if not hasattr(self, "api"):
            from kamavor.network.services import create_token

            self.api: dict[int, Client] = {}
            for org, volunteers in self.net.volunteers.items():
                token = create_token(user=self.users[volunteers[0]], label="bench")
                self.api[org] = Client(
                    HTTP_HOST="localhost",
                    HTTP_ACCEPT_LANGUAGE="en",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
        return self.api[organisation_id]

    def prepare_api(self):
        point = self.rng.choice(self.desks)
        household = self.household(point)
        return self.api_client(point.organisation_id), household.display_code

    def api_household(self, prepared) -> dict[str, float]:
        client, code = prepared
        response = client.get(f"/api/v1/households/{code}")
        if response.status_code != 200:
            raise AssertionError(f"GET /households/{code}: {response.status_code}")
        return {}

    def api_dues(self, prepared) -> dict[str, float]:
        client, code = prepared
        response = client.get(f"/api/v1/households/{code}/dues")
        if response.status_code != 200:
            raise AssertionError(f"GET /households/{code}/dues: {response.status_code}")
        return {}

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
        # The desk shows a repeat warning for what was received within its period; the
        # volunteer then writes the reason, as the service requires.
        items = {item.pk for item, _q, _size in chosen}
        repeat = repeat_warnings(household, items, repeat_periods(items))
        note = "Handed out again: the family's need changed." if repeat else ""
        return point, household, user, chosen, note

    def post_distribution(self, prepared) -> dict[str, float]:
        point, household, user, chosen, note = prepared
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
            note=note,
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


def measure(net: Network, samples: int, rng: random.Random, show_queries: bool) -> list[Timing]:
    from kamavor.core.sqlite import start_checkpointer

    start_checkpointer()  # as `kamavor serve` does on SQLite (nothing on PostgreSQL)
    # A server process holds none of the build's objects: keep the collector off them.
    gc.collect()
    gc.freeze()
    desks = Desks(net, rng)
    operations = [
        ("(a) open a household", desks.prepare_open, desks.open_household),
        ("(b) post a distribution", desks.prepare_post, desks.post_distribution),
        ("(c) dues_for(household)", desks.prepare_dues, desks.dues),
        ("(d) GET /households/{code}", desks.prepare_api, desks.api_household),
        ("(e) GET /households/{code}/dues", desks.prepare_api, desks.api_dues),
    ]
    timings = []
    for name, prepare, run in operations:
        timings.extend(benchkit.timed(name, run, samples, prepare))
        if show_queries:
            benchkit.print_queries(name, run, prepare, slowest=6, width=300)
    by_name = {t.name: t for t in timings}
    kb = sum(desks.page_bytes) / len(desks.page_bytes) / 1024
    by_name[
        "(a) open a household"
    ].note = f"GET desk?code= answers with the visit page; average page {kb:.0f} KB"
    lines = desks.line_counts
    by_name["(b) post a distribution"].note = (
        f"suggest_picks per item + record_distribution; {min(lines)}-{max(lines)} lot lines, "
        f"mean {sum(lines) / len(lines):.1f}"
    )
    due = desks.due_counts
    by_name["(c) dues_for(household)"].note = f"mean {sum(due) / len(due):.1f} items due"
    return timings


# ================================================================ report


def report(*, timings: list[Timing], held: dict, steps: dict, statistics: str, load: str):
    n = held["households"] or 1
    visits = held["visits"] or 1
    households = (
        f"{held['households']:,} ({held['people']:,} people, "
        f"{held['people'] / n:.2f} per household; {100 * held['flagged'] / n:.0f}% with a "
        f"vulnerability flag), {held['served']:,} served in the year, "
        f"{held['requests']:,} open requests"
    )
    network = (
        f"{held['points']} points ({held['desks']} distribution points), "
        f"{held['items']:,} items, {held['standards']} standards, {held['lots']:,} lots, "
        f"{held['documents']:,} documents"
    )
    year = (
        f"{held['visits']:,} distributions ({held['visits'] / n:.1f} per "
        f"household), {held['visit lines']:,} lines ({held['visit lines'] / visits:.1f} per visit)"
    )
    benchkit.report(
        "Kamavor households benchmark",
        [("households", households), ("network", network), ("the year", year)],
        held=held,
        steps={} if OPTIONS.reuse else steps,  # built nothing: no build time
        statistics=statistics,
        load=load,
        timings=timings,
        width=30,
        cpu=True,
    )


def build(rng: random.Random, step: Callable[[str], None]) -> Network:
    net = build_network()
    load_catalogue()
    loaded = load_standards()
    standards = list(Standard.objects.active().with_item())
    step("network, catalogue, standards")
    items = Item.objects.count()
    say(f"  {len(net.points)} points, {items:,} items, {len(loaded.created)} standards")
    families = build_households(net, OPTIONS.households, rng, standards)
    # Written in bulk, around the services: the kept entitlement totals are summed once here.
    from kamavor.needs.totals import rebuild_entitlement_totals

    rebuild_entitlement_totals()
    step("households")
    say(f"  {len(families):,} households")
    build_year(net, families, standards, visits=OPTIONS.visits, rng=rng)
    n = build_requests(families, net, rng)
    # Written in bulk too: the kept open request totals are summed once here.
    from kamavor.needs.open_totals import rebuild_open_totals

    rebuild_open_totals()
    connection.close()  # the measurements use the app's own connection settings
    step("year of distributions")
    say(f"  {n:,} open requests")
    return net


if __name__ == "__main__":
    benchkit.run(
        BENCH, build=build, load_network=load_network, survey=survey, measure=measure, report=report
    )
