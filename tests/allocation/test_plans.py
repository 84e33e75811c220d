"""Plans through the services and the coordinator's pages: run, accept, explain, the desk."""

from __future__ import annotations

import pytest

from kamavor.allocation import services
from kamavor.allocation.models import Plan, PlanLine, PlanPick, SubstituteGroup
from kamavor.core.errors import Conflict
from kamavor.households.models import Household
from kamavor.lib.household_codes import new_code
from kamavor.needs.models import Request, Standard
from kamavor.needs.services import LineIn, create_request
from kamavor.stock.models import Balance, Document
from kamavor.stock.services import IntakeLine
from tests.factories import assert_members_only, desk, donate, ledger, lot_of, text

pytestmark = pytest.mark.django_db


def household(w, *, point=None, **flags) -> Household:
    """Two adults, registered at the point (the desk's point unless told)."""
    return Household.objects.create(
        code=new_code(),
        organisation=w.org,
        registered_point=point or w.point,
        registered_by=w.coordinator,
        female_18_59=1,
        male_18_59=1,
        **flags,
    )


def distribution_point(w):
    """Where households are served and the warehouse's stock flows to (downstream)."""
    from kamavor.network.models import Point
    from tests.factories import make_point

    return make_point(w.org, "Malatia distribution", Point.Kind.DISTRIBUTION)


def soap_rule(quantity: int = 2) -> Standard:
    """Soap per person: each two-adult household is due 2 × quantity."""
    Standard.objects.update(active=False)
    return Standard.objects.create(
        code="soap-test",
        item=Standard._meta.get_field("item").related_model.objects.get(code="soap-bar"),
        quantity=quantity,
        period_days=30,
        per="person",
        eligibility="all",
    )


def lines_of(plan: Plan) -> dict[int, PlanLine]:
    return {line.household_id: line for line in plan.lines.all()}


def test_it_shares_scarce_stock_by_weight(w):
    soap_rule(2)  # each household is due 4 bars
    frail = household(w, disability=True, chronic_illness=True)  # weight 1 + 1 + 0.5 = 2.5
    plain = household(w)
    donate(w, IntakeLine(w.soap, 5))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    lines = lines_of(plan)
    assert lines[frail.pk].planned + lines[plain.pk].planned == 5
    assert lines[frail.pk].planned > lines[plain.pk].planned
    assert lines[frail.pk].weight == pytest.approx(2.5)
    assert lines[plain.pk].limit == PlanLine.Limit.SHORT
    picked = PlanPick.objects.filter(line__plan=plan)
    assert sum(p.quantity for p in picked) == 5
    assert plan.summary["planned"] == 5 and plan.summary["wanted"] == 8


def test_it_never_plans_more_than_a_need_or_the_stock(w):
    soap_rule(1)
    households = [household(w) for _ in range(3)]
    donate(w, IntakeLine(w.soap, 100))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    lines = lines_of(plan)
    assert [lines[h.pk].planned for h in households] == [2, 2, 2]
    assert all(line.limit == PlanLine.Limit.FULL for line in lines.values())


def test_it_moves_stock_from_the_warehouse_and_accepting_drafts_a_transfer(w):
    soap_rule(1)
    point = distribution_point(w)
    served = household(w, point=point)
    donate(w, IntakeLine(w.soap, 2), point=w.warehouse)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert lines_of(plan)[served.pk].planned == 2
    assert plan.summary["transfers"] == [[w.warehouse.pk, point.pk, w.soap.pk, 2]]
    local = services.run_plan(organisation=w.org, point=point, by=w.coordinator)
    assert lines_of(local)[served.pk].planned == 0
    assert lines_of(local)[served.pk].limit == PlanLine.Limit.NO_STOCK

    services.accept_plan(plan=plan, by=w.coordinator)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED
    (transfer,) = plan.transfers.all()
    assert transfer.status == Document.Status.DRAFT
    assert (transfer.point, transfer.destination) == (w.warehouse, point)
    assert [(x.item_id, x.quantity) for x in transfer.lines.all()] == [(w.soap.pk, 2)]
    with pytest.raises(Conflict):
        services.accept_plan(plan=plan, by=w.coordinator)


def test_accepting_marks_requests_planned_and_supersedes_the_last_plan(w):
    Standard.objects.update(active=False)
    asking = household(w)
    request = create_request(by=w.coordinator, household=asking, lines=[LineIn(3, w.soap)])
    donate(w, IntakeLine(w.soap, 10))
    first = services.run_plan(organisation=w.org, by=w.coordinator)
    services.accept_plan(plan=first, by=w.coordinator)
    request.refresh_from_db()
    assert request.state == Request.State.PLANNED
    assert lines_of(first)[asking.pk].planned == 3
    second = services.run_plan(organisation=w.org, by=w.coordinator)
    services.accept_plan(plan=second, by=w.coordinator)
    first.refresh_from_db()
    assert first.status == Plan.Status.SUPERSEDED


