"""Time the sorting desks against a ledger of 2 million movements, and print the figures.

    .venv/bin/python bench/ledger.py --database-url URL --keep        (build the ledger once)
    nice .venv/bin/python bench/sorting.py --reuse --database-url URL [--samples 100] [--lines 40]

Measures, on the server side and with perf_counter, at a collection point of the database that
bench/ledger.py built: recording a drop-off of three bags, adding a sorting line, and closing a
drop-off of --lines sorted lines (four of them set aside), which posts its donation and
disposal. The drop-offs and their lines are prepared untimed before each sample. p95 is held
against 100 ms (the issue's target for closing a 40-line bag).
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time

import benchkit
from benchkit import Timing, say

TARGET_MS = 100.0
LIST_TARGET_MS = 5000.0  # a 2,000-row packing list, checked and posted


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--lines", type=int, default=40)


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
if not OPTIONS.reuse:
    sys.exit("Build the ledger with bench/ledger.py --keep first, then run this with --reuse.")
BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-sorting-")

from django.core.management import call_command
from django.utils import timezone

from kamavor.catalogue.models import Item
from kamavor.network.models import Member, Point
from kamavor.sorting import services
from kamavor.sorting.packing_lists import check_packing_list
from kamavor.stock import services as stock
from kamavor.stock.models import Movement
from kamavor.stock.services import IntakeLine

ROWS = 2000


def packing_list_timings(point, user, items, rng) -> list[Timing]:
    """A 2,000-row packing list (names in the three scripts, codes, expiry as printed):
    checked, then posted as one donation; a few samples, as a truck comes now and then."""
    rows = ["item;quantity;expiry;size"]
    for n in range(ROWS):
        item = rng.choice(items)
        name = [item.name_hy, item.name_ru, item.name_en, item.code][n % 4] or item.code
        expiry = f"{rng.randint(1, 12):02d}.{timezone.localdate().year + 2}"
        size = item.sizes[0] if item.tracks_size and item.sizes else ""
        rows.append(
            f"{name.replace(';', ',')};{rng.randint(1, 50)};"
            f"{expiry if item.tracks_expiry else ''};{size}"
        )
    data = "\n".join(rows).encode()
    errors = [r for r in check_packing_list(data).rows if r.errors]
    if errors:  # names shared by several variants: take those rows by code instead
        lines = data.decode().split("\n")
        for r in errors:
            code = r.item.code if r.item else None
            if code is None:
                match = [i for i in items if r.text in (i.name_hy, i.name_ru, i.name_en)]
                code = match[0].code
            lines[r.number - 1] = code + lines[r.number - 1][len(r.text) :]
        data = "\n".join(lines).encode()

    def run() -> None:
        checked = check_packing_list(data)
        assert checked.valid, [r.errors for r in checked.rows if r.errors][:3]
        services.post_packing_list(point=point, lines=checked.as_lines(), by=user)

    return benchkit.timed(f"check and post a {ROWS:,}-row packing list", run, 5)


def setting() -> tuple[Point, object, list[Item]]:
    """A busy collection point, one of its volunteers, and the catalogue's active items."""
    point = Point.objects.filter(kind=Point.Kind.COLLECTION, active=True).order_by("pk").first()
    member = (
        Member.objects.filter(organisation=point.organisation, role=Member.Role.VOLUNTEER)
        .select_related("user")
        .first()
    )
    items = list(Item.objects.active().filter(is_kit=False))
    return point, member.user, items


def intake_line(item: Item, rng: random.Random) -> IntakeLine:
    expiry = timezone.localdate() + dt.timedelta(days=rng.randint(60, 700))
    return IntakeLine(
        item=item,
        quantity=rng.randint(1, 12),
        expiry=expiry if item.tracks_expiry else None,
        size=item.sizes[0] if item.tracks_size and item.sizes else "",
    )


