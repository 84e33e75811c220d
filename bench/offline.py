"""A desk that was offline for a day catches up: its outbox sent to a server at full scale.

    nice .venv/bin/python bench/ledger.py --keep          (once: builds 2 M movements, keeps them)
    nice .venv/bin/python bench/offline.py --reuse --database-url URL [--writes 500]

Takes a database kept by bench/ledger.py (or bench/households.py), adds the offline app's
table, and replays a day of one desk's outbox through the outbox endpoint, in order, the way
offline.js sends it: donations (1–3 lines), hand-outs to households (by code, first expiry first
out) and household registrations, each with its own idempotency key. Then it sends the whole
outbox again (the connection was cut before the answers arrived) and checks that nothing was
written twice. Prints the time to catch up (target: 60 s for 500 writes), the time per write,
and the bytes the offline layer adds to a desk page (target: 60 KB).
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
import uuid
from pathlib import Path

import benchkit
from benchkit import say


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--writes", type=int, default=500, help="writes in the outbox")
    parser.add_argument("--samples", type=int, default=0, help="(unused; shared option)")


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
if not OPTIONS.reuse:
    sys.exit("Run bench/ledger.py --keep first, then this with --reuse --database-url URL.")
BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-offline-")

from django.core.management import call_command
from django.db.models import Count

from kamavor.households.models import Household
from kamavor.households.services import Profile, register_household
from kamavor.network.models import Member, Point
from kamavor.stock.models import Balance, Document, Movement

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0
TARGET_KB = 60.0


def busiest_point() -> Point:
    """The point with the most lots in stock, among those whose volunteers may hand out."""
    row = (
        Balance.objects.filter(quantity__gt=5)
        .values("point")
        .annotate(n=Count("lot"))
        .order_by("-n")
        .first()
    )
    return Point.objects.select_related("organisation").get(pk=row["point"])


def outbox(point: Point, volunteer, n: int, rng: random.Random) -> list[dict]:
    """A day of one desk: 60 % donations, 30 % hand-outs, 10 % registrations, in order."""
    stock = list(
        Balance.objects.filter(point=point, quantity__gt=20, lot__expiry__isnull=True, lot__size="")
        .values_list("item_id", flat=True)
        .distinct()[:200]
    )
    donated = list(
        Balance.objects.filter(point=point, lot__expiry__isnull=True, item__tracks_size=False,
                               item__tracks_expiry=False)
        .values_list("item_id", flat=True)
        .distinct()[:200]
    )  # fmt: skip
    households = [
        register_household(
            organisation=point.organisation,
            profile=Profile(composition={"female_18_59": 1, "male_3_5": 1}),
            by=volunteer,
            point=point,
        ).code
        for _ in range(max(1, n * 3 // 10))
    ]
    writes = []
    for k in range(n):
        roll = rng.random()
        if roll < 0.6 or not stock:
            lines = [{"item": rng.choice(donated), "quantity": rng.randint(1, 20)}
                     for _ in range(rng.randint(1, 3))]  # fmt: skip
            writes.append({"kind": "donation", "payload": {"lines": lines, "donor": ""}})
        elif roll < 0.9:
            code = households[k % len(households)]
            lines = [{"item": rng.choice(stock), "quantity": 1}]
            writes.append({"kind": "distribution", "payload": {"household": code, "lines": lines}})
        else:
            payload = {"composition": {"female_18_59": 1, "female_0_2": 1}, "area": "Abovyan"}
            writes.append({"kind": "household", "payload": payload})
        writes[-1]["key"] = uuid.uuid4().hex
    return writes


def send_all(client, point: Point, writes: list[dict]) -> tuple[float, list[float], dict]:
    times, states = [], {}
    started = time.perf_counter()
    for write in writes:
        body = json.dumps({"point": point.pk, **write})
        t0 = time.perf_counter()
        response = client.post(
            "/desk/offline/outbox/",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": write["key"]},
        )
        times.append(time.perf_counter() - t0)
        state = response.json().get("state", f"error {response.status_code}")
        states[state] = states.get(state, 0) + 1
    return time.perf_counter() - started, times, states


def layer_bytes(client, point: Point) -> None:
    script = (ROOT / "kamavor/offline/static/offline/offline.js").read_bytes()
    css = (ROOT / "kamavor/core/static/kamavor/kamavor.css").read_text()
    css_block = css[css.index("/* The offline layer") :].encode()
    page = client.get(f"/desk/{point.pk}/intake/").content.decode()
    start = page.index('<section id="offline-layer"')
    end = page.index("offline.js", start)
    markup = page[start : page.index(">", end) + 1].encode()
    total = len(script) + len(css_block) + len(markup)
    say(f"\nOffline layer added to a desk page: {total / 1024:.1f} KB (target {TARGET_KB:.0f} KB)")
    say(f"  offline.js {len(script):,} B ({len(gzip.compress(script)):,} B gzipped), "
        f"CSS {len(css_block):,} B, layer markup and strings {len(markup):,} B")  # fmt: skip
    say("  service worker (fetched once, not part of the page): "
        f"{len(client.get('/desk/sw.js').content):,} B")  # fmt: skip


def main() -> None:
    call_command("migrate", "offline", verbosity=0)
    rng = random.Random(OPTIONS.seed)
    point = busiest_point()
    member = Member.objects.filter(organisation=point.organisation, role="volunteer").first()
    volunteer = member.user
    movements = Movement.objects.count()
    say(f"Database: {movements:,} movements; desk at {point.name}, as {volunteer.username}")
    writes = outbox(point, volunteer, OPTIONS.writes, rng)
    client = benchkit.desk_client(volunteer)
    before = (Document.objects.count(), Household.objects.count())
    seconds, times, states = send_all(client, point, writes)
    after = (Document.objects.count(), Household.objects.count())
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1] * 1000
    say(f"\nCatching up {len(writes)} writes: {seconds:.1f} s (target {TARGET_S:.0f} s), "
        f"{seconds / len(writes) * 1000:.1f} ms a write, p95 {p95:.1f} ms; {states}")  # fmt: skip
    again, _times, states_again = send_all(client, point, writes)
    doubled = (Document.objects.count(), Household.objects.count()) != after
    say(f"Sent again after a cut: {again:.1f} s, {states_again}; "
        f"{'DOUBLED' if doubled else 'nothing written twice'} "
        f"(+{after[0] - before[0]} documents, +{after[1] - before[1]} households)")  # fmt: skip
    layer_bytes(client, point)
    ok = seconds <= TARGET_S and not doubled
    say("\n" + ("OK" if ok else "MISSED"))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        BENCH.finish()
