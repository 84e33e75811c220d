"""The September week that bench/replay.py plays through the HTTP API, and the test suite too.

Three parts, each usable alone:

- build_network() sets up, straight through Django, what exists before the week starts:
  organisations, points, desks (a member with an API token each), the catalogue padded to
  ~1,000 items and the standards.
- Week.play() runs the desks against a server's URL: one thread per desk, each with its own
  keep-alive HTTP connection and token, every write with an Idempotency-Key, until the week's
  movements and households are reached. A share of the writes is sent twice on purpose.
- check() verifies the ledger afterwards, in the database the server wrote to.

What a desk does follows its point: at warehouses and collection points volunteers take
donations and the coordinator buys, and sends transfers of the lots there to distribution points
and shelters; there volunteers receive those transfers, register households and hand goods out
(by item, picked first expiry first out by the server). The desks keep their own account of what
is on hand so that no write asks for stock that is not there: a 409 is an error, not noise.
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

SUPPLY = ("warehouse", "collection")
DEMAND = ("distribution", "shelter")
# Each organisation's points, in this order (as bench/ledger.py builds them).
KINDS = ["warehouse", "collection", "collection", "distribution", "shelter", "collection",
         "shelter", "distribution", "collection", "shelter"]  # fmt: skip
FULL_WEEK = {"movements": 2_000_000, "households": 30_000, "desks": 200}
# Hand-outs in the week per household registered: a family comes on arrival and once more. The
# count is fixed by the targets, not by how soon goods reach the distribution points, so that
# runs of the same week do the same work (a hand-out is three requests for a few movements, a
# donation one request for many: the mix, not the code, would set the rate).
HAND_OUTS_PER_HOUSEHOLD = 2
SEARCH_WORDS = ["rice", "oil", "blanket", "soap", "diaper", "jacket", "pasta", "water",
                "sugar", "towel", "shoes", "milk", "tea", "flour", "beans", "gloves"]  # fmt: skip


# ================================================================ the network


@dataclass(frozen=True)
class Desk:
    """A member at a point with their own token: one thread of the replay."""

    number: int
    username: str
    token: str
    point: int
    organisation: int
    point_kind: str
    coordinator: bool


@dataclass(frozen=True)
class Good:
    """What a desk needs to know of an item to post it."""

    id: int
    tracks_expiry: bool
    sizes: tuple[str, ...]  # empty: size does not matter


@dataclass
class Network:
    desks: list[Desk]
    goods: list[Good]
    points: dict[int, tuple[int, str]]  # point id -> (organisation id, kind)


def build_network(*, points: int, desks: int, items: int, rng: random.Random) -> Network:
    """Organisations, `points` points, `desks` desks spread over them (supply and demand points
    alike) and the catalogue with `items` items, written straight through the ORM."""
    from django.contrib.auth import get_user_model
    from django.utils.text import slugify

    from kamavor.catalogue.services import load_catalogue
    from kamavor.needs.defaults import load_standards
    from kamavor.network.models import Member, Organisation, Point
    from kamavor.network.services import create_token

    names = ["Yerevan Food Bank", "Goris Volunteer Fund", "Hope Medical Charity",
             "Kentron Collective", "Syunik Shelter Network"]  # fmt: skip
    orgs = [
        Organisation.objects.create(name=name, slug=f"{slugify(name)}-{rng.randrange(10**6)}")
        for name in names
    ]
    made = []
    for i in range(points):
        org = orgs[i % len(orgs)]
        kind = KINDS[(i // len(orgs)) % len(KINDS)]
        name = f"Replay {kind} {i + 1}"
        made.append(Point(organisation=org, name=name, slug=slugify(f"{name}-{i}"), kind=kind))
    made = Point.objects.bulk_create(made)
    # Desks go round the points so that a small run still has every kind of point staffed.
    order = sorted(made, key=lambda p: (KINDS.index(p.kind) % 4, p.pk))
    by_kind: dict[str, deque] = defaultdict(deque)
    for point in order:
        by_kind[point.kind].append(point)
    rota = [p for group in itertools.zip_longest(*by_kind.values()) for p in group if p]
    user_model = get_user_model()
    supply_desks = 0
    result = []
    for number in range(desks):
        point = rota[number % len(rota)]
        # A coordinator for every four desks at supply points, as at full scale (four a point).
        coordinator = point.kind in SUPPLY and supply_desks % 4 == 0
        supply_desks += point.kind in SUPPLY
        role = "coordinator" if coordinator else "volunteer"
        user = user_model.objects.create(username=f"desk-{number}-{point.slug}"[:150], password="!")
        Member.objects.create(user=user, organisation=point.organisation, role=role, language="en")
        token = create_token(user=user, label="replay")
        result.append(
            Desk(
                number=number,
                username=user.username,
                token=token,
                point=point.pk,
                organisation=point.organisation_id,
                point_kind=point.kind,
                coordinator=coordinator,
            )
        )
    kinds = {desk.point_kind in SUPPLY for desk in result}
    if kinds != {True, False}:
        raise ValueError("a week needs desks at supply and at demand points: add points or desks")
    load_catalogue()
    load_standards()
    return Network(
        desks=result,
        goods=_pad_catalogue(items, rng),
        points={p.pk: (p.organisation_id, p.kind) for p in made},
    )


def _pad_catalogue(n_items: int, rng: random.Random) -> list[Good]:
    """The real catalogue, padded to n_items with numbered variants of its items."""
    from kamavor.catalogue.models import Item

    try:
        from bench import benchkit
    except ImportError:  # run as a script from bench/
        import benchkit
    bases = list(Item.objects.filter(is_kit=False, active=True).order_by("pk"))
    wanted = n_items - Item.objects.count()
    variants = []
    for n in range(max(0, wanted)):
        base = bases[n % len(bases)]
        variants.append(
            benchkit.item_variant(
                base, f"v{n}", en=f"variant {n}", hy=f"տարբերակ {n}", ru=f"вариант {n}"
            )
        )
    Item.objects.bulk_create(variants, batch_size=500)
    return [
        Good(item.pk, item.tracks_expiry, tuple(item.sizes or ["M"]) if item.tracks_size else ())
        for item in Item.objects.filter(is_kit=False, active=True).order_by("pk")
    ]


# ================================================================ measurements


@dataclass
class Calls:
    """One desk's record of its HTTP calls: milliseconds per endpoint, statuses, errors."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)  # (endpoint, status, code)
    writes: int = 0

    def merge(self, other: Calls) -> None:
        for name, samples in other.ms.items():
            self.ms[name].extend(samples)
        self.statuses.update(other.statuses)
        self.writes += other.writes


