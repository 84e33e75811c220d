"""Request state changes through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kamavor.core.errors import Conflict
from kamavor.distribution.fulfilment import open_requests
from kamavor.households.models import Household
from kamavor.households.services import lineage_ids
from kamavor.needs import services
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn
from tests.needs.helpers import make_household, make_shelter


@pytest.fixture
def request_(w):
    shelter = make_shelter(w.org, "Hostel")
    return services.create_request(
        by=w.partner,
        shelter=shelter,
        number_of_people=12,
        lines=[LineIn(quantity=10, item=w.soap), LineIn(quantity=2, item=w.rice)],
    )


def test_fulfilment_moves_it_to_partly_then_fully_fulfilled(w, request_):
    soap, rice = request_.lines.order_by("pk")
    assert services.record_fulfilment(line=soap, quantity=10).state == "partly_fulfilled"
    assert services.record_fulfilment(line=rice, quantity=2).state == "fulfilled"
    with pytest.raises(Conflict):
        services.cancel_request(request=request_, by=w.partner)
    with pytest.raises(Conflict):
        services.record_fulfilment(line=rice, quantity=1)


def test_planning_is_for_open_requests_and_repeatable(w, request_):
    assert services.plan_request(request=request_, by=w.coordinator).state == "planned"
    assert services.plan_request(request=request_, by=w.coordinator).state == "planned"
    with pytest.raises(PermissionDenied):
        services.plan_request(request=request_, by=w.outsider)
    services.cancel_request(request=request_, by=w.coordinator)
    with pytest.raises(Conflict):
        services.plan_request(request=request_, by=w.coordinator)


def test_a_merged_household_takes_no_new_requests(w):
    household = make_household(w, status=Household.Status.MERGED)
    with pytest.raises(Conflict):
        services.create_request(
            by=w.volunteer, household=household, lines=[LineIn(quantity=1, item=w.soap)]
        )
    assert Request.objects.count() == 0


def test_open_requests_of_a_household_include_those_merged_into_it(w):
    household = make_household(w)
    merged = make_household(w)
    services.create_request(by=w.volunteer, household=merged, lines=[LineIn(1, w.soap)])
    Household.objects.filter(pk=merged.pk).update(status="merged", merged_into=household)
    assert len(open_requests(lineage_ids(household))) == 1  # as the distribution desk reads them
