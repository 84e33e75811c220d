"""Replay a September week through the HTTP API of a real `kamavor serve`, and print the figures.

    .venv/bin/python bench/replay.py --scale 0.01 [--desks N] [--database-url URL]
                                     [--workers N] [--threads N] [--retry-share 0.01] [--keep]

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named in the URL,
created and dropped here), sets up the network straight through Django (5 organisations, 50
points, a desk per member with its own API token, the catalogue padded to ~1,000 items), then
starts `kamavor serve` on a free loopback port and lets the desks play the week against it
(bench/week.py): donations, purchases, transfers sent and received, households registering and
goods handed out, every write over HTTP with an Idempotency-Key, some sent twice on purpose.
The full week (--scale 1) is 2,000,000 movements, 30,000 households and 200 desks; --scale
shrinks movements and households (desks too, unless --desks says otherwise).

Prints throughput (writes/s, movements/s), latency per endpoint (p50/p95/p99 of the wall clock
seen by the desks), answers by status, the server's CPU per request and its memory (read from
/proc for the server's process and its children), the client's own CPU (so that a slow client is
not taken for a slow server), and the ledger check.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import benchkit
import week
from benchkit import say

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="share of the full week")
    parser.add_argument("--desks", type=int, help="concurrent desks (default: 200 × scale, ≥ 4)")
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--database-url", help="postgres://… (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, help="server processes, if `serve` has --workers")
    parser.add_argument("--threads", type=int, help="server threads (serve's --threads)")
    parser.add_argument("--retry-share", type=float, default=0.01, help="writes sent twice")
    parser.add_argument("--max-minutes", type=float, default=60.0, help="stop the replay then")
    parser.add_argument(
        "--quiet-samples", type=int, default=200, help="calls of each desk action afterwards"
    )
    parser.add_argument("--port", type=int, help="the server's loopback port (default: a free one)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--py-spy",
        metavar="FILE",
        help="sample the server with py-spy (installed by hand) into FILE, collapsed stacks",
    )
    return parser.parse_args(argv)


# ================================================================ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_options() -> str:
    """The help text of `kamavor serve` (to see which options this version has)."""
    kamavor = ROOT / ".venv" / "bin" / "kamavor"
    done = subprocess.run(
        [str(kamavor), "serve", "--help"], capture_output=True, text=True, env=os.environ.copy()
    )
    return done.stdout


def start_server(options: argparse.Namespace, port: int, log: Path) -> subprocess.Popen:
    help_text = serve_options()
    command = [str(ROOT / ".venv" / "bin" / "kamavor"), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-migrate"]
    if options.workers and "--workers" in help_text:
        command += ["--workers", str(options.workers)]
    elif options.workers:
        say("  (this `kamavor serve` has no --workers: one process)")
    if options.threads:
        command += ["--threads", str(options.threads)]
    say("  server: " + " ".join(command[-8:]))
    server = subprocess.Popen(
        command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=os.environ.copy(),
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if server.poll() is not None:
            sys.exit(f"the server stopped: see {log}\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not answer within a minute")


def stop_server(server: subprocess.Popen) -> None:
    import signal

    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)  # its own session: the server and its workers
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def start_spy(out: str, pid: int) -> subprocess.Popen:
    """py-spy sampling the server and its workers, idle threads left out (wall clock of
    work, not of waiting for requests)."""
    spy = ROOT / ".venv" / "bin" / "py-spy"
    command = [str(spy), "record", "--pid", str(pid), "--subprocesses", "--format", "raw"]
    command += ["--rate", "200", "--output", out, "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_spy(spy: subprocess.Popen) -> None:
    import signal

    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=60)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the third on


def process_tree(root: int) -> list[int]:
    """The root and every descendant still running (gunicorn's workers, say)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                parents[int(fields[1])].append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def cpu_seconds(root: int) -> float:
    """CPU time of the server so far: its processes' own, and that of children it reaped."""
    total = 0.0
    for pid in process_tree(root):
        fields = _stat(pid)
        if fields:  # utime, stime, cutime, cstime are fields 14-17
            total += sum(int(x) for x in fields[11:15]) / TICK
    return total


def database_backends(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this database now, when the database
    server runs on this machine; none for SQLite, whose work is in the app's processes."""
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith("postgres") or not name:
        return {}
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {name} " in title:
            fields = _stat(int(entry.name))
            if fields:
                found[int(entry.name)] = sum(int(x) for x in fields[11:13]) / TICK
    return found


def rss_mb(root: int) -> list[float]:
    sizes = []
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return sizes


class Watch(threading.Thread):
    """Samples the server's memory and the database's backends every second while the desks
    work (Django opens new connections as old ones age: each backend is counted as last seen)."""

    def __init__(self, root: int, url: str) -> None:
        super().__init__(daemon=True)
        self.root, self.url, self.stop = root, url, threading.Event()
        self.largest_process, self.largest_total = 0.0, 0.0
        self.processes = 0
        self.before = database_backends(url)
        self.backends = dict(self.before)

    def database_cpu(self) -> float:
        self.backends.update(database_backends(self.url))
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.backends.items())

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.backends.update(database_backends(self.url))
            sizes = rss_mb(self.root)
            if sizes:
                self.largest_process = max(self.largest_process, *sizes)
                self.largest_total = max(self.largest_total, sum(sizes))
                self.processes = max(self.processes, len(sizes))


# ================================================================ the report


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)] if ordered else 0.0