class Connection:
    """A desk's keep-alive connection with its token; each call is timed under a name."""

    def __init__(self, base_url: str, token: str, calls: Calls) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept-Language": "en",
            "Content-Type": "application/json",
        }
        self.calls = calls

    def call(self, name: str, method: str, path: str, body=None, key: str | None = None):
        """(status, decoded JSON); status 0 when the connection failed twice."""
        headers = dict(self.headers, **({"Idempotency-Key": key} if key else {}))
        data = json.dumps(body).encode() if body is not None else None
        start = time.perf_counter()
        status, raw = 0, b""
        for _attempt in range(2):  # a keep-alive connection the server closed: reconnect once
            try:
                self.conn.request(method, "/api/v1" + path, body=data, headers=headers)
                response = self.conn.getresponse()
                status, raw = response.status, response.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
        ms = (time.perf_counter() - start) * 1000
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:  # a server error's HTML page
            payload = None
        code = payload.get("code", "") if status >= 400 and isinstance(payload, dict) else ""
        self.calls.ms[name].append(ms)
        self.calls.statuses[(name, status, code)] += 1
        if method == "POST":
            self.calls.writes += 1
        return status, payload

    def close(self) -> None:
        self.conn.close()


# ================================================================ the week


@dataclass
class Tally:
    """What the desks wrote, from the server's answers: checked against the database."""

    movements: int = 0
    kinds: Counter = field(default_factory=Counter)  # document kind -> documents
    documents: set = field(default_factory=set)
    households: set = field(default_factory=set)
    retried: int = 0
    retry_differs: int = 0  # a retry that answered another document or status


