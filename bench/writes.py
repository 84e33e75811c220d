"""The server's CPU per desk write, in process: each kind of write through Django's test client
(middleware, token, body, service, answer), timed with this process's CPU clock.

    .venv/bin/python bench/writes.py --database-url URL [--data-dir DIR] [--requests 100]
                                     [--rounds 2] [--only NAME,…]

URL names a database a week was played into (`bench/replay.py --keep`), which this script
writes to: give it a copy. Desks at a supply point and at a demand point of one organisation
are given tokens; then, `--rounds` times in turn, each request kind runs `--requests` times:
an authenticated request that reads next to nothing (the floor every request pays), a 10-line
donation (random items and expiry dates: new lots), a transfer of 8 lots created, sent and
received, a hand-out of 3 items picked first expiry first out, and a registration. Prints the
CPU p50 and p95 per request (ms), on PostgreSQL its backend's CPU p50 too (read from Linux when
the server runs on this machine), the statements per request, and the load average, which
inflates CPU time too.
"""
# ruff: noqa: E402  (Django is imported after the database is named)

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", help="the data folder of the replay (its keys)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed requests into FILE")
    parser.add_argument("--only", help="comma-separated request names to run")
    return parser.parse_args(argv)


OPTIONS = parse_args(sys.argv[1:])
os.environ.update(
    KAMAVOR_DATABASE_URL=OPTIONS.database_url,
    KAMAVOR_HTTPS="0",
    KAMAVOR_DEBUG="0",
    DJANGO_SETTINGS_MODULE="kamavor.settings",
)
if OPTIONS.data_dir:  # the replay's keys (bench/replay.py --keep keeps them with the database)
    os.environ["KAMAVOR_DATA_DIR"] = OPTIONS.data_dir
import django

django.setup()

from django.db import connection
from django.test import Client

from kamavor.catalogue.models import Item
from kamavor.households.models import Household
from kamavor.network.models import Member
from kamavor.network.services import create_token
from kamavor.stock.models import Lot

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import _backend_schedstat, _schedstat

SUPPLY = ("warehouse", "collection")
DEMAND = ("distribution", "shelter")


class Desk:
    """A member's API client at a point."""

    def __init__(self, member: Member) -> None:
        token = create_token(user=member.user, label="bench")
        self.client = Client(
            HTTP_HOST="localhost",
            HTTP_ACCEPT_LANGUAGE="en",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    def call(self, method: str, path: str, body=None, *, expect: int) -> dict | list:
        headers = {"HTTP_IDEMPOTENCY_KEY": f"b-{uuid.uuid4()}"} if method == "POST" else {}
        if method == "POST":
            response = self.client.post(
                "/api/v1" + path,
                json.dumps(body) if body is not None else "",
                content_type="application/json",
                **headers,
            )
        else:
            response = self.client.get("/api/v1" + path)
        if response.status_code != expect:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.content[:300]}")
        return json.loads(response.content)


def world(rng: random.Random):
    """A supply point and a demand point of one organisation that has households, with a
    coordinator's desk at each (a coordinator may do every write timed here)."""
    for household in Household.objects.order_by("?")[:50]:
        org = household.organisation_id
        members = Member.objects.filter(organisation_id=org).select_related("user")
        member = members.filter(role="coordinator").first() or members.first()
        points = list(member.organisation.points.all())
        supply = [p for p in points if p.kind in SUPPLY]
        demand = [p for p in points if p.kind in DEMAND]
        for point in demand:
            stocked = (
                Lot.objects.filter(point=point, balance__quantity__gt=2, container=None)
                .values_list("item_id", "size")
                .distinct()
            )
            if len(stocked) >= 3 and supply:
                member.role = "coordinator"  # on this copy only: one desk may do it all
                member.save(update_fields=["role"])
                # the supply point with most lots on hand: transfers are made of them
                source = max(
                    supply,
                    key=lambda p: Lot.objects.filter(point=p, balance__quantity__gt=4).count(),
                )
                return member, source, point
    raise SystemExit("no organisation with households and stock at a demand point")


