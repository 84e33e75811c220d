"""Time the duplicate check at registration as the registry grows, and the batch re-check.

    .venv/bin/python bench/matching_speed.py [--database-url URL] [--sizes 1000,10000,100000]
                                             [--samples 200] [--keep] [--reuse]

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named in the URL)
with one organisation, then files generated registrations (bench/matching_data.py) in steps up
to each size: households bulk-inserted, their digests made and filed by the matching app's own
`keys_for` (the filing rate is printed). At each size, `matching.check` (what the desk runs
before registering: its queries and the scoring) is timed on the server side for --samples
identities of people registering again, with perf_counter: median and p95 against 10 ms, and
the p95 of this process's CPU time (on a shared machine, the check's own cost).
At the largest size, `recheck` (the command `kamavor recheck_households`) is timed over the
whole registry.
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import benchkit
from bench.matching_data import POINTS, generate

TARGET_MS = 10.0


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--samples", type=int, default=200)


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
BENCH = benchkit.start(OPTIONS, prefix="kamavor-matching-")

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from kamavor.households.models import Household
from kamavor.lib import household_codes
from kamavor.matching import services as matching
from kamavor.matching.models import IndexKey, Profile
from kamavor.network.models import Organisation
from tests.factories import make_point, make_user

say = benchkit.say


def identity(r: dict) -> matching.Identity:
    return matching.Identity(
        given=r["given"], family=r["family"], birth_date=r["birth_date"], sex=r["sex"],
        phone=r["phone"], members=r["members"],
    )  # fmt: skip


START = timezone.now() - dt.timedelta(days=400)


def registration(r: dict, points: list) -> matching.Registration:
    """The household's composition, point and time of the generated registration."""
    return matching.Registration(
        composition=r["composition"],
        point_id=points[r["point"]].pk,
        at=START + dt.timedelta(days=r["day"]),
    )


def file_batch(org, user, records: list[dict], codes: set[str], points: list) -> None:
    now = timezone.now()
    households = []
    for _r in records:
        code = household_codes.new_code()
        while code in codes:
            code = household_codes.new_code()
        codes.add(code)
        households.append(
            Household(
                code=code,
                organisation=org,
                registered_by=user,
                registered_point=points[_r["point"]],
                registered_at=START + dt.timedelta(days=_r["day"]),
                **_r["composition"],
            )
        )
    with transaction.atomic():
        Household.objects.bulk_create(households, batch_size=2000)
        profiles, keys = [], []
        for household, r in zip(households, records, strict=True):
            record, filed = matching.keys_for(identity(r))
            profiles.append(
                (household.pk, org.pk, json.dumps({k: sorted(v) for k, v in record.items()}), now)
            )
            keys += [(household.pk, org.pk, k) for k in filed]
        # The rows the app's file_household writes, inserted in bulk (as an import would).
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {Profile._meta.db_table} "
                "(household_id, organisation_id, keys, updated_at) VALUES (%s, %s, %s, %s)",
                profiles,
            )
            cursor.executemany(
                f"INSERT INTO {IndexKey._meta.db_table} (household_id, organisation_id, key) "
                "VALUES (%s, %s, %s)",
                keys,
            )


def time_checks(org, samples: list[dict], points: list) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU milliseconds of each check (SQLite works in-process,
    so on a shared machine the CPU time shows the check's own cost without the waiting)."""
    matching._totals.clear()
    matching.check(organisation_id=org.pk, identity=identity(samples[0]))  # warm
    wall, cpu = [], []
    for r in samples:
        started, started_cpu = time.perf_counter(), time.process_time()
        matching.check(
            organisation_id=org.pk, identity=identity(r), registration=registration(r, points)
        )
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def main() -> None:
    sizes = [int(s) for s in OPTIONS.sizes.split(",")]
    rng = random.Random(OPTIONS.seed)
    try:
        call_command("migrate", verbosity=0)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
        org = Organisation.objects.create(name="Bench", slug="bench")
        user = make_user("bench-registrar")
        points = [make_point(org, f"Point {n + 1}") for n in range(POINTS)]
        records = generate(int(max(sizes) / 1.55) + 1000, OPTIONS.seed)
        say(f"{len(records)} generated registrations; filing up to {max(sizes)}")
        codes: set[str] = set()
        filed = 0
        rows: list[tuple] = []
        for size in sizes:
            started = time.perf_counter()
            while filed < size:
                batch = records[filed : min(size, filed + 5000)]
                file_batch(org, user, batch, codes, points)
                filed += len(batch)
            took = time.perf_counter() - started
            say(
                f"  filed {filed} households ({(size - (rows[-1][0] if rows else 0)) / took:.0f}/s)"
            )
            # People registering again: the next registrations of the set, not yet filed.
            samples = rng.sample(records[filed : filed + 5000], OPTIONS.samples)
            wall, cpu = (sorted(t) for t in time_checks(org, samples, points))
            p50, p95 = statistics.median(wall), wall[int(0.95 * len(wall)) - 1]
            cpu95 = cpu[int(0.95 * len(cpu)) - 1]
            rows.append((size, p50, p95, cpu95))
            say(f"  check at {size}: median {p50:.2f} ms, p95 {p95:.2f} ms, CPU p95 {cpu95:.2f}")
        say(f"\nThe check at registration ({benchkit.engine()}), target p95 ≤ {TARGET_MS} ms:")
        say(f"  {'households':>10} {'median ms':>10} {'p95 ms':>8} {'CPU p95 ms':>11}")
        for size, p50, p95, cpu95 in rows:
            flag = "ok" if p95 <= TARGET_MS else "OVER"
            say(f"  {size:>10} {p50:>10.2f} {p95:>8.2f} {cpu95:>11.2f}  {flag}")
        started = time.perf_counter()
        found, new = matching.recheck(
            progress=lambda text: say(f"  recheck: {text}"), workers=min(os.cpu_count() or 1, 4)
        )
        took = time.perf_counter() - started
        say(f"\nBatch re-check of {filed} registrations: {took:.1f} s "
            f"({found} pairs above the review threshold, {new} new); target ≤ 60 s")  # fmt: skip
    finally:
        BENCH.finish()


if __name__ == "__main__":
    main()
