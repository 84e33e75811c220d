"""Cash on hand per point: cash taken there, less cash spent there and handed on from there."""

from __future__ import annotations

from django.urls import reverse

from kamavor.money import services
from kamavor.money.reads import cash_on_hand
from tests.factories import desk, text
from tests.money.conftest import give


def test_cash_on_hand_counts_only_the_cash_of_the_point(w, fund, treasurer):
    give(fund, w.coordinator, "1000", method="cash", point=w.point)
    give(fund, w.coordinator, "200", method="cash", point=w.point)
    give(fund, w.coordinator, "5000")  # by bank: never at a point
    wrong = give(fund, w.coordinator, "70", method="cash", point=w.point)
    services.reverse_record(record=wrong, reason="typed twice", by=w.coordinator)
    services.record_spending(
        fund=fund, amount="150", purpose="Bus", point=w.point, by=w.coordinator
    )
    services.record_spending(fund=fund, amount="999", purpose="Rent", by=w.coordinator)
    services.hand_over_cash(fund=fund, amount="300", to=treasurer, point=w.point, by=w.coordinator)
    services.hand_over_cash(fund=fund, amount="40", to=treasurer, by=w.coordinator)
    [row] = cash_on_hand(w.org.pk)
    assert (row.fund, row.point_id) == (fund, w.point.pk)
    assert (row.received, row.spent, row.handed_on) == (120000, 15000, 30000)
    assert row.on_hand == 75000
    page = desk(w.coordinator).get(reverse("money:cash", args=[w.org.pk]))
    assert page.status_code == 200 and "750.00 AMD" in text(page)


def test_cash_on_hand_is_six_queries_however_many_entries(w, fund, django_assert_num_queries):
    for _ in range(5):
        give(fund, w.coordinator, "10", method="cash", point=w.point)
    with django_assert_num_queries(6):  # cash, spending, and their reversals; handovers; funds
        cash_on_hand(w.org.pk)
    assert cash_on_hand(w.other_org.pk) == []