class Week:
    """The shared state of a replay: targets, what is on hand where, who waits for what."""

    def __init__(
        self, net: Network, *, movements: int, households: int, seed: int, retry_share: float
    ) -> None:
        self.net = net
        self.target_movements = movements
        self.target_households = households
        self.seed = seed
        self.retry_share = retry_share
        self.lock = threading.Lock()
        self.tally = Tally()
        self.registering = 0  # registrations sent, not yet answered
        self.target_hand_outs = round(households * HAND_OUTS_PER_HOUSEHOLD)
        self.handing = 0  # hand-outs sent, not yet answered
        self.lots: dict[int, dict[int, int]] = defaultdict(dict)  # supply point -> lot -> units
        self.stock: dict[int, Counter] = defaultdict(Counter)  # point -> (item, size) -> units
        self.codes: dict[int, list[str]] = defaultdict(list)  # organisation -> household codes
        self.arriving: dict[int, deque] = defaultdict(deque)  # point -> sent transfers
        self.sending = 0  # transfers created and not yet sent
        self.deadline = float("inf")
        self.today = dt.date.today()
        self.phones = itertools.count(10_000_000)

    # ------------------------------------------------------------ progress

    def movements_left(self) -> bool:
        return self.tally.movements < self.target_movements and time.monotonic() < self.deadline

    def households_due(self) -> bool:
        """Whether a registration is due now: they are spread over the week's movements."""
        done = len(self.tally.households) + self.registering
        if done >= self.target_households or time.monotonic() >= self.deadline:
            return False
        if not self.movements_left():
            return True
        progress = self.tally.movements / max(1, self.target_movements)
        return done < self.target_households * min(1.0, 0.05 + progress * 1.05)

    def hand_outs_due(self) -> bool:
        """Whether a hand-out is due now: they are spread over the week's movements too, and
        those still due when the movements are done are made before the week ends."""
        done = self.tally.kinds["distribution"] + self.handing
        if done >= self.target_hand_outs or time.monotonic() >= self.deadline:
            return False
        progress = self.tally.movements / max(1, self.target_movements)
        return done < self.target_hand_outs * min(1.0, progress * 1.05)

    def play(self, base_url: str, *, max_seconds: float = float("inf")) -> Calls:
        """Run every desk in its own thread until the week is done; their merged calls."""
        self.deadline = time.monotonic() + max_seconds
        desks = [DeskRun(self, desk, base_url) for desk in self.net.desks]
        threads = [threading.Thread(target=d.run, name=f"desk-{d.desk.number}") for d in desks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        calls = Calls()
        for desk in desks:
            calls.merge(desk.calls)
            if desk.failure:
                raise RuntimeError(f"desk {desk.desk.number} failed") from desk.failure
        return calls

    # ------------------------------------------------------------ book-keeping

    def wrote(self, kind: str, document: dict, movements: int) -> None:
        with self.lock:
            self.tally.movements += movements
            self.tally.kinds[kind] += 1
            self.tally.documents.add(document["id"])


class DeskRun:
    """One desk's loop: choose what to do next, from what its point has and what is due."""

    def __init__(self, week: Week, desk: Desk, base_url: str) -> None:
        self.week, self.desk = week, desk
        self.rng = random.Random(week.seed * 1000 + desk.number)
        self.calls = Calls()
        self.http = Connection(base_url, desk.token, self.calls)
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while self.step():
                pass
        except BaseException as exc:  # reported by play()
            self.failure = exc
        finally:
            self.http.close()

    def step(self) -> bool:
        """Do one thing; False when the week is over for this desk."""
        week, desk = self.week, self.desk
        if desk.point_kind in DEMAND:
            arrived = self.take_arrival()
            if arrived is not None:
                self.receive(*arrived)
                return True
            if week.households_due():
                self.register()
                return True
            can_hand_out = bool(week.codes[desk.organisation]) and self.has_stock()
            if not week.movements_left():
                if can_hand_out and week.hand_outs_due():
                    self.hand_out()
                    return True
                return bool(week.arriving[desk.point] or week.sending)
            if can_hand_out and week.hand_outs_due():
                self.hand_out()
            else:
                self.donate(lines=self.rng.randint(2, 6))
            return True
        if not week.movements_left():
            return False
        roll = self.rng.random()
        if desk.coordinator and roll < 0.55 and len(week.lots[desk.point]) >= 6:
            self.transfer()
        elif desk.coordinator and roll < 0.8:
            self.purchase()
        else:
            self.donate(lines=self.rng.randint(3, 14))
        return True

    # ------------------------------------------------------------ writes

    def post(self, name: str, path: str, body, *, expect: int) -> dict | None:
        """POST with a fresh Idempotency-Key; sometimes again with the same key, as a desk
        whose answer was lost would. The first answer, or None if it was refused."""
        key = f"replay-{uuid.uuid4()}"
        status, answer = self.http.call(name, "POST", path, body, key)
        self.refusal = answer if status != expect and isinstance(answer, dict) else None
        if status != expect:
            return None
        if self.rng.random() < self.week.retry_share:
            again, repeated = self.http.call(name + " (retry)", "POST", path, body, key)
            same = again == expect and repeated and repeated.get("id") == answer.get("id")
            with self.week.lock:
                self.week.tally.retried += 1
                self.week.tally.retry_differs += not same
        return answer

    def intake_line(self, good: Good) -> dict:
        line = {"item": good.id, "quantity": self.rng.randint(5, 60)}
        if good.tracks_expiry:
            line["expiry"] = (self.week.today + dt.timedelta(self.rng.randint(90, 700))).isoformat()
        if good.sizes:
            line["size"] = self.rng.choice(good.sizes)
        return line

    def donate(self, *, lines: int) -> None:
        if self.rng.random() < 0.5:
            self.search()
        goods = self.rng.sample(self.week.net.goods, lines)
        body = {"point": self.desk.point, "lines": [self.intake_line(g) for g in goods]}
        answer = self.post("POST /donations", "/donations", body, expect=201)
        if answer is not None:
            self.took_in("donation", answer)

    def purchase(self) -> None:
        goods = self.rng.sample(self.week.net.goods, self.rng.randint(5, 15))
        lines = [dict(self.intake_line(g), unit_cost="250.00") for g in goods]
        body = {"point": self.desk.point, "supplier": "Replay wholesale", "lines": lines}
        answer = self.post("POST /purchases", "/purchases", body, expect=201)
        if answer is not None:
            self.took_in("purchase", answer)

    def took_in(self, kind: str, document: dict) -> None:
        week, point = self.week, self.desk.point
        with week.lock:
            for line in document["lines"]:
                if self.desk.point_kind in SUPPLY:
                    lots = week.lots[point]
                    lots[line["lot"]] = lots.get(line["lot"], 0) + line["quantity"]
                else:
                    week.stock[point][(line["item"], line["size"])] += line["quantity"]
        week.wrote(kind, document, len(document["lines"]))

    def transfer(self) -> None:
        week, point = self.week, self.desk.point
        destinations = [d.point for d in week.net.desks if d.point_kind in DEMAND]
        if not destinations:
            return self.donate(lines=5)
        with week.lock:  # reserve the units before asking for them
            lots = week.lots[point]
            chosen = self.rng.sample(sorted(lots), min(len(lots), self.rng.randint(4, 12)))
            lines = []
            for lot in chosen:
                quantity = max(1, int(lots[lot] * self.rng.uniform(0.3, 1.0)))
                lots[lot] -= quantity
                if not lots[lot]:
                    del lots[lot]
                lines.append({"lot": lot, "quantity": quantity})
            week.sending += 1
        try:
            body = {"source": point, "destination": self.rng.choice(destinations), "lines": lines}
            draft = self.post("POST /transfers", "/transfers", body, expect=201)
            if draft is None:
                return
            week.wrote("transfer", draft, 0)
            path = f"/transfers/{draft['id']}/send"
            sent = self.post("POST /transfers/{id}/send", path, None, expect=200)
            if sent is None:
                return
            week.wrote("transfer", sent, len(sent["lines"]))
            with week.lock:
                week.arriving[sent["destination"]].append(sent)
        finally:
            with week.lock:
                week.sending -= 1

    def take_arrival(self) -> tuple | None:
        with self.week.lock:
            waiting = self.week.arriving[self.desk.point]
            return (waiting.popleft(),) if waiting else None

    def receive(self, transfer: dict) -> None:
        path = f"/transfers/{transfer['id']}/receive"
        answer = self.post("POST /transfers/{id}/receive", path, None, expect=200)
        if answer is None:
            return
        stock = self.week.stock[self.desk.point]
        with self.week.lock:
            for line in answer["lines"]:
                stock[(line["item"], line["size"])] += line["received_quantity"]
        received = sum(1 for line in answer["lines"] if line["received_quantity"])
        self.week.wrote("transfer", answer, received)

    def register(self) -> None:
        week, rng = self.week, self.rng
        with week.lock:
            week.registering += 1
        try:
            bands = ["female_18_59", "male_18_59", "female_6_11", "male_0_2", "female_60"]
            composition = {band: rng.randint(0, 2) for band in bands}
            composition["female_18_59"] += 1
            body = {"point": self.desk.point, "composition": composition, "languages": ["hy"]}
            if rng.random() < 0.5:
                body["personal"] = {
                    "collector_name": self.name(),
                    "phone": f"+3749{next(week.phones)}",
                    "basis": "public_interest",
                    "notice_language": "hy",
                }
            key = f"replay-{uuid.uuid4()}"
            status, answer = self.http.call("POST /households", "POST", "/households", body, key)
            if status == 409:  # a probable duplicate: the desk looks, then confirms
                body["confirm_duplicate"] = True
                key = f"replay-{uuid.uuid4()}"
                status, answer = self.http.call(
                    "POST /households (confirmed)", "POST", "/households", body, key
                )
            if status != 201:
                return
            if rng.random() < week.retry_share:
                again, repeated = self.http.call(
                    "POST /households (retry)", "POST", "/households", body, key
                )
                with week.lock:
                    week.tally.retried += 1
                    week.tally.retry_differs += not (
                        again == 201 and repeated and repeated["id"] == answer["id"]
                    )
            with week.lock:
                week.tally.households.add(answer["id"])
                week.codes[self.desk.organisation].append(answer["code"])
        finally:
            with week.lock:
                week.registering -= 1

    def name(self) -> str:
        """A made-up name, varied enough that the duplicate check rarely finds its like."""
        syllables = ["ar", "men", "ka", "ri", "na", "go", "har", "sev", "an", "lu", "tig", "ran"]
        first, last = (
            "".join(self.rng.choices(syllables, k=self.rng.randint(2, 3))).capitalize()
            for _ in range(2)
        )
        return f"{first} {last}yan"

    def has_stock(self) -> bool:
        return sum(1 for units in self.week.stock[self.desk.point].values() if units) >= 2

    def hand_out(self) -> None:
        with self.week.lock:
            self.week.handing += 1
        try:
            self._hand_out()
        finally:
            with self.week.lock:
                self.week.handing -= 1

    def _hand_out(self) -> None:
        week, rng, point = self.week, self.rng, self.desk.point
        with week.lock:
            code = rng.choice(week.codes[self.desk.organisation])
        self.http.call("GET /households/{code}", "GET", f"/households/{quote(code)}")
        self.http.call("GET /households/{code}/dues", "GET", f"/households/{quote(code)}/dues")
        with week.lock:  # reserve what is handed out
            stock = week.stock[point]
            on_hand = [key for key, units in stock.items() if units]
            lines = []
            for item, size in rng.sample(on_hand, min(len(on_hand), rng.randint(2, 8))):
                quantity = min(stock[(item, size)], rng.randint(1, 6))
                stock[(item, size)] -= quantity
                line = {"item": item, "quantity": quantity}
                lines.append({**line, "size": size} if size else line)
        body = {"point": point, "household": code, "lines": lines}
        answer = self.post("POST /distributions", "/distributions", body, expect=201)
        if answer is None and (self.refusal or {}).get("code") == "repeat_needs_reason":
            # The desk warned that some of it was received within the period: the volunteer
            # writes why it is handed out again, and posts once more.
            body["note"] = "Handed out again: the family's need changed."
            answer = self.post("POST /distributions", "/distributions", body, expect=201)
        if answer is None:
            with week.lock:  # nothing left: put the reservation back
                for line in lines:
                    stock[(line["item"], line.get("size", ""))] += line["quantity"]
            return
        week.wrote("distribution", answer, len(answer["lines"]))
        if rng.random() < 0.1:
            self.http.call("GET /points/{id}/stock", "GET", f"/points/{point}/stock")

    # ------------------------------------------------------------ reads

    def search(self) -> None:
        word = self.rng.choice(SEARCH_WORDS)
        self.http.call("GET /items?q=", "GET", f"/items?q={quote(word)}&limit=20")


# ================================================================ the check


def check(week: Week, calls: Calls, *, movements_before: int = 0) -> dict:
    """The ledger after the replay: benchkit's checks (balances equal their movements' sums,
    balance_after runs, item balances equal their lots), the movements and documents the server
    answered with exactly those in the database, no 5xx and no retry that wrote twice."""
    try:
        from bench import benchkit
    except ImportError:  # run as a script from bench/
        import benchkit
    from kamavor.households.models import Household
    from kamavor.stock.models import Document, Movement

    held = benchkit.check_ledger()
    tally = week.tally
    in_database = Movement.objects.count() - movements_before
    documents = set(Document.objects.filter(pk__in=tally.documents).values_list("pk", flat=True))
    by_replay = Document.objects.filter(created_by__username__startswith="desk-").count()
    households = Household.objects.filter(registered_by__username__startswith="desk-").count()
    server_errors = sum(n for (_, status, _), n in calls.statuses.items() if status >= 500)
    failures = [
        *([held["detail"]] if held["broken"] else []),
        *(
            [f"{in_database:,} movements in the database, {tally.movements:,} answered"]
            if in_database != tally.movements
            else []
        ),
        *(
            [f"{by_replay:,} documents in the database, {len(tally.documents):,} answered"]
            if by_replay != len(tally.documents) or len(documents) != len(tally.documents)
            else []
        ),
        *(
            [f"{households:,} households in the database, {len(tally.households):,} answered"]
            if households != len(tally.households)
            else []
        ),
        *([f"{tally.retry_differs} retries answered differently"] if tally.retry_differs else []),
        *([f"{server_errors} server errors (5xx) or dropped connections"] if server_errors else []),
    ]
    dropped = sum(n for (_, status, _), n in calls.statuses.items() if status == 0)
    if dropped:
        failures.append(f"{dropped} calls got no answer")
    return {"held": held, "movements": in_database, "failures": failures}


# ================================================================ a quiet server


def probes(week: Week, base_url: str, rng: random.Random) -> tuple[list[tuple], Calls]:
    """What a desk does most, one call at a time, for after the replay (a quiet server): each
    (name, call) calls the API once as a desk that may; and the record of those calls."""
    net = week.net
    supply = next(d for d in net.desks if d.point_kind in SUPPLY)
    demand = next(d for d in net.desks if d.point_kind in DEMAND and week.codes[d.organisation])
    stocked = next(
        (d for d in net.desks if d.point_kind in DEMAND and week.codes[d.organisation]
         and sum(1 for u in week.stock[d.point].values() if u > 20) >= 10),
        None,
    )  # fmt: skip
    calls = Calls()
    supplier = DeskRun(week, supply, base_url)
    supplier.http = Connection(base_url, supply.token, calls)
    served = stocked or demand
    codes = week.codes[served.organisation]
    server = DeskRun(week, served, base_url)
    server.http = Connection(base_url, served.token, calls)

    def donation() -> None:
        goods = rng.sample(net.goods, 10)
        body = {"point": supply.point, "lines": [supplier.intake_line(g) for g in goods]}
        status, answer = supplier.http.call(
            "POST /donations", "POST", "/donations", body, f"q-{uuid.uuid4()}"
        )
        if status == 201:  # counted, so that check() still holds afterwards
            week.wrote("donation", answer, len(answer["lines"]))

    def hand_out() -> None:
        stock = week.stock[server.desk.point]
        keys = [k for k, units in stock.items() if units > 2][:3]
        lines = [{"item": i, "quantity": 1, **({"size": s} if s else {})} for i, s in keys]
        for key in keys:
            stock[key] -= 1
        body = {
            "point": server.desk.point,
            "household": rng.choice(codes),
            "lines": lines,
            "note": "Handed out again: timed alone.",
        }
        status, answer = server.http.call(
            "POST /distributions", "POST", "/distributions", body, f"q-{uuid.uuid4()}"
        )
        if status == 201:
            week.wrote("distribution", answer, len(answer["lines"]))

    def code() -> str:
        return quote(rng.choice(codes))

    found = [
        ("GET /items?q=", lambda: supplier.search()),
        ("GET /points/{id}/stock", lambda: supplier.http.call(
            "GET /points/{id}/stock", "GET", f"/points/{supply.point}/stock")),
        ("GET /households/{code}", lambda: server.http.call(
            "GET /households/{code}", "GET", f"/households/{code()}")),
        ("GET /households/{code}/dues", lambda: server.http.call(
            "GET /households/{code}/dues", "GET", f"/households/{code()}/dues")),
        ("POST /donations (10 lines)", donation),
    ]  # fmt: skip
    if stocked is not None:
        found.append(("POST /distributions (3 lines)", hand_out))
    return found, calls
