"""Two distribution desks serving the last units at the same moment: one wins, one is told why.

Real threads on separate database connections, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from kamavor.core.errors import NotEnoughStock
from kamavor.distribution.services import record_distribution
from kamavor.stock.models import Balance, Document, Movement
from kamavor.stock.services import LotLine
from tests.distribution.factories import make_household, stock_up
from tests.factories import build_world
from tests.stock.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_desks_serving_the_last_units_one_wins():
    w = build_world()
    first, second = make_household(w), make_household(w)
    lot = stock_up(w, w.soap, 3)

    def serve(household, by, key):
        def call():
            with translation.override("en"):
                return record_distribution(
                    point=w.point,
                    household=household,
                    lines=[LotLine(lot, 3)],
                    by=by,
                    idempotency_key=key,
                )

        return call

    results = run_together(
        serve(first, w.volunteer, "desk-1"), serve(second, w.coordinator, "desk-2")
    )
    documents = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, NotEnoughStock)]
    assert len(documents) == 1 and len(refused) == 1, results
    assert "Not enough stock" in refused[0].message
    assert Balance.objects.get(lot=lot).quantity == 0
    assert sum(Movement.objects.filter(lot=lot).values_list("quantity", flat=True)) == 0
    assert Document.objects.filter(kind="distribution").count() == 1


def test_one_visit_posted_from_two_tabs_counts_once():
    w = build_world()
    household = make_household(w)
    lot = stock_up(w, w.soap, 10)

    def post():
        return record_distribution(
            point=w.point,
            household=household,
            lines=[LotLine(lot, 2)],
            by=w.volunteer,
            idempotency_key="same-visit",
        )

    results = run_together(post, post, post)
    assert all(isinstance(r, Document) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Balance.objects.get(lot=lot).quantity == 8
