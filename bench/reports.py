"""Time the dashboards and a 100,000-row export at the scale PRODUCT.md designs for; print them.

    nice .venv/bin/python bench/reports.py [--database-url URL] [--movements 2000000]
                                           [--households 30000] [--rows 100000]
                                           [--dashboard-samples 30] [--keep] [--reuse]

Builds the ledger of bench/ledger.py (2 million movements at 50 points by default, bulk-loaded,
its daily flows and item balances rebuilt), adds --households households (compositions only,
nothing personal) and --visits distribution documents to them over 90 days, then times on the
server side, with perf_counter, through the test client as a coordinator of every organisation:

  - each dashboard (a point, an organisation, every point) over 30 and 90 days, p95 of
    --dashboard-samples renders against the 300 ms target, with the page's size: built (every
    figure read, as after a posting) and kept (the same again while the ledger stands still);
  - the busiest point's movements exported through the desk's URL as CSV and as XLSX, and
    the --rows newest movements of the network (by id) through the same export code, each
    streamed to its last byte, against the 10 s target.

Options it does not know are bench/ledger.py's (--points, --items, --days, --seed, --queries).
"""
# ruff: noqa: E402  (Django is imported after bench/ledger.py has named the database)

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Callable

MINE = argparse.ArgumentParser(add_help=False)
MINE.add_argument("--households", type=int, default=30_000)
MINE.add_argument("--rows", type=int, default=100_000)
MINE.add_argument("--dashboard-samples", type=int, default=30)
MINE.add_argument("--visits", type=int, default=100_000)
OWN, REST = MINE.parse_known_args(sys.argv[1:])
sys.argv = [sys.argv[0], *REST]

import benchkit
import ledger  # parses the rest, creates the database and starts Django
from benchkit import Timing, say
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from kamavor.households.models import COMPOSITION_FIELDS, Household
from kamavor.lib.household_codes import new_code
from kamavor.network.models import Member, Organisation, Point
from kamavor.reports.dashboard import forget_kept
from kamavor.reports.exports import csv_lines, xlsx_chunks
from kamavor.reports.lists import movements_table
from kamavor.stock.models import Document, Movement
from kamavor.stock.rollups import rebuild_household_visits

DASHBOARD_TARGET_MS = 300.0
EXPORT_TARGET_S = 10.0


def add_households(n: int, rng: random.Random) -> None:
    """n households spread over the organisations, registered at their points, each served by
    some of the simulated hand-outs of its organisation."""
    orgs = list(Organisation.objects.order_by("pk"))
    points = {org.pk: list(Point.objects.filter(organisation=org).values_list("pk", flat=True))
              for org in orgs}  # fmt: skip
    user_id = Member.objects.values_list("user_id", flat=True).first()
    codes: set[str] = set()
    batch = []
    for i in range(n):
        org = orgs[i % len(orgs)]
        code = new_code()
        while code in codes:
            code = new_code()
        codes.add(code)
        sizes = dict.fromkeys(COMPOSITION_FIELDS, 0)
        for _person in range(rng.randint(1, 6)):
            sizes[rng.choice(COMPOSITION_FIELDS)] += 1
        registered = rng.choice(points[org.pk])
        # Registered over the last year: most households served in a period are returning.
        since = timezone.now() - dt.timedelta(minutes=rng.randrange(525_600))
        batch.append(
            Household(code=code, organisation=org, registered_by_id=user_id,
                      registered_point_id=registered, registered_at=since, **sizes)
        )  # fmt: skip
    Household.objects.bulk_create(batch, batch_size=2000)
    by_org: dict[int, list[int]] = {}
    for pk, org_id in Household.objects.values_list("pk", "organisation_id"):
        by_org.setdefault(org_id, []).append(pk)
    # The ledger's simulation hands nothing out: visits are documents of their own (the
    # dashboards count households served from distribution documents, not their lines).
    now = timezone.now()
    visits = []
    for _n in range(OWN.visits):
        org = orgs[rng.randrange(len(orgs))]
        visits.append(Document(
            kind=Document.Kind.DISTRIBUTION, status=Document.Status.POSTED, organisation=org,
            point_id=rng.choice(points[org.pk]), household_id=rng.choice(by_org[org.pk]),
            created_by_id=user_id, created_at=now - dt.timedelta(minutes=rng.randrange(129600)),
        ))  # fmt: skip
    Document.objects.bulk_create(visits, batch_size=5000)
    rebuild_household_visits()  # the roll-up the services keep, written by the bulk load
    say(f"  {n:,} households; {len(visits):,} visits to them over 90 days")


def build(rng: random.Random, step: Callable[[str], None]):
    net = ledger.build(rng, step)
    add_households(OWN.households, rng)
    step("households")
    return net


