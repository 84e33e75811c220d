"""A coordinator's size substitute rule: a request for a size that is short may be met by the
sizes the rule lists, in their order, and by no other."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.allocation import services
from kamavor.allocation.models import PlanPick, SizeSubstitute
from kamavor.households.models import Household
from kamavor.lib.household_codes import new_code
from kamavor.needs.models import Standard
from kamavor.needs.services import LineIn, create_request
from kamavor.stock.services import IntakeLine
from tests.factories import desk, donate, text

pytestmark = pytest.mark.django_db


def asking_for_110(w, quantity: int = 2) -> Household:
    Standard.objects.update(active=False)
    family = Household.objects.create(
        code=new_code(),
        organisation=w.org,
        registered_point=w.point,
        registered_by=w.coordinator,
        female_18_59=1,
        male_3_5=1,
    )
    create_request(
        by=w.coordinator, household=family, lines=[LineIn(quantity, w.jacket, size="110")]
    )
    return family


def picked(plan) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for pick in PlanPick.objects.filter(line__plan=plan).select_related("lot"):
        sizes[pick.lot.size] = sizes.get(pick.lot.size, 0) + pick.quantity
    return sizes


def rule_form(w, **fields) -> dict:
    data = {
        "sizes-organisation": w.org.pk,
        "sizes-item": w.jacket.pk,
        "sizes-category": "",
        "sizes-size": "110",
        "sizes-substitutes": "122, 134",
    }
    data.update({f"sizes-{k}": v for k, v in fields.items()})
    return data


def test_without_a_rule_another_size_does_not_cover_the_need(w):
    asking_for_110(w)
    donate(w, IntakeLine(w.jacket, 5, size="122"))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert plan.summary["planned"] == 0 and picked(plan) == {}


def test_a_rule_lets_the_listed_sizes_meet_the_need_in_order(w):
    asking_for_110(w, quantity=3)
    donate(w, IntakeLine(w.jacket, 1, size="110"), IntakeLine(w.jacket, 1, size="122"))
    donate(w, IntakeLine(w.jacket, 5, size="134"), IntakeLine(w.jacket, 5, size="98"))
    client = desk(w.coordinator)
    response = client.post("/desk/plans/groups/", rule_form(w))
    assert response.status_code == 302
    rule = SizeSubstitute.objects.get(organisation=w.org)
    assert (rule.item, rule.size, rule.substitutes) == (w.jacket, "110", ["122", "134"])
    assert "122, 134" in text(client.get("/desk/plans/groups/"))
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    (line,) = plan.lines.all()
    assert line.planned == 3 and line.limit == "full"
    # Its own size first, then 122, then 134; never 98, which the rule does not list.
    assert picked(plan) == {"110": 1, "122": 1, "134": 1}


def test_a_category_rule_applies_to_its_items(w):
    asking_for_110(w)
    donate(w, IntakeLine(w.jacket, 5, size="122"))
    services.set_size_substitute(
        organisation=w.org, category=w.jacket.category, size="110", substitutes="122", by=w.admin
    )
    plan = services.run_plan(organisation=w.org, by=w.coordinator)
    assert plan.summary["planned"] == 2 and picked(plan) == {"122": 2}


def test_a_bad_rule_changes_nothing_and_says_why(w):
    client = desk(w.coordinator)
    response = client.post("/desk/plans/groups/", rule_form(w, substitutes=" 110 "))
    assert response.status_code == 200
    assert "Give at least one other size." in text(response)
    neither = client.post("/desk/plans/groups/", rule_form(w, item=""))
    assert "Choose an item or a category." in text(neither)
    assert not SizeSubstitute.objects.exists()


def test_only_the_organisations_planners_set_or_delete_size_rules(w):
    assert desk(w.volunteer).post("/desk/plans/groups/", rule_form(w)).status_code == 403
    rule = services.set_size_substitute(
        organisation=w.org, item=w.jacket, size="110", substitutes="122", by=w.coordinator
    )
    path = f"/desk/plans/groups/sizes/{rule.pk}/delete/"
    assert desk(w.outsider).post(path).status_code == 404
    assert desk(w.volunteer).post(path).status_code == 403
    assert SizeSubstitute.objects.filter(pk=rule.pk).exists()
    assert desk(w.coordinator).post(path).status_code == 302
    assert not SizeSubstitute.objects.exists()
    with pytest.raises(PermissionDenied):
        services.set_size_substitute(
            organisation=w.org, item=w.jacket, size="110", substitutes="122", by=w.volunteer
        )
