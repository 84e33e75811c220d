"""Two desks taking the last units of a lot at the same moment: one wins, one is told why.

Runs on real, separate database connections (threads), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kamavor.core.errors import NotEnoughStock
from kamavor.stock import services
from kamavor.stock.models import Balance, Document, Lot, Movement
from kamavor.stock.services import IntakeLine, LotLine
from tests.factories import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    """Start every call at the same moment on its own connection; collect results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_desks_taking_the_last_units_one_wins():
    w = build_world()
    services.post_donation(point=w.point, lines=[IntakeLine(w.soap, 5)], by=w.coordinator)
    lot = Lot.objects.get(item=w.soap, point=w.point)

    def take_all():
        return services.dispose(
            point=w.point, lines=[LotLine(lot, 5)], by=w.coordinator, reason="handed out"
        )

    results = run_together(take_all, take_all)
    documents = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, NotEnoughStock)]
    assert len(documents) == 1, results
    assert len(refused) == 1, results
    assert "Not enough stock" in refused[0].message or refused[0].code == "not_enough_stock"
    assert Balance.objects.get(lot=lot).quantity == 0
    assert sum(Movement.objects.filter(lot=lot).values_list("quantity", flat=True)) == 0


def test_the_same_idempotency_key_from_two_desks_posts_once():
    w = build_world()

    def post():
        return services.post_donation(
            point=w.point, lines=[IntakeLine(w.soap, 3)], by=w.volunteer, idempotency_key="same"
        )

    results = run_together(post, post, post)
    assert all(isinstance(r, Document) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Balance.objects.get(lot__item=w.soap, lot__point=w.point).quantity == 3


def test_it_runs_on_the_configured_database():
    """Documents which engine the concurrency tests above really used."""
    assert connection.vendor in {"sqlite", "postgresql"}


def test_two_desks_opening_the_same_new_lot_share_it():
    w = build_world()

    def post(key):
        return lambda: services.post_donation(
            point=w.point,
            lines=[IntakeLine(w.rice, 4, expiry=w.later(100)), IntakeLine(w.soap, 1)],
            by=w.volunteer,
            idempotency_key=key,
        )

    results = run_together(post("a"), post("b"))
    assert all(isinstance(r, Document) for r in results), results
    lot = Lot.objects.get(item=w.rice, point=w.point)
    assert Balance.objects.get(lot=lot).quantity == 8
    assert sum(Movement.objects.filter(lot=lot).values_list("quantity", flat=True)) == 8


def test_concurrent_retries_of_one_hand_out_answer_the_first_document():
    """A flaky connection sends the same hand-out several times at once: each retry waits for
    the first, then answers its document; the stock leaves once."""
    from kamavor.distribution.services import record_distribution
    from tests.factories import make_household

    w = build_world()
    services.post_donation(point=w.point, lines=[IntakeLine(w.soap, 5)], by=w.coordinator)
    lot = Lot.objects.get(item=w.soap, point=w.point)
    household = make_household(w)

    def hand_out():
        return record_distribution(
            point=w.point,
            household=household,
            lines=[LotLine(lot, 4)],
            by=w.volunteer,
            idempotency_key="flaky-wifi",
        )

    results = run_together(*[hand_out] * 6)
    assert all(isinstance(r, Document) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Balance.objects.get(lot=lot).quantity == 1
    assert Document.objects.filter(kind="distribution").count() == 1


@pytest.mark.postgres_only
def test_postings_whose_lines_come_in_opposite_orders_never_deadlock(monkeypatch):
    """Balances are locked in lot id order whatever the order of the lines: with retries turned
    off, a deadlock would surface here as an error."""
    from kamavor.core import transactions

    monkeypatch.setattr(transactions, "ATTEMPTS", 1)
    w = build_world()
    services.post_donation(
        point=w.point,
        lines=[
            IntakeLine(w.soap, 500),
            IntakeLine(w.toothpaste, 500, expiry=w.later(400)),
            IntakeLine(w.rice, 500, expiry=w.later(90)),
        ],
        by=w.coordinator,
    )
    lots = list(Lot.objects.filter(point=w.point).order_by("pk"))

    def desk(order):
        def run():
            for _ in range(20):
                services.dispose(
                    point=w.point,
                    lines=[LotLine(lot, 1) for lot in order],
                    by=w.coordinator,
                    reason="damaged",
                )

        return run

    results = run_together(desk(lots), desk(lots[::-1]), desk(lots[1:] + lots[:1]))
    assert results == [None, None, None]
    for lot in lots:
        assert Balance.objects.get(lot=lot).quantity == 500 - 60