def test_urgency_weighs_in(w):
    Standard.objects.update(active=False)
    urgent, calm = household(w), household(w)
    create_request(by=w.coordinator, household=calm, lines=[LineIn(4, w.soap)], urgency="low")
    create_request(
        by=w.coordinator, household=urgent, lines=[LineIn(4, w.soap)], urgency="critical"
    )
    donate(w, IntakeLine(w.soap, 4))
    lines = lines_of(services.run_plan(organisation=w.org, by=w.coordinator))
    assert lines[urgent.pk].planned > lines[calm.pk].planned


def test_a_substitute_group_serves_a_need_with_another_item(w):
    Standard.objects.update(active=False)
    asking = household(w)
    create_request(by=w.coordinator, household=asking, lines=[LineIn(2, w.soap)])
    donate(w, IntakeLine(w.toothpaste, 5, expiry=w.later(100)))
    assert lines_of(services.run_plan(organisation=w.org, by=w.coordinator))[asking.pk].planned == 0
    group = SubstituteGroup.objects.create(
        organisation=w.org, name_hy="Հիգիենա", name_ru="Гигиена", name_en="Hygiene basics"
    )
    group.items.add(w.soap, w.toothpaste)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert lines_of(plan)[asking.pk].planned == 2
    (pick,) = PlanPick.objects.filter(line__plan=plan)
    assert pick.lot.item == w.toothpaste


def test_it_picks_the_earliest_expiry_first(w):
    Standard.objects.update(active=False)
    asking = household(w)
    create_request(by=w.coordinator, household=asking, lines=[LineIn(3, w.rice)])
    donate(w, IntakeLine(w.rice, 5, expiry=w.later(200)), IntakeLine(w.rice, 2, expiry=w.later(20)))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    picks = {p.lot.expiry: p.quantity for p in PlanPick.objects.filter(line__plan=plan)}
    assert picks == {w.later(20): 2, w.later(200): 1}


def test_accepting_after_stock_changed_is_refused_and_changes_nothing(w):
    soap_rule(1)
    household(w, point=distribution_point(w))
    donate(w, IntakeLine(w.soap, 2), point=w.warehouse)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    Balance.objects.filter(lot=lot_of(w, w.soap, w.warehouse)).update(quantity=1)
    before = ledger()
    with pytest.raises(Conflict):
        services.accept_plan(plan=plan, by=w.coordinator)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT
    assert ledger() == before


# ---------------------------------------------------------------- pages