def _coordinator():
    """A superuser-free coordinator of every organisation (the network dashboard's widest)."""
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(username="bench-reports")
    for org in Organisation.objects.all():
        Member.objects.get_or_create(user=user, organisation=org, defaults={"role": "coordinator"})
    return user


def measure(net, samples: int, rng: random.Random, show_queries: bool) -> list[Timing]:
    from kamavor.core.sqlite import start_checkpointer

    start_checkpointer()
    gc.collect()
    gc.freeze()
    client = benchkit.desk_client(_coordinator())
    busiest = (Movement.objects.values("point_id").annotate(n=Count("pk")).order_by("-n").first())[
        "point_id"
    ]
    org = Point.objects.get(pk=busiest).organisation_id
    pages = [
        ("point dashboard, 30 d", reverse("reports:point_dashboard", args=[busiest]), 30),
        ("point dashboard, 90 d", reverse("reports:point_dashboard", args=[busiest]), 90),
        ("organisation dash., 30 d", reverse("reports:organisation_dashboard", args=[org]), 30),
        ("organisation dash., 90 d", reverse("reports:organisation_dashboard", args=[org]), 90),
        ("network dashboard, 30 d", reverse("reports:network_dashboard"), 30),
        ("network dashboard, 90 d", reverse("reports:network_dashboard"), 90),
    ]
    timings = []
    for name, url, days in pages:
        size = []

        def page(_prepared=None, *, url=url, days=days, size=size) -> None:
            response = client.get(url, {"days": days})
            assert response.status_code == 200, response.status_code
            size.append(len(response.content))

        # Built: every figure read (the first request after a posting); kept: the same
        # dashboard again while the ledger stands still (see kamavor/reports/dashboard.py).
        found = benchkit.timed(f"{name}, built", page, OWN.dashboard_samples, forget_kept)
        found[0].note = f"{size[-1] / 1024:.0f} KB"
        timings.extend(found)
        timings.extend(benchkit.timed(f"{name}, kept", page, OWN.dashboard_samples))
        if show_queries:
            forget_kept()
            benchkit.print_queries(name, page, slowest=6, width=240)
    url = reverse(
        "reports:export_at_point", kwargs={"point_id": busiest, "key": "movements", "fmt": "csv"}
    )
    for fmt in ("csv", "xlsx"):
        response = client.get(url.replace(".csv", f".{fmt}"))
        name = f"GET the busiest point's movements, {fmt}"
        EXPORTS.append(_drain(name, response.streaming_content))
    # The network's newest movements by id (a range of the primary key): no list of the app
    # exports the whole network's movements, and ordering all 2 million by time (no index has
    # the time first) is a sort SQLite pays in this process, which no real export does.
    newest = Movement.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for fmt in ("csv", "xlsx"):
        movements = Movement.objects.filter(pk__gt=newest - OWN.rows)
        table = movements_table(movements, "bench", limit=OWN.rows)
        chunks = (
            (line.encode() for line in csv_lines(table)) if fmt == "csv" else xlsx_chunks(table)
        )
        EXPORTS.append(_drain(f"{OWN.rows:,} movements of the network, {fmt}", chunks))
    return timings


EXPORTS: list[tuple[str, int, float, float, int]] = []


def _drain(name: str, chunks) -> tuple[str, int, float, float, int]:
    """Read an export to its end: its name, rows (data lines), seconds, seconds of this
    process's CPU (Python and SQLite; not PostgreSQL's) and bytes."""
    start, cpu, size, lines = time.perf_counter(), time.process_time(), 0, 0
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return name, lines, time.perf_counter() - start, time.process_time() - cpu, size


def report(*, timings: list[Timing], held: dict, steps: dict, statistics: str, load: str):
    households = Household.objects.count()
    benchkit.TARGET_MS = DASHBOARD_TARGET_MS
    benchkit.report(
        "Kamavor reports benchmark (dashboards: p95 < 300 ms; exports: 100,000 rows < 10 s)",
        [("households", f"{households:,}")],
        held=held,
        steps=steps,
        statistics=statistics,
        load=load,
        timings=timings,
        width=36,
        cpu=True,
    )
    head = f"{'export (streamed to its last byte)':<48}{'seconds':>9}{'CPU s':>7}{'MB':>7}"
    say(f"\n  {head}  < {EXPORT_TARGET_S:.0f} s")
    for name, _lines, seconds, cpu, size in EXPORTS:
        verdict = "yes" if seconds <= EXPORT_TARGET_S else "NO"
        say(f"  {name:<48}{seconds:>9.2f}{cpu:>7.2f}{size / 1e6:>7.1f}  {verdict}")


if __name__ == "__main__":
    benchkit.run(
        ledger.BENCH,
        build=build,
        load_network=ledger.load_network,
        survey=ledger.survey,
        measure=measure,
        report=report,
    )
