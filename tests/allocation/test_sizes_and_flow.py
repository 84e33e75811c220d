"""Plans match sizes and follow the way goods flow: a due for a child's clothing is met by the
sizes that fit the child's age band, a request for a size by that size (or a group's), and stock
moves from collection to warehouse to distribution and shelter, never back unless linked."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kamavor.allocation import services
from kamavor.allocation.models import PlanLine, PlanPick, PointLink
from kamavor.households.models import Household
from kamavor.lib.household_codes import new_code
from kamavor.needs.models import Standard
from kamavor.needs.services import LineIn, create_request
from kamavor.network.models import Point
from kamavor.public.models import Level
from kamavor.public.needs import needed_now
from kamavor.stock.services import IntakeLine
from tests.factories import donate, make_point

pytestmark = pytest.mark.django_db


def household(w, point, **composition) -> Household:
    return Household.objects.create(
        code=new_code(),
        organisation=w.org,
        registered_point=point,
        registered_by=w.coordinator,
        **composition,
    )


def jacket_rule() -> Standard:
    """A child's winter jacket for each child of 3 to 11 (sizes 98, 110, 122, 134)."""
    Standard.objects.update(active=False)
    from kamavor.catalogue.models import Item

    return Standard.objects.create(
        code="jacket-test",
        item=Item.objects.get(code="jacket-child-winter"),
        quantity=1,
        period_days=365,
        per="person",
        eligibility="children_3_11",
    )


def picked_sizes(line: PlanLine) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for pick in PlanPick.objects.filter(line=line).select_related("lot"):
        sizes[pick.lot.size] = sizes.get(pick.lot.size, 0) + pick.quantity
    return sizes


def test_sized_stock_covers_childrens_dues_by_age_band(w):
    jacket_rule()
    # Two children of 6-11 and one of 3-5: one line for the older two (with the sum), one more.
    family = household(w, w.point, female_18_59=1, male_6_11=1, female_6_11=1, male_3_5=1)
    donate(w, IntakeLine(w.jacket, 5, size="122"), IntakeLine(w.jacket, 1, size="134"))
    donate(w, IntakeLine(w.jacket, 3, size="98"))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    lines = {line.size: line for line in plan.lines.filter(household=family)}
    assert set(lines) == {"122–134", "98–110"}
    older, younger = lines["122–134"], lines["98–110"]
    assert (older.wanted, older.planned, younger.wanted, younger.planned) == (2, 2, 1, 1)
    assert sum(picked_sizes(older).values()) == 2
    assert set(picked_sizes(older)) <= {"122", "134"}
    assert picked_sizes(younger) == {"98": 1}
    assert plan.summary["planned"] == plan.summary["wanted"] == 3


def test_a_size_that_does_not_fit_the_age_band_is_not_planned(w):
    jacket_rule()
    family = household(w, w.point, female_18_59=1, male_6_11=1)
    donate(w, IntakeLine(w.jacket, 4, size="98"))  # a 3-5 size: too small for a child of 6-11
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    (line,) = plan.lines.filter(household=family)
    assert (line.size, line.planned) == ("122–134", 0)
    assert line.limit == PlanLine.Limit.NO_STOCK


def test_a_request_for_a_size_is_met_by_that_size_only(w):
    Standard.objects.update(active=False)
    family = household(w, w.point, female_18_59=1, male_3_5=1)
    create_request(by=w.coordinator, household=family, lines=[LineIn(2, w.jacket, size="110")])
    donate(w, IntakeLine(w.jacket, 5, size="98"), IntakeLine(w.jacket, 1, size="110"))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    (line,) = plan.lines.filter(household=family)
    assert (line.size, line.wanted, line.planned) == ("110", 2, 1)
    assert picked_sizes(line) == {"110": 1}


def test_requests_for_a_size_come_first_and_dues_share_what_is_left(w):
    jacket_rule()
    asking = household(w, w.point, female_18_59=1, male_3_5=1)
    create_request(by=w.coordinator, household=asking, lines=[LineIn(1, w.jacket, size="110")])
    due = household(w, w.point, female_18_59=1, female_3_5=1)
    donate(w, IntakeLine(w.jacket, 2, size="110"))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    request_line = plan.lines.get(request_line__isnull=False)
    assert request_line.planned == 1 and picked_sizes(request_line) == {"110": 1}
    dues = {line.household_id: line.planned for line in plan.lines.filter(size="98–110")}
    assert sum(dues.values()) == 1 and set(dues) == {asking.pk, due.pk}
    assert sum(p.quantity for p in PlanPick.objects.filter(line__plan=plan)) == 2


def test_false_shortages_of_clothing_do_not_show_as_urgent(w):
    jacket_rule()
    household(w, w.point, female_18_59=1, male_6_11=2)
    donate(w, IntakeLine(w.jacket, 4, size="122"))
    plan = services.run_plan(organisation=w.org, point=w.point, by=w.coordinator)
    assert plan.summary["planned"] == 2
    services.accept_plan(plan=plan, by=w.coordinator)
    cache.clear()
    levels = {line.name: line.level for line in needed_now(w.point)}
    assert levels.get(w.jacket.name) != Level.URGENT


def test_stock_is_not_sent_from_a_distribution_point_back_to_a_collection_point(w):
    Standard.objects.update(active=False)
    malatia = make_point(w.org, "Malatia distribution", Point.Kind.DISTRIBUTION)
    at_collection = household(w, w.point, female_18_59=1)
    create_request(by=w.coordinator, household=at_collection, lines=[LineIn(3, w.soap)])
    donate(w, IntakeLine(w.soap, 10), point=malatia)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    (line,) = plan.lines.all()
    assert line.planned == 0 and line.limit == PlanLine.Limit.NO_STOCK
    assert plan.summary["transfers"] == []
    # Downstream it flows: from the collection point and the warehouse to the distribution point.
    at_malatia = household(w, malatia, female_18_59=1)
    create_request(by=w.coordinator, household=at_malatia, lines=[LineIn(12, w.soap)])
    donate(w, IntakeLine(w.soap, 2), point=w.warehouse)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert [t[:2] for t in plan.summary["transfers"]] == [[w.warehouse.pk, malatia.pk]]


def test_a_link_lets_stock_move_against_the_flow(w):
    Standard.objects.update(active=False)
    malatia = make_point(w.org, "Malatia distribution", Point.Kind.DISTRIBUTION)
    at_collection = household(w, w.point, female_18_59=1)
    create_request(by=w.coordinator, household=at_collection, lines=[LineIn(3, w.soap)])
    donate(w, IntakeLine(w.soap, 10), point=malatia)
    PointLink.objects.create(organisation=w.org, point_a=w.point, point_b=malatia)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert plan.lines.get().planned == 3
    assert plan.summary["transfers"] == [[malatia.pk, w.point.pk, w.soap.pk, 3]]
