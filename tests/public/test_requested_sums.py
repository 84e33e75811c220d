"""The open request lines summed by the database (the recount behind the kept totals the network
page reads) equal a sum over the lines made in Python."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.needs.models import Request, RequestLine
from kamavor.needs.open_totals import PRESSING, rebuild_open_totals
from kamavor.needs.services import LineIn, create_request
from kamavor.public.needs import _requested
from tests.needs.helpers import make_household

lines = st.lists(
    st.tuples(
        st.sampled_from(["jacket", "soap", "rice", "rice-category"]),
        st.integers(1, 9),  # asked for
        st.integers(0, 12),  # handed out against it (may exceed what was asked)
    ),
    min_size=1,
    max_size=3,
)
requests = st.lists(
    st.tuples(
        st.sampled_from([u.value for u in Request.Urgency]),
        st.sampled_from([s.value for s in Request.State]),
        lines,
    ),
    max_size=6,
)


def by_python(organisations: list[int]) -> dict:
    """The same figures line by line, as the page computed them before."""
    result = {org: (defaultdict(int), defaultdict(int), set()) for org in organisations}
    for line in RequestLine.objects.select_related("request").filter(
        request__organisation_id__in=organisations, request__state__in=Request.OPEN_STATES
    ):
        outstanding = max(0, line.quantity - line.fulfilled_quantity)
        if not outstanding:
            continue
        items, categories, pressing = result[line.request.organisation_id]
        if line.item_id:
            items[line.item_id] += outstanding
            key = ("item", line.item_id)
        else:
            categories[line.category_id] += outstanding
            key = ("category", line.category_id)
        if line.request.urgency in PRESSING:
            pressing.add(key)
    return result


def plain(result: dict) -> dict:
    return {org: (dict(a), dict(b), c) for org, (a, b, c) in result.items()}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(asked=requests)
def test_summed_requests_equal_a_sum_over_the_lines(w, asked):
    things = {
        "jacket": {"item": w.jacket, "size": "110"},
        "soap": {"item": w.soap},
        "rice": {"item": w.rice},
        "rice-category": {"category": w.rice.category},
    }
    with transaction.atomic():
        household = make_household(w)
        for urgency, state, wanted in asked:
            request = create_request(
                by=w.coordinator,
                household=household,
                lines=[LineIn(quantity=q, **things[name]) for name, q, _ in wanted],
                urgency=urgency,
            )
            for line, (_, _, fulfilled) in zip(request.lines.order_by("pk"), wanted, strict=False):
                RequestLine.objects.filter(pk=line.pk).update(fulfilled_quantity=fulfilled)
            Request.objects.filter(pk=request.pk).update(state=state)
        organisations = [w.org.pk, w.other_org.pk]
        # The lines were changed around the services, as a bulk load does: sum them again.
        rebuild_open_totals()
        assert plain(_requested(organisations)) == plain(by_python(organisations))
        transaction.set_rollback(True)
