"""Time the public pages against a kept benchmark database, and load them over HTTP.

    .venv/bin/python bench/public.py --reuse --database-url URL [--samples 30]
                                     [--duration 5] [--connections 16] [--port 8510]
                                     [--workers 2] [--no-load]

URL is a database kept by bench/ledger.py or bench/households.py (`--keep` prints it). Prints:
(a) the cold build of the network's page (/hy/) and of the busiest listed point's page: every
cache emptied before each sample, through the test client, so the whole middleware and view
run; then the rebuild at the page's 10-second mark (the window sums kept) and after a posting
(the network page's parts kept too); (b) a cache hit of each in-process and its queries; (c) if
`wrk` is installed, requests/s of both pages served by `kamavor serve` on 127.0.0.1 (a bounded
run of --duration seconds from a second process, loopback only) and, when gunicorn is
importable, by `gunicorn kamavor.wsgi:application` with --workers processes, with the server's
own CPU time per request (read from /proc on Linux): on a machine that runs other work,
requests/s follow the share of the cores the server gets, its CPU per request does not. wrk:
`apt-get install wrk` on Debian and Ubuntu, `brew install wrk` on macOS.
"""
# ruff: noqa: E402  (Django is imported after benchkit.start() names the database)

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchkit
from benchkit import say


def add_sizes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8510)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--no-load", action="store_true", help="time the builds only (no wrk)")


OPTIONS = benchkit.parse_args(__doc__, sys.argv[1:], add_sizes)
if not OPTIONS.reuse:
    sys.exit("Measure a kept database: bench/ledger.py --keep, then --reuse --database-url URL")
BENCH = benchkit.start(OPTIONS, prefix="kamavor-bench-public-")

from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kamavor.public import cache as page_cache
from kamavor.public.cache import store
from kamavor.public.models import listed_points
from kamavor.stock.models import Movement

ROOT = Path(__file__).resolve().parent.parent


def busiest_point() -> str:
    """The listed point with the most movements: its page has the most to say."""
    points = {p.pk: p.slug for p in listed_points()}
    row = (
        Movement.objects.filter(point_id__in=points)
        .values("point_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return points[row["point_id"]]


def cold(client: Client, path: str, samples: int, *, keep: tuple[str, ...] = ()) -> str:
    """Build times with nothing kept but `keep`: "windows" (the window sums, kept for 60 s) and
    "parts" (the network page's parts, kept for 10 s). The page rebuilt at its 10-second mark
    keeps the window sums; after a posting, it keeps both. Wall time, and this process's CPU
    time (Python and SQLite's work, not a PostgreSQL server's): on a shared machine the CPU
    time shows the cost without the waiting."""
    times, cpu = [], []
    client.get(path)
    real_clock = page_cache.clock
    frozen = real_clock()
    # The kept parts stay young for the whole run (they would be read again every 10 s).
    page_cache.clock = lambda: frozen
    try:
        for _ in range(samples):
            if "windows" not in keep:
                cache.clear()
            if "parts" not in keep:
                page_cache.parts.clear()
            store.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        page_cache.clock = real_clock
    return f"{figures(times)}   CPU median {statistics.median(cpu):7.2f} ms"


def warm(client: Client, path: str, samples: int, *, checked: bool) -> tuple[list[float], int]:
    """A kept page sent; checked=True: as after its first second, when each request asks
    whether the ledger moved."""
    client.get(path)
    times = []

    def get() -> None:
        if checked:
            for page in store.pages.values():
                page.checked = float("-inf")
        client.get(path)

    for _ in range(samples):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        get()
    return times, len(queries)


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms"


def wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def server_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) of the server process and its worker processes so far,
    read from /proc (Linux); None elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, pending = 0.0, [pid]
    try:
        while pending:
            current = pending.pop()
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children")
            if children.exists():
                pending += [int(child) for child in children.read_text().split()]
    except (OSError, ValueError, IndexError):
        return None
    return total


def wrk(url: str, pid: int) -> str:
    before = server_cpu(pid)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{OPTIONS.connections}", f"-d{OPTIONS.duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=OPTIONS.duration + 30,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    done = re.search(r"(\d+) requests in", out)
    after = server_cpu(pid)
    cpu = ""
    if before is not None and after is not None and done and int(done.group(1)):
        # The server's own CPU per request: what the pages cost it, whatever else the
        # machine runs; 1,000 / that is what one core could answer each second.
        per = (after - before) * 1000 / int(done.group(1))
        cpu = f"   server CPU {per:6.3f} ms/request (one core: {1000 / per:,.0f}/s)"
    return (
        f"{float(rate.group(1)):8.0f} requests/s   p99 {p99.group(1) if p99 else '?':>8}"
        + cpu
        + (f"   {errors.group(1)} errors" if errors else "")
    )


def load(name: str, command: list[str], paths: list[str]) -> None:
    env = {**os.environ, "KAMAVOR_LOG_LEVEL": "ERROR"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(OPTIONS.port, process)
        for path in paths:
            url = f"http://127.0.0.1:{OPTIONS.port}{path}"
            subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=False)
            say(f"  {name:<22} {path:<32} {wrk(url, process.pid)}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    client = Client(HTTP_HOST="localhost")
    slug = busiest_point()
    paths = ["/hy/", f"/hy/{slug}/"]
    movements = Movement.objects.count()
    say(f"{movements:,} movements; {len(listed_points())} listed points; busiest: {slug}")
    say(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    say("\nCold build (page cache, its parts and the figures' cache emptied before each):")
    for path in paths:
        say(f"  {path:<32} {cold(client, path, OPTIONS.samples)}")
    say("\nRebuild at the 10-second mark (page cache and parts emptied, window sums kept):")
    for path in paths:
        say(f"  {path:<32} {cold(client, path, OPTIONS.samples, keep=('windows',))}")
    say("\nRebuild after a posting (page cache emptied, parts and window sums kept):")
    for path in paths:
        say(f"  {path:<32} {cold(client, path, OPTIONS.samples, keep=('windows', 'parts'))}")
    say(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    say("\nKept page, in-process (test client): in its first second, then checked each time:")
    for checked in (False, True):
        for path in paths:
            times, queries = warm(client, path, OPTIONS.samples * 10, checked=checked)
            say(f"  {path:<32} {figures(times)}   {queries} queries")
    connection.close()
    if OPTIONS.no_load:
        return
    if not shutil.which("wrk"):
        say(
            "\nwrk is not installed: no load test"
            " (Debian, Ubuntu: apt-get install wrk; macOS: brew install wrk)."
        )
        return
    bin_dir = Path(sys.executable).parent
    say(f"\nLoad: wrk, 1 thread, {OPTIONS.connections} connections, {OPTIONS.duration} s each:")
    serve = [str(bin_dir / "kamavor"), "serve", "--host", "127.0.0.1", "--port", str(OPTIONS.port)]
    load("kamavor serve", serve, paths)
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        say("  (gunicorn is not installed: no multi-process run)")
        return
    gunicorn_cmd = [
        sys.executable, "-m", "gunicorn", "kamavor.wsgi:application",
        "--bind", f"127.0.0.1:{OPTIONS.port}", "--workers", str(OPTIONS.workers),
        # The app is loaded before the workers fork: no worker is still starting (and
        # counted in the server's CPU) while wrk runs.
        "--preload",
    ]  # fmt: skip
    load(f"gunicorn, {OPTIONS.workers} workers", gunicorn_cmd, paths)


if __name__ == "__main__":
    try:
        main()
    finally:
        BENCH.finish()