def test_it_runs_a_plan_from_the_page(w):
    soap_rule(2)
    household(w, pregnant_or_breastfeeding=True)
    donate(w, IntakeLine(w.soap, 3))
    response = desk(w.coordinator).post(
        "/desk/plans/", {"organisation": w.org.pk, "point": "", **default_weights()}
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/plans/{plan.pk}/"
    page = text(desk(w.coordinator).get(f"/desk/plans/{plan.pk}/"))
    assert "pregnant or breastfeeding" in page and "Soap bar" in page
    assert 'id="shortages"' in page
    assert "critical: 2.0" in page  # the weights the plan was made with


def default_weights(**changes) -> dict:
    from kamavor.allocation.weights import DEFAULT_FLAG_WEIGHTS, DEFAULT_URGENCY_WEIGHTS

    data = {f"flag_{k}": v for k, v in DEFAULT_FLAG_WEIGHTS.items()}
    data |= {f"urgency_{k}": v for k, v in DEFAULT_URGENCY_WEIGHTS.items()}
    return data | changes


@pytest.mark.parametrize("bad", ["-1", "11", "many"])
def test_bad_weights_are_refused_and_no_plan_is_made(w, bad):
    response = desk(w.coordinator).post(
        "/desk/plans/",
        {"organisation": w.org.pk, **default_weights(flag_disability=bad)},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 200
    assert "Убедитесь" in text(response) or "Введите" in text(response)
    assert not Plan.objects.exists()


def test_a_point_of_another_organisation_is_refused(w):
    response = desk(w.coordinator).post(
        "/desk/plans/", {"organisation": w.org.pk, "point": w.other_point.pk, **default_weights()}
    )
    assert response.status_code == 200
    assert not Plan.objects.exists()


def test_only_planners_see_plans(w):
    soap_rule(1)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    for path in (f"/desk/plans/{plan.pk}/", f"/desk/plans/{plan.pk}/points/{w.point.pk}/"):
        assert_members_only(w, path)
        assert desk(w.volunteer).get(path).status_code == 403
        assert desk(w.coordinator).get(path).status_code == 200
    assert desk(w.volunteer).get("/desk/plans/").status_code == 403
    assert desk(w.outsider).post(f"/desk/plans/{plan.pk}/accept/").status_code == 404
    assert desk(w.volunteer).post(f"/desk/plans/{plan.pk}/accept/").status_code == 403
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_the_outsiders_plans_are_not_listed(w):
    soap_rule(1)
    services.run_plan(organisation=w.other_org, by=w.outsider)
    page = text(desk(w.coordinator).get("/desk/plans/"))
    assert "Goris Relief" not in page


def test_it_explains_what_a_household_got(w):
    soap_rule(2)
    frail = household(w, older_person_alone=True)
    household(w)
    donate(w, IntakeLine(w.soap, 5))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    line = lines_of(plan)[frail.pk]
    page = text(desk(w.coordinator).get(f"/desk/plans/{plan.pk}/households/{frail.code}/"))
    assert "older person alone" in page
    assert f"{line.planned} <span" in page
    assert "weight 2)" in page  # 1 + 1 for the flag
    other = Household.objects.create(
        code=new_code(), organisation=w.other_org, registered_by=w.outsider, female_18_59=1
    )
    response = desk(w.coordinator).get(f"/desk/plans/{plan.pk}/households/{other.code}/")
    assert response.status_code == 404


def test_the_distribution_desk_shows_what_was_planned(w):
    soap_rule(1)
    point = distribution_point(w)
    served = household(w, point=point)
    donate(w, IntakeLine(w.soap, 2), point=w.warehouse)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    page = text(desk(w.volunteer).get(f"/desk/{point.pk}/distribution/{served.code}/"))
    assert 'id="planned"' not in page  # not accepted yet
    desk(w.coordinator).post(f"/desk/plans/{plan.pk}/accept/")
    page = text(desk(w.volunteer).get(f"/desk/{point.pk}/distribution/{served.code}/"))
    assert 'id="planned"' in page and "from Main warehouse" in page


# ---------------------------------------------------------------- substitute groups


def group_form(w, *items, **changes) -> dict:
    return {
        "organisation": w.org.pk,
        "name_hy": "Հիգիենա",
        "name_ru": "Гигиена",
        "name_en": "Hygiene basics",
        "items": [i.pk for i in items],
    } | changes


def test_a_coordinator_defines_and_deletes_a_substitute_group(w):
    client = desk(w.coordinator)
    response = client.post("/desk/plans/groups/", group_form(w, w.soap, w.toothpaste))
    assert response.status_code == 302
    group = SubstituteGroup.objects.get()
    assert set(group.items.all()) == {w.soap, w.toothpaste} and group.organisation == w.org
    assert "Hygiene basics" in text(client.get("/desk/plans/groups/"))
    assert desk(w.outsider).post(f"/desk/plans/groups/{group.pk}/delete/").status_code == 404
    assert desk(w.volunteer).post(f"/desk/plans/groups/{group.pk}/delete/").status_code == 403
    assert client.post(f"/desk/plans/groups/{group.pk}/delete/").status_code == 302
    assert not SubstituteGroup.objects.exists()


def test_a_bad_substitute_group_is_refused(w):
    client = desk(w.coordinator)
    client.post("/desk/plans/groups/", group_form(w, w.soap, w.toothpaste))
    again = client.post(
        "/desk/plans/groups/",
        group_form(w, w.soap, w.rice, name_en="Other"),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert again.status_code == 200 and "уже в другой группе" in text(again)
    alone = client.post("/desk/plans/groups/", group_form(w, w.rice, name_en="Alone"))
    assert alone.status_code == 200 and "at least two items" in text(alone)
    nameless = client.post("/desk/plans/groups/", group_form(w, w.rice, w.jacket, name_ru=" "))
    assert nameless.status_code == 200
    assert SubstituteGroup.objects.count() == 1
    assert desk(w.volunteer).get("/desk/plans/groups/").status_code == 403


# ---------------------------------------------------------------- transfer links


def test_links_decide_which_points_exchange_stock(w):
    from tests.factories import make_point

    soap_rule(1)
    served = household(w)
    far = make_point(w.org, "Far depot", "warehouse")
    donate(w, IntakeLine(w.soap, 2), point=far)
    client = desk(w.coordinator)
    # A link elsewhere: from then on stock moves only along links, and the far depot has none.
    assert client.post("/desk/plans/links/", {"point_a": w.point.pk, "point_b": w.warehouse.pk})
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert lines_of(plan)[served.pk].planned == 0
    # A chain far depot ↔ warehouse ↔ point brings it.
    client.post("/desk/plans/links/", {"point_a": far.pk, "point_b": w.warehouse.pk})
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert lines_of(plan)[served.pk].planned == 2
    assert plan.summary["transfers"] == [[far.pk, w.point.pk, w.soap.pk, 2]]
    assert "Far depot" in text(client.get("/desk/plans/links/"))


def test_a_bad_link_is_refused(w):
    from kamavor.allocation.models import PointLink

    client = desk(w.coordinator)
    same = client.post("/desk/plans/links/", {"point_a": w.point.pk, "point_b": w.point.pk})
    assert same.status_code == 200 and "two different points" in text(same)
    foreign = client.post(
        "/desk/plans/links/", {"point_a": w.point.pk, "point_b": w.other_point.pk}
    )
    assert foreign.status_code == 200
    assert not PointLink.objects.exists()
    link = services.link_points(a=w.point, b=w.warehouse, by=w.coordinator)
    assert desk(w.outsider).post(f"/desk/plans/links/{link.pk}/delete/").status_code == 404
    assert desk(w.volunteer).post(f"/desk/plans/links/{link.pk}/delete/").status_code == 403
    assert client.post(f"/desk/plans/links/{link.pk}/delete/").status_code == 302
    assert not PointLink.objects.exists()


def test_a_new_plan_drops_the_unsent_transfers_of_the_one_it_supersedes(w):
    soap_rule(1)
    household(w, point=distribution_point(w))
    donate(w, IntakeLine(w.soap, 2), point=w.warehouse)
    first = services.run_plan(organisation=w.org, by=w.coordinator)
    services.accept_plan(plan=first, by=w.coordinator)
    (old,) = first.transfers.all()
    second = services.run_plan(organisation=w.org, by=w.coordinator)
    services.accept_plan(plan=second, by=w.coordinator)
    old.refresh_from_db()
    assert old.status == Document.Status.CANCELLED
    (new,) = second.transfers.all()
    assert new.status == Document.Status.DRAFT


def test_shelters_and_category_requests_are_planned(w):
    from kamavor.catalogue.models import Category
    from tests.factories import make_point

    Standard.objects.update(active=False)
    shelter = make_point(w.org, "Hotel Ararat", "shelter")
    clothing = Category.objects.get(code="clothing")
    create_request(
        by=w.coordinator,
        shelter=shelter,
        number_of_people=30,
        lines=[LineIn(3, category=clothing, size="110")],
        urgency="high",
    )
    donate(w, IntakeLine(w.jacket, 2, size="110"), IntakeLine(w.jacket, 5, size="98"))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    (line,) = plan.lines.all()
    assert (line.shelter, line.point, line.item, line.size) == (shelter, shelter, w.jacket, "110")
    assert (line.wanted, line.planned, line.weight) == (3, 2, 1.5)
    assert {p.lot.size for p in line.picks.all()} == {"110"}
    assert plan.summary["groups"] == {"shelter": [3, 2]}
    assert plan.summary["transfers"] == [[w.point.pk, shelter.pk, w.jacket.pk, 2]]


@pytest.mark.parametrize("language", ["hy", "ru", "en"])
def test_every_page_renders_in_each_language(w, language):
    soap_rule(2)
    frail = household(w, disability=True)
    household(w)
    donate(w, IntakeLine(w.soap, 3), point=w.warehouse)
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    services.accept_plan(plan=plan, by=w.coordinator)
    client = desk(w.coordinator)
    pages = [
        "/desk/plans/",
        f"/desk/plans/{plan.pk}/",
        f"/desk/plans/{plan.pk}/points/{w.warehouse.pk}/",
        f"/desk/plans/{plan.pk}/households/{frail.code}/",
        "/desk/plans/groups/",
        "/desk/plans/links/",
        f"/desk/{w.point.pk}/distribution/{frail.code}/",
    ]
    for path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, path
        assert f'lang="{language}"' in text(response)


def test_the_plan_pages_ask_the_database_the_same_whatever_the_size(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    soap_rule(1)
    donate(w, IntakeLine(w.soap, 3), point=w.warehouse)
    client = desk(w.coordinator)
    counts = []
    for extra in (1, 6):
        for _ in range(extra):
            household(w)
        plan = services.run_plan(organisation=w.org, by=w.coordinator)
        with CaptureQueriesContext(connection) as plan_page:
            client.get(f"/desk/plans/{plan.pk}/")
        with CaptureQueriesContext(connection) as list_page:
            client.get("/desk/plans/")
        counts.append((len(plan_page), len(list_page)))
    assert counts[0] == counts[1]