def main() -> int:
    rng = random.Random(OPTIONS.seed)
    member, supply, demand = world(rng)
    desk = Desk(member)
    goods = [
        (item.pk, item.tracks_expiry, tuple(item.sizes or ["M"]) if item.tracks_size else ())
        for item in Item.objects.filter(is_kit=False, active=True)
    ]
    codes = list(
        Household.objects.filter(
            organisation_id=member.organisation_id, status="active"
        ).values_list("code", flat=True)[:2000]
    )
    today = dt.date.today()

    def intake_line(good) -> dict:
        line = {"item": good[0], "quantity": rng.randint(30, 60)}
        if good[1]:
            line["expiry"] = (today + dt.timedelta(rng.randint(90, 700))).isoformat()
        if good[2]:
            line["size"] = rng.choice(good[2])
        return line

    def floor() -> Callable[[], None]:
        return lambda: desk.call("GET", f"/points/{supply.pk}", expect=200)

    def donation() -> Callable[[], None]:
        body = {"point": supply.pk, "lines": [intake_line(g) for g in rng.sample(goods, 10)]}
        return lambda: desk.call("POST", "/donations", body, expect=201)

    def supply_lots(n: int) -> list[dict]:
        lots = list(
            Lot.objects.filter(point=supply, balance__quantity__gt=4, container=None)
            .order_by("?")
            .values_list("pk", flat=True)[:n]
        )
        return [{"lot": lot, "quantity": 1} for lot in lots]

    transfers: dict[str, list[int]] = defaultdict(list)

    def transfer_create() -> Callable[[], None]:
        body = {"source": supply.pk, "destination": demand.pk, "lines": supply_lots(8)}

        def run() -> None:
            transfers["draft"].append(desk.call("POST", "/transfers", body, expect=201)["id"])

        return run

    def transfer_send() -> Callable[[], None]:
        document = transfers["draft"].pop()

        def run() -> None:
            desk.call("POST", f"/transfers/{document}/send", expect=200)
            transfers["sent"].append(document)

        return run

    def transfer_receive() -> Callable[[], None]:
        document = transfers["sent"].pop()
        return lambda: desk.call("POST", f"/transfers/{document}/receive", expect=200)

    def hand_out() -> Callable[[], None]:
        stocked = list(
            Lot.objects.filter(point=demand, balance__quantity__gt=2, container=None)
            .values_list("item_id", "size")
            .distinct()
        )
        lines = [
            {"item": item, "quantity": 1, **({"size": size} if size else {})}
            for item, size in rng.sample(stocked, 3)
        ]
        body = {
            "point": demand.pk,
            "household": rng.choice(codes),
            "lines": lines,
            "note": "Handed out again: timed.",
        }
        return lambda: desk.call("POST", "/distributions", body, expect=201)

    def registration() -> Callable[[], None]:
        bands = ["female_18_59", "male_18_59", "female_6_11", "male_0_2", "female_60"]
        composition = {band: rng.randint(0, 2) for band in bands}
        composition["female_18_59"] += 1
        body = {"point": demand.pk, "composition": composition, "languages": ["hy"]}
        return lambda: desk.call("POST", "/households", body, expect=201)

    kinds: list[tuple[str, Callable[[], Callable[[], None]]]] = [
        ("GET /points/{id} (the floor)", floor),
        ("POST /donations (10 lines)", donation),
        ("POST /transfers (8 lots)", transfer_create),
        ("POST /transfers/{id}/send", transfer_send),
        ("POST /transfers/{id}/receive", transfer_receive),
        ("POST /distributions (3 items)", hand_out),
        ("POST /households", registration),
    ]
    if OPTIONS.only:
        wanted = OPTIONS.only.split(",")
        kinds = [k for k in kinds if any(w in k[0] for w in wanted)]
    print(f"load before: {os.getloadavg()}")
    figures: dict[str, list[list[float]]] = defaultdict(list)
    database: dict[str, list[float]] = defaultdict(list)
    statements: dict[str, list[int]] = defaultdict(list)
    profile = cProfile.Profile(time.process_time) if OPTIONS.profile else None
    backend = _backend_schedstat()
    counted = [0]

    def count(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    for _round in range(OPTIONS.rounds):
        for name, make in kinds:
            for _ in range(3):  # warm: the first request of a kind compiles what it caches
                make()()
            ms = []
            for _ in range(OPTIONS.requests):
                run = make()
                counted[0] = 0
                before = _schedstat(backend)
                start = time.process_time()
                with connection.execute_wrapper(count):
                    if profile is not None:
                        profile.runcall(run)
                    else:
                        run()
                ms.append((time.process_time() - start) * 1000)
                after = _schedstat(backend)
                if backend and before and after:
                    database[name].append((after[0] - before[0]) / 1e6)
                statements[name].append(counted[0])
            figures[name].append(ms)
    print(f"load after: {os.getloadavg()}")
    if profile is not None:
        profile.dump_stats(OPTIONS.profile)
    heads = "  ".join(f"p50/p95 #{r + 1:<4}" for r in range(OPTIONS.rounds))
    print(f"{'request':34} {heads}  database p50  statements")
    for name, runs in figures.items():
        cells = []
        for ms in runs:
            ms = sorted(ms)
            cells.append(f"{statistics.median(ms):5.2f}/{ms[int(len(ms) * 0.95)]:5.2f}")
        db = f"{statistics.median(database[name]):12.2f}" if database[name] else f"{'-':>12}"
        counts = statistics.median(statements[name])
        print(f"{name:34} " + "  ".join(cells) + f"  {db}  {counts:10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
