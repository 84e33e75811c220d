"""Property: whatever the hand-outs (households registered on any day, served at any point of
their organisation, any number of times), the households' latest visits the services keep equal
a recount from the documents, and every dashboard's households served, new and hand-outs equal
a count of the period's documents, whether its organisations are wholly in scope (the roll-up)
or only some of their points (the documents). And whatever the intake and hand-outs, each
balance carries its lot's expiry and what expires soon equals a recount lot by lot."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.core.errors import InvalidInput, NotEnoughStock
from kamavor.distribution.services import ItemLine, record_distribution
from kamavor.households.models import Household
from kamavor.reports import dashboard
from kamavor.reports.access import Scope
from kamavor.stock.models import Balance, Document
from kamavor.stock.rollups import HouseholdVisits, household_visit_sums, rebuild_household_visits
from kamavor.stock.services import IntakeLine
from tests.factories import donate, make_household

hand_out = st.tuples(st.integers(0, 3), st.integers(0, 1))  # household, point


def recount(scope: Scope, days: int, now: dt.datetime) -> tuple[int, int, int]:
    """(served, new, hand-outs) of the period, from the documents themselves."""
    start = timezone.localdate(now) - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    documents = list(
        Document.objects.filter(
            kind=Document.Kind.DISTRIBUTION, point__in=scope.points, created_at__gte=since
        ).select_related("household")
    )
    households = {d.household for d in documents}
    new = [h for h in households if h.registered_at >= since]
    return len(households), len(new), len(documents)


def kept() -> dict[int, tuple]:
    return {
        row.household_id: (row.organisation_id, row.registered, row.last_visit)
        for row in HouseholdVisits.objects.all()
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    registered=st.lists(st.integers(0, 120), min_size=4, max_size=4),
    hand_outs=st.lists(hand_out, max_size=8),
    ahead=st.integers(0, 95),
    days=st.sampled_from(dashboard.PERIODS),
)
def test_households_served_equal_a_recount_of_the_documents(w, registered, hand_outs, ahead, days):
    with transaction.atomic():
        points = [w.point, w.warehouse]
        for point in points:
            donate(w, IntakeLine(w.soap, 20), point=point)
        households = [make_household(w) for _n in registered]
        for household, days_ago in zip(households, registered, strict=True):
            Household.objects.filter(pk=household.pk).update(
                registered_at=timezone.now() - dt.timedelta(days=days_ago)
            )
            household.refresh_from_db()
        for which, point in hand_outs:
            record_distribution(
                point=points[point], household=households[which], lines=[ItemLine(w.soap, 1)],
                by=w.coordinator, note="again", idempotency_key=None,
            )  # fmt: skip
        assert kept() == household_visit_sums()
        now = timezone.now() + dt.timedelta(days=ahead)
        scopes = [
            Scope("point", "", [w.point], point=w.point, organisation=w.org),  # partly: documents
            Scope("organisation", "", points, organisation=w.org),  # wholly: the roll-up
            Scope("network", "", [*points, w.other_point]),
        ]
        for scope in scopes:
            board = dashboard.build_now(scope, days=days, now=now)
            figures = (board.served, board.served_new, board.distributions)
            assert figures == recount(scope, days, now), scope.kind
        before = kept()
        rebuild_household_visits()  # as after a bulk load: the same rows
        assert kept() == before
        transaction.set_rollback(True)


def expiring_recount(scope: Scope) -> list[tuple]:
    """What expires within EXPIRY_DAYS at the scope's points, per item, read lot by lot."""
    from django.db.models import Count, Min, Sum

    today = timezone.localdate()
    rows = (
        Balance.objects.filter(
            lot__point__in=scope.points,
            quantity__gt=0,
            lot__expiry__gte=today,
            lot__expiry__lt=today + dt.timedelta(days=dashboard.EXPIRY_DAYS),
        )
        .values("item_id")
        .annotate(units=Sum("quantity"), first=Min("lot__expiry"), lots=Count("pk"))
        .order_by("first", "item_id")
    )
    return [(r["item_id"], r["units"], r["first"], r["lots"]) for r in rows]


intake = st.tuples(
    st.integers(0, 3),  # item
    st.integers(0, 1),  # point
    st.one_of(st.none(), st.integers(0, 45)),  # days to its expiry (none: no expiry)
    st.integers(1, 9),  # units
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(intakes=st.lists(intake, min_size=1, max_size=8), taken=st.lists(st.integers(0, 5)))
def test_what_expires_equals_a_recount_lot_by_lot(w, intakes, taken):
    with transaction.atomic():
        points = [w.point, w.warehouse]
        items = [w.rice, w.soap, w.toothpaste, w.rice]
        for item, point, expiry, units in intakes:
            dated = {} if expiry is None else {"expiry": w.later(expiry)}
            with contextlib.suppress(InvalidInput):  # an item that needs an expiry, given none
                donate(w, IntakeLine(items[item], units, **dated), point=points[point])
        household = make_household(w)
        for units in taken:  # hand-outs take the first expiry first
            with contextlib.suppress(InvalidInput, NotEnoughStock):
                record_distribution(
                    point=w.point, household=household, lines=[ItemLine(w.rice, units)],
                    by=w.coordinator, note="again", idempotency_key=None,
                )  # fmt: skip
        assert all(b.expiry == b.lot.expiry for b in Balance.objects.select_related("lot"))
        for scope in (
            Scope("point", "", [w.point], point=w.point, organisation=w.org),
            Scope("organisation", "", points, organisation=w.org),
        ):
            board = dashboard.build_now(scope, days=30)
            found = [(r["item_id"], r["units"], r["first"], r["lots"]) for r in board.expiring]
            recount = expiring_recount(scope)
            assert found == recount[: dashboard.TOP]
            assert board.expiring_units == sum(row[1] for row in recount)
        transaction.set_rollback(True)


def test_surpluses_and_coverage_equal_the_public_lists_arithmetic(w):
    """What nothing asks for is read apart (items of which an organisation holds 100 units or
    more); the figures equal those of every item assessed as the public list does."""
    from collections import defaultdict

    from kamavor.needs.services import LineIn
    from kamavor.public.needs import assess_many
    from tests.distribution.factories import make_shelter, shelter_request

    donate(w, IntakeLine(w.soap, 150), IntakeLine(w.rice, 40, expiry=w.later(60)))
    donate(w, IntakeLine(w.soap, 20), IntakeLine(w.jacket, 99, size="98"), point=w.warehouse)
    donate(w, IntakeLine(w.rice, 500, expiry=w.later(60)), point=w.warehouse)
    shelter_request(w, make_shelter(w.org), LineIn(item=w.rice, quantity=100))
    scope = Scope("organisation", "", [w.point, w.warehouse], organisation=w.org)
    board = dashboard.build_now(scope, days=30)
    spare: dict[int, int] = defaultdict(int)
    demand = covered = 0
    for (kind, pk), f in assess_many([w.org.pk])[w.org.pk].items():
        if kind == "item":
            demand += f.demand
            covered += min(f.demand, f.on_hand)
            if f.demand <= f.on_hand and f.on_hand >= 3 * max(f.demand, 1) and f.on_hand >= 100:
                spare[pk] += f.on_hand - f.demand
    names = {w.soap.pk: w.soap.name, w.rice.pk: w.rice.name, w.jacket.pk: w.jacket.name}
    assert {row["item"]: row["spare"] for row in board.surpluses} == {
        names[pk]: units for pk, units in spare.items()
    }
    assert {row["item"] for row in board.surpluses} == {w.soap.name, w.rice.name}
    assert board.coverage == round(100 * covered / demand)