def main() -> None:
    call_command("migrate", verbosity=0)  # the sorting tables, if the ledger predates them
    point, user, items = setting()
    rng = random.Random(OPTIONS.seed)
    samples, n_lines = OPTIONS.samples, OPTIONS.lines
    say(f"Measuring {samples} samples at {point.name} as {user.username}")

    def new_drop_off():
        return services.record_drop_off(point=point, bags=3, by=user, kind="mixed")

    def sorted_drop_off():
        drop_off = new_drop_off()
        for n, item in enumerate(rng.sample(items, n_lines)):
            services.add_sorting_line(
                drop_off=drop_off,
                line=intake_line(item, rng),
                set_aside="damaged" if n % 10 == 9 else "",
                by=user,
            )
        return drop_off

    open_drop_off = new_drop_off()
    timings: list[Timing] = []
    timings += benchkit.timed(
        "record a drop-off of 3 bags", lambda: new_drop_off() and None, samples
    )
    timings += benchkit.timed(
        "add a sorting line",
        lambda item: (
            services.add_sorting_line(drop_off=open_drop_off, line=intake_line(item, rng), by=user)
            and None
        ),
        samples,
        prepare=lambda: rng.choice(items),
    )
    timings += benchkit.timed(
        f"close a drop-off of {n_lines} lines",
        lambda drop_off: services.close_drop_off(drop_off=drop_off, by=user) and None,
        samples,
        prepare=sorted_drop_off,
    )

    def packed_box():
        drop_off = sorted_drop_off()
        drop_off = services.close_drop_off(drop_off=drop_off, by=user)
        return services.pack_drop_off(drop_off=drop_off, by=user)

    destination = Point.objects.exclude(pk=point.pk).filter(active=True).order_by("pk").first()

    coordinator = (
        Member.objects.filter(organisation=point.organisation, role=Member.Role.COORDINATOR)
        .select_related("user")
        .first()
        .user
    )

    def box_into_transfer(box) -> dict:
        start = time.perf_counter()
        lines = stock.container_lines(box)
        transfer = stock.create_transfer(
            source=point, destination=destination, lines=lines, by=coordinator
        )
        scanned = time.perf_counter()
        stock.send_transfer(transfer=transfer, by=coordinator)
        sent = time.perf_counter()
        return {"scan it (a draft)": (scanned - start) * 1000, "send it": (sent - scanned) * 1000}

    timings += benchkit.timed(
        f"box of {n_lines - n_lines // 10} lines into a transfer",
        box_into_transfer,
        samples,
        prepare=packed_box,
    )
    timings += packing_list_timings(point, user, items, rng)
    if OPTIONS.queries:
        benchkit.print_queries(
            "close",
            lambda d: services.close_drop_off(drop_off=d, by=user),
            sorted_drop_off,
            slowest=12,
            width=120,
        )
    say(f"\nSorting desks  ({benchkit.engine()}, {Movement.objects.count():,} movements)")
    say(
        f"  {'operation':<40}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'cpu p50':>9}{'cpu p95':>9}  p95 within"
    )
    for t in timings:
        p95 = t.percentile(95)
        target = LIST_TARGET_MS if "packing list" in t.name else TARGET_MS
        verdict = "" if t.name.startswith(" ") else ("yes" if p95 <= target else "NO")
        verdict += f" ({target:,.0f} ms)" if verdict else ""
        say(
            f"  {t.name:<40}{len(t.samples):>8}{t.percentile(50):>9.1f}{p95:>9.1f}"
            f"{max(t.samples):>9.1f}{cpu(t, 50):>9}{cpu(t, 95):>9}  {verdict}"
        )


def cpu(timing: Timing, p: float) -> str:
    """A percentile of this process's CPU milliseconds (the honest figure on a loaded
    machine: wall time there includes waiting for a core), or blank for a part."""
    return f"{timing.percentile(p, timing.cpu):.1f}" if timing.cpu else ""


try:
    main()
finally:
    BENCH.finish()