def report(options, the_week, calls, result, seconds, cpu, client_cpu, watch, load):
    tally = the_week.tally
    server_cpu, database_cpu = cpu
    requests = sum(len(v) for v in calls.ms.values())
    say(f"\nThe September week at scale {options.scale} ({len(the_week.net.desks)} desks)")
    say(f"  database      {benchkit.engine()}")
    say(f"  machine       {os.cpu_count()} CPUs, load average {load} while replaying")
    say(f"  wall clock    {seconds:.1f} s for {requests:,} requests, {calls.writes:,} writes")
    say(
        f"  throughput    {calls.writes / seconds:.1f} writes/s, "
        f"{tally.movements / seconds:.1f} movements/s, {requests / seconds:.1f} requests/s"
    )
    if tally.movements:
        full = seconds * week.FULL_WEEK["movements"] / tally.movements
        say(f"  full week     {full / 60:.0f} min at this rate (2,000,000 movements)")
    say(
        f"  server CPU    {server_cpu:.1f} s: {server_cpu * 1000 / max(1, requests):.1f} ms per "
        f"request, {server_cpu * 1000 / max(1, calls.writes):.1f} ms per write (reads included)"
    )
    if database_cpu:
        say(
            f"  database CPU  {database_cpu:.1f} s in PostgreSQL's backends (sampled each second): "
            f"{database_cpu * 1000 / max(1, requests):.1f} ms per request"
        )
    if tally.movements:
        # Comparable between runs whose mix of writes differs less than their rates are.
        budget = (os.cpu_count() or 1) * 30 * 60 * 1000 / week.FULL_WEEK["movements"]
        spent = (server_cpu + database_cpu) * 1000 / tally.movements
        say(
            f"  per movement  {spent:.2f} ms of CPU, server and database "
            f"(a 30-minute week on this machine allows {budget:.2f})"
        )
    say(
        f"  server RSS    largest process {watch.largest_process:.0f} MB, "
        f"all {watch.processes} processes {watch.largest_total:.0f} MB"
    )
    say(
        f"  client CPU    {client_cpu:.1f} s ({client_cpu / seconds * 100:.0f} % of one core), "
        f"{client_cpu * 1000 / max(1, requests):.2f} ms per request"
    )
    kinds = ", ".join(f"{k} {n:,}" for k, n in tally.kinds.most_common())
    say(f"  written       {tally.movements:,} movements; documents {kinds}")
    say(f"                {len(tally.households):,} households; {tally.retried} deliberate retries")
    say(f"\n  {'endpoint':<34}{'calls':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name in sorted(calls.ms):
        ms = calls.ms[name]
        say(
            f"  {name:<34}{len(ms):>8}{percentile(ms, 50):>9.1f}{percentile(ms, 95):>9.1f}"
            f"{percentile(ms, 99):>9.1f}{max(ms):>9.1f}"
        )
    say("\n  answers by status")
    for (name, status, code), n in sorted(calls.statuses.items()):
        if status >= 300 or status == 0:
            say(f"    {status} {code or '-':<24} {name:<34}{n:>8}")
    ok = sum(n for (_, status, _), n in calls.statuses.items() if 200 <= status < 300)
    say(f"    2xx {'':<24} {'all':<34}{ok:>8}")
    held = result["held"]
    say(f"\n  ledger        {held['balances']:,} balances; {held['detail']}")
    verdict = "OK" if not result["failures"] else "BROKEN: " + "; ".join(result["failures"])
    say(f"  check         {verdict}")


def measure_quiet(
    the_week, base_url: str, pid: int, options, url: str
) -> tuple[list[tuple], week.Calls]:
    """Each desk action alone, one call at a time, after the replay: (name, wall-clock
    milliseconds, server CPU milliseconds per call, PostgreSQL's backends' CPU milliseconds
    per call or None)."""
    rng = random.Random(options.seed)
    rows = []
    found, calls = week.probes(the_week, base_url, rng)
    for name, probe in found:
        for _ in range(5):  # warm up
            probe()
        samples, cpu, database = [], cpu_seconds(pid), database_backends(url)
        for _ in range(options.quiet_samples):
            start = time.perf_counter()
            probe()
            samples.append((time.perf_counter() - start) * 1000)
        used = (cpu_seconds(pid) - cpu) * 1000 / max(1, options.quiet_samples)
        after = database_backends(url)
        backends = None
        if after:
            spent = sum(t - database.get(backend, 0.0) for backend, t in after.items())
            backends = spent * 1000 / max(1, options.quiet_samples)
        rows.append((name, samples, used, backends))
    return rows, calls


def report_quiet(rows: list[tuple]) -> None:
    say("\n  after the replay, one desk at a time (a quiet server)")
    database = any(backends is not None for *_, backends in rows)
    say(
        f"  {'action':<34}{'calls':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU ms':>9}"
        + (f"{'DB CPU ms':>11}" if database else "")
    )
    for name, ms, cpu, backends in rows:
        say(
            f"  {name:<34}{len(ms):>8}{percentile(ms, 50):>9.1f}{percentile(ms, 95):>9.1f}"
            f"{percentile(ms, 99):>9.1f}{cpu:>9.1f}"
            + (f"{backends:>11.1f}" if backends is not None else "")
        )


# ================================================================ the run


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="kamavor-replay-"))
    url, drop = benchkit.create_database(options.database_url, data_dir)
    os.environ.update(
        KAMAVOR_DATABASE_URL=url,
        KAMAVOR_DATA_DIR=str(data_dir),
        KAMAVOR_HTTPS="0",
        KAMAVOR_DEBUG="0",
        DJANGO_SETTINGS_MODULE="kamavor.settings",
    )
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    scale = options.scale
    desks = options.desks or max(4, min(200, round(week.FULL_WEEK["desks"] * scale)))
    server = None
    try:
        say(f"Building in {url}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        net = week.build_network(
            points=options.points, desks=desks, items=options.items, rng=random.Random(options.seed)
        )
        connection.close()
        say(f"  network and catalogue in {time.perf_counter() - started:.0f} s")
        the_week = week.Week(
            net,
            movements=round(week.FULL_WEEK["movements"] * scale),
            households=round(week.FULL_WEEK["households"] * scale),
            seed=options.seed,
            retry_share=options.retry_share,
        )
        upkeep = benchkit.Upkeep() if benchkit.Upkeep.needed() else None
        if upkeep is not None:  # the network and catalogue just loaded, as autovacuum would
            upkeep.once()
            connection.close()
        port = options.port or free_port()
        server = start_server(options, port, data_dir / "server.log")
        say(f"Replaying with {desks} desks")
        watch = Watch(server.pid, url)
        watch.start()
        if upkeep is not None:
            upkeep.start()
        spy = start_spy(options.py_spy, server.pid) if options.py_spy else None
        cpu_before, client_before = cpu_seconds(server.pid), time.process_time()
        load_before, started = os.getloadavg()[0], time.perf_counter()
        calls = the_week.play(f"http://127.0.0.1:{port}", max_seconds=options.max_minutes * 60)
        seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(server.pid) - cpu_before
        database_cpu = watch.database_cpu()
        client_cpu = time.process_time() - client_before
        if spy is not None:
            stop_spy(spy)
        if upkeep is not None:
            upkeep.stop.set()
            upkeep.join()
            say(
                f"  autovacuum is off on this server: the replay vacuumed or analysed "
                f"{upkeep.tables} tables in {upkeep.runs} rounds as autovacuum would "
                f"({upkeep.seconds:.0f} s, counted in the database's CPU)"
            )
        load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
        watch.stop.set()
        base_url = f"http://127.0.0.1:{port}"
        quiet, quiet_calls = measure_quiet(the_week, base_url, server.pid, options, url)
        stop_server(server)
        calls.statuses.update(quiet_calls.statuses)  # their errors count in the check
        result = week.check(the_week, calls)
        cpu = (server_cpu, database_cpu)
        report(options, the_week, calls, result, seconds, cpu, client_cpu, watch, load)
        report_quiet(quiet)
        return 1 if result["failures"] else 0
    finally:
        if server is not None:
            stop_server(server)
        connection.close()
        if options.keep:
            say(f"\nKept {url} (data folder {data_dir})")
        else:
            drop()
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
