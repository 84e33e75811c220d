"""Several `kamavor serve` processes on one PostgreSQL database, many desks posting multi-line
donations, hand-outs and transfer steps on the same lots at once, and flaky clients retrying
one request with one key at the same moment: no 5xx, every retry gets the original answer,
and the ledger stays exact (balances, item balances, running balances in time order)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kamavor.stock.models import Document, IdempotencyRecord, Lot
from kamavor.stock.services import IntakeLine
from tests.factories import build_world, donate, make_household
from tests.servers import Server, request
from tests.stock.checks import assert_ledger_exact

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

API = "/api/v1"
SERVERS = 3
DESKS = 12
RETRIES = 5  # copies of one request sent at once with one key


def test_several_processes_take_concurrent_writes_and_retries(tmp_path):
    rng = random.Random(19)
    w = build_world()
    token = w.token(w.coordinator)
    donate(
        w,
        IntakeLine(w.soap, 100_000),
        IntakeLine(w.toothpaste, 100_000, expiry=w.later(400)),
        IntakeLine(w.rice, 100_000, expiry=w.later(200)),
    )
    lots = [lot.pk for lot in Lot.objects.filter(point=w.point).order_by("pk")]
    households = [make_household(w).display_code for _ in range(3)]
    items = [
        {"item": w.soap.pk},
        {"item": w.toothpaste.pk, "expiry": w.later(400).isoformat()},
        {"item": w.rice.pk, "expiry": w.later(200).isoformat()},
        {"item": w.rice.pk, "expiry": w.later(300).isoformat()},
    ]

    def donation() -> tuple[str, dict]:
        lines = [{**x, "quantity": rng.randint(1, 9)} for x in rng.sample(items, len(items))]
        return "/donations", {"point": w.point.pk, "lines": lines}

    def hand_out() -> tuple[str, dict]:
        lines = [{"lot": lot, "quantity": rng.randint(1, 3)} for lot in rng.sample(lots, 3)]
        lines.append({"lot": lines[0]["lot"], "quantity": 1})  # one lot twice
        return "/distributions", {
            "point": w.point.pk,
            "household": rng.choice(households),
            "lines": lines,
            "note": "a new family member",  # the same households again and again
        }

    servers = [Server(tmp_path, threads=6).start() for _ in range(SERVERS)]
    answers: list[tuple[str, int, object]] = []
    lock = threading.Lock()

    def call(n: int, method: str, path: str, body=None, key=None) -> tuple[int, object]:
        status, answer = request(
            servers[n % SERVERS].port, method, API + path, body, token=token, key=key
        )
        with lock:
            answers.append((path, status, answer))
        return status, answer

    def post_one(n: int) -> None:
        path, body = donation() if n % 2 else hand_out()
        call(n, "POST", path, body, key=f"desk-{n}")

    def transfer(n: int) -> None:
        lines = [{"lot": lot, "quantity": 2} for lot in rng.sample(lots, 3)]
        body = {"source": w.point.pk, "destination": w.warehouse.pk, "lines": lines}
        status, sent = call(n, "POST", "/transfers", body, key=f"transfer-{n}")
        assert status == 201, sent
        for step in ("send", "receive"):
            status, answer = call(
                n + 1, "POST", f"/transfers/{sent['id']}/{step}", None, f"{step}-{n}"
            )
            assert status == 200, answer

    groups: list[list[tuple[int, object]]] = []

    def flaky_retries(g: int) -> None:
        path, body = hand_out() if g % 2 else donation()
        together = threading.Barrier(RETRIES, timeout=60)
        got: list[tuple[int, object]] = [None] * RETRIES

        def once(i: int) -> None:
            together.wait()
            got[i] = call(g + i, "POST", path, body, key=f"flaky-{g}")

        threads = [threading.Thread(target=once, args=(i,)) for i in range(RETRIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        groups.append(got)

    try:
        for server in servers:
            server.wait_ready()
        with ThreadPoolExecutor(DESKS) as pool:
            jobs = [pool.submit(post_one, n) for n in range(60)]
            jobs += [pool.submit(transfer, 1000 + n) for n in range(6)]
            retry_threads = [threading.Thread(target=flaky_retries, args=(g,)) for g in range(6)]
            for thread in retry_threads:
                thread.start()
            for job in jobs:
                job.result(timeout=300)
            for thread in retry_threads:
                thread.join(timeout=300)
    finally:
        for server in servers:
            server.stop()

    failures = [(path, status, answer) for path, status, answer in answers if status >= 500]
    assert not failures, failures[:3]
    refused = [(path, status, answer) for path, status, answer in answers if status >= 400]
    assert not refused, refused[:3]
    assert len(groups) == 6
    for got in groups:
        assert all(answer == got[0] for answer in got), got  # same status, same body
        assert got[0][0] == 201
    # One document per key: 60 postings, 6 transfers, 6 retried requests, and the stock.
    assert IdempotencyRecord.objects.count() == 60 + 6 * 3 + 6
    assert Document.objects.exclude(kind="transfer").count() == 60 + 6 + 1
    assert Document.objects.filter(kind="transfer", status="received").count() == 6
    assert_ledger_exact()
