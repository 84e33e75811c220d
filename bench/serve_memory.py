"""How much memory each `kamavor serve` worker holds after serving the desks for a while.

Starts `kamavor serve --workers N` on the demo network (SQLite in a scratch data folder, or the
database in KAMAVOR_DATABASE_URL), sends a bounded load of API reads and writes, public pages
and desk pages from several client threads, then prints each worker's resident (RSS) and
proportional (PSS: shared pages split between the processes that share them) memory.

    .venv/bin/python bench/serve_memory.py [--workers 2] [--requests 3000] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

KAMAVOR = str(Path(sys.executable).with_name("kamavor"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB, from /proc."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "Rss":
            rss = int(value.split()[0])
        elif name == "Pss":
            pss = int(value.split()[0])
    return rss, pss


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    options = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="kamavor-serve-memory-"))
    env = {**os.environ, "KAMAVOR_DATA_DIR": str(data), "KAMAVOR_HTTPS": "0"}
    subprocess.run([KAMAVOR, "migrate", "-v0"], env=env, check=True)
    subprocess.run([KAMAVOR, "demo"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [KAMAVOR, "token", "coordinator"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [KAMAVOR, "serve", "--port", str(port), "--workers", str(options.workers), "--no-migrate"],
        env=env,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        run_load(port, token, options.requests, options.clients)
        workers = children(server.pid)
        print(f"after {options.requests} requests from {options.clients} clients:")
        for role, pid in [("master", server.pid)] + [("worker", pid) for pid in workers]:
            rss, pss = memory_kb(pid)
            print(f"  {role}  pid {pid}: RSS {rss / 1024:6.1f} MB, PSS {pss / 1024:6.1f} MB")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def run_load(port: int, token: str, requests: int, clients: int) -> None:
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/points", headers=auth)
    points = json.loads(conn.getresponse().read())
    conn.request("GET", "/api/v1/items?limit=100", headers=auth)
    items = json.loads(conn.getresponse().read())
    conn.close()
    point = points[0]["id"]
    plain = [i["id"] for i in items if not i.get("tracks_expiry") and not i.get("tracks_size")]
    reads = [
        "/api/v1/points",
        f"/api/v1/points/{point}/stock",
        f"/api/v1/points/{point}/lots",
        "/api/v1/stock",
        "/api/v1/items?q=rice",
        "/api/v1/categories",
        "/hy/",
        "/en/",
        "/api/v1/openapi.json",
    ]
    counter = iter(range(requests))
    lock = threading.Lock()
    statuses: dict[int, int] = {}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            if n % 5 == 0 and plain:
                body = json.dumps(
                    {"point": point, "lines": [{"item": plain[n % len(plain)], "quantity": 1}]}
                )
                headers = {**auth, "Content-Type": "application/json",
                           "Idempotency-Key": str(uuid.uuid4())}  # fmt: skip
                conn.request("POST", "/api/v1/donations", body=body, headers=headers)
            else:
                conn.request("GET", reads[n % len(reads)], headers=auth)
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    print(f"load: {requests} requests in {elapsed:.1f} s ({requests / elapsed:.0f}/s), "
          f"statuses {dict(sorted(statuses.items()))}")  # fmt: skip


if __name__ == "__main__":
    main()
