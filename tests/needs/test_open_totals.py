"""The open request totals the request services keep equal a recount of the open lines."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamavor.needs.models import OpenNeedTotal, Request
from kamavor.needs.open_totals import open_needs, rebuild_open_totals, recounted
from kamavor.needs.services import (
    LineIn,
    cancel_request,
    create_request,
    plan_request,
    record_fulfilment,
    undo_fulfilment,
)
from tests.needs.helpers import make_household

THINGS = ["jacket", "soap", "rice", "rice-category"]

lines = st.lists(st.tuples(st.sampled_from(THINGS), st.integers(1, 9)), min_size=1, max_size=3)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"), st.booleans(), st.sampled_from([u.value for u in Request.Urgency]),
            lines,
        ),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("plan"), st.integers(0, 20)),
        st.tuples(st.just("fulfil"), st.integers(0, 20), st.integers(0, 2), st.integers(1, 12)),
        st.tuples(
            st.just("undo"), st.integers(0, 20), st.integers(0, 2), st.integers(1, 12),
            st.booleans(),
        ),
    ),
    max_size=14,
)  # fmt: skip


def kept(organisations: list[int]) -> set[tuple]:
    rows = OpenNeedTotal.objects.filter(organisation_id__in=organisations)
    return {
        (r.organisation_id, r.item_id, r.category_id, r.units, r.pressing)
        for r in rows
        if r.units or r.pressing
    }


def things(w) -> dict:
    return {
        "jacket": {"item": w.jacket, "size": "110"},
        "soap": {"item": w.soap},
        "rice": {"item": w.rice},
        "rice-category": {"category": w.rice.category},
    }


def run(w, step, households, made) -> None:
    """One step through the services; steps the services refuse (a closed request) are
    skipped, as a desk's refused click changes nothing."""
    kind = step[0]
    if kind == "create":
        _, home, urgency, wanted = step
        request = create_request(
            by=w.coordinator if home else w.outsider,
            household=households[0 if home else 1],
            lines=[LineIn(quantity=q, **things(w)[name]) for name, q in wanted],
            urgency=urgency,
        )
        made.append(request.pk)
        return
    if not made:
        return
    request = Request.objects.get(pk=made[step[1] % len(made)])
    by = w.coordinator if request.organisation_id == w.org.pk else w.outsider
    if kind == "cancel" and request.state != Request.State.FULFILLED:
        cancel_request(request=request, by=by)
    elif kind == "plan" and request.state in (Request.State.OPEN, Request.State.PLANNED):
        plan_request(request=request, by=by)
    elif kind == "fulfil" and request.is_open:
        line = list(request.lines.order_by("pk"))
        record_fulfilment(line=line[step[2] % len(line)], quantity=step[3])
    elif kind == "undo":
        line = list(request.lines.order_by("pk"))
        chosen = line[step[2] % len(line)]
        undo_fulfilment(request=request, quantities={chosen.pk: step[3]}, planned=step[4])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_kept_totals_equal_a_recount(w, steps):
    organisations = [w.org.pk, w.other_org.pk]
    with transaction.atomic():
        households = [make_household(w), make_household(w, org=w.other_org)]
        made: list[int] = []
        for step in steps:
            run(w, step, households, made)
            assert kept(organisations) == set(recounted(organisations)), step
        read = {(org, i, c): (u, p) for org, i, c, u, p in open_needs(organisations)}
        assert read == {(org, i, c): (u, p > 0) for org, i, c, u, p in recounted(organisations)}
        transaction.set_rollback(True)


def test_rebuild_sums_requests_written_around_the_services(w):
    household = make_household(w)
    create_request(by=w.coordinator, household=household, lines=[LineIn(item=w.soap, quantity=4)])
    request = create_request(
        by=w.coordinator,
        household=household,
        lines=[LineIn(item=w.soap, quantity=3), LineIn(category=w.rice.category, quantity=2)],
        urgency=Request.Urgency.CRITICAL,
    )
    OpenNeedTotal.objects.all().delete()  # as after a bulk load
    assert kept([w.org.pk]) == set()
    assert rebuild_open_totals() == 2
    assert kept([w.org.pk]) == {
        (w.org.pk, w.soap.pk, None, 7, 1),
        (w.org.pk, None, w.rice.category_id, 2, 1),
    }
    cancel_request(request=request, by=w.coordinator)
    assert kept([w.org.pk]) == {(w.org.pk, w.soap.pk, None, 4, 0)}


def test_a_fulfilment_adds_one_statement_once_the_row_exists(w):
    household = make_household(w)
    request = create_request(
        by=w.coordinator, household=household, lines=[LineIn(item=w.soap, quantity=4)]
    )
    line = request.lines.get()
    with CaptureQueriesContext(connection) as queries:
        record_fulfilment(line=line, quantity=1)
    totals = [q for q in queries.captured_queries if "needs_openneedtotal" in q["sql"]]
    assert len(totals) == 1, totals
    assert kept([w.org.pk]) == {(w.org.pk, w.soap.pk, None, 3, 0)}


def test_an_edit_in_the_admin_sums_the_totals_again(w):
    from django.contrib import admin

    request = create_request(
        by=w.coordinator, household=make_household(w), lines=[LineIn(item=w.soap, quantity=4)]
    )
    assert kept([w.org.pk]) == {(w.org.pk, w.soap.pk, None, 4, 0)}
    admin.site._registry[Request].delete_model(None, request)
    assert kept([w.org.pk]) == set()
