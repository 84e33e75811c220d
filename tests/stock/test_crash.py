"""The server is killed (SIGKILL) while several desks write, then started again: every write
it acknowledged is there exactly once, a retry of any of them (same key) answers the same
document, and the writes that were in flight land once when retried. SQLite and PostgreSQL."""

from __future__ import annotations

import http.client
import threading
import time

import pytest

from kamavor.stock.models import Document, IdempotencyRecord, Lot, Movement
from kamavor.stock.services import IntakeLine
from tests.factories import build_world, donate, make_household
from tests.servers import Server, request
from tests.stock.checks import assert_ledger_exact

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1"
DESKS = 6
ACKNOWLEDGED_BEFORE_THE_CRASH = 40  # writes answered before the kill (a count, not a time)


def test_every_acknowledged_write_survives_a_crash_exactly_once(tmp_path):
    w = build_world()
    token = w.token(w.coordinator)
    donate(w, IntakeLine(w.soap, 100_000))
    soap_lot = Lot.objects.get(point=w.point, item=w.soap).pk
    household = make_household(w).display_code

    def body(desk: int, n: int) -> tuple[str, dict]:
        if n % 2:
            lines = [{"lot": soap_lot, "quantity": 1 + desk}]
            # The same household again and again: each hand-out gives its reason.
            return "/distributions", {
                "point": w.point.pk,
                "household": household,
                "lines": lines,
                "note": "a new family member",
            }
        lines = [
            {"item": w.soap.pk, "quantity": 1 + n % 5},
            {"item": w.rice.pk, "quantity": 2, "expiry": w.later(30 + desk).isoformat()},
        ]
        return "/donations", {"point": w.point.pk, "lines": lines}

    acknowledged: dict[str, int] = {}  # key → document id
    in_flight: dict[str, tuple[str, dict]] = {}  # key → the request that got no answer
    lock = threading.Lock()
    server = Server(tmp_path, threads=DESKS).start().wait_ready()

    def desk(d: int) -> None:
        for n in range(10_000):
            key = f"desk-{d}-{n}"
            path, data = body(d, n)
            try:
                status, answer = request(
                    server.port, "POST", API + path, data, token=token, key=key
                )
            # The server died under this request, before it, or in the middle of its answer:
            # either way the desk has no answer and sends the write again later.
            except (OSError, http.client.HTTPException):
                with lock:
                    in_flight[key] = (path, data)
                return
            assert status == 201, answer
            with lock:
                acknowledged[key] = answer["id"]

    desks = [threading.Thread(target=desk, args=(d,)) for d in range(DESKS)]
    try:
        for thread in desks:
            thread.start()
        deadline = time.monotonic() + 120  # a bound for a stuck server, not a measurement
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_THE_CRASH and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        for thread in desks:
            thread.join(timeout=60)
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_CRASH
        assert len(in_flight) == DESKS

        server = Server(tmp_path, threads=DESKS).start().wait_ready()
        for key, (path, data) in in_flight.items():  # the desks' outboxes, sent again
            status, answer = request(server.port, "POST", API + path, data, token=token, key=key)
            assert status == 201, answer
            acknowledged[key] = answer["id"]
        for key in list(acknowledged)[::7]:  # acknowledged writes retried: the same document
            path, data = body(int(key.split("-")[1]), int(key.split("-")[2]))
            status, answer = request(server.port, "POST", API + path, data, token=token, key=key)
            assert (status, answer["id"]) == (201, acknowledged[key])
    finally:
        server.stop()

    records = dict(IdempotencyRecord.objects.values_list("key", "document_id"))
    assert records == acknowledged  # each write once, under its key, and nothing else
    posted = Document.objects.filter(kind__in=["donation", "distribution"]).exclude(
        pk__in=Document.objects.filter(kind="donation").order_by("pk").values("pk")[:1]
    )
    assert sorted(posted.values_list("pk", flat=True)) == sorted(acknowledged.values())
    for document in posted.prefetch_related("lines"):
        assert Movement.objects.filter(document=document).count() == len(document.lines.all())
    assert_ledger_exact()
