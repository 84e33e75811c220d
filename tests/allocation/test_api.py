"""The planner's API: run, read, accept, explain; refused for outsiders and volunteers."""

from __future__ import annotations

import pytest

from kamavor.allocation.models import Plan
from kamavor.needs.models import Request
from kamavor.needs.services import LineIn, create_request
from kamavor.stock.models import Document
from kamavor.stock.services import IntakeLine
from tests.allocation.test_plans import distribution_point, household, soap_rule
from tests.api.conftest import assert_error
from tests.factories import donate

pytestmark = pytest.mark.django_db


def test_it_runs_reads_accepts_and_explains_a_plan(w, api):
    soap_rule(1)
    point = distribution_point(w)
    frail = household(w, point=point, single_caregiver=True)
    plain = household(w, point=point)
    request = create_request(by=w.coordinator, household=plain, lines=[LineIn(1, w.soap)])
    # 4 bars for 5 wanted: the frail household (weight 3) gets its 2, then 2 for the plain one's
    # due of 2 and request of 1, shared at the same level: 4/3 and 2/3, whole units 1 and 1.
    donate(w, IntakeLine(w.soap, 4), point=w.warehouse)
    client = api(w.coordinator)
    response = client.post(
        "/plans", {"organisation": w.org.pk, "weights": {"flags": {"single_caregiver": 2}}}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["point"] is None
    assert body["summary"]["wanted"] == 5 and body["summary"]["planned"] == 4
    assert body["weights"]["flags"]["single_caregiver"] == 2
    plan_id = body["id"]
    lines = client.get(f"/plans/{plan_id}/households/{frail.code}").json()
    assert [(x["wanted"], x["planned"], x["weight"]) for x in lines] == [(2, 2, 3.0)]
    assert lines[0]["limit"] == "full"
    plain_lines = client.get(f"/plans/{plan_id}/households/{plain.code}").json()
    assert sorted((x["wanted"], x["planned"], x["limit"]) for x in plain_lines) == [
        (1, 1, "full"),
        (2, 1, "short"),
    ]

    accepted = client.post(f"/plans/{plan_id}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    (transfer_id,) = accepted.json()["transfers"]
    assert Document.objects.get(pk=transfer_id).status == Document.Status.DRAFT
    request.refresh_from_db()
    assert request.state == Request.State.PLANNED
    assert_error(client.post(f"/plans/{plan_id}/accept"), 409, "conflict")
    assert [p["id"] for p in client.get("/plans").json()] == [plan_id]


def test_it_refuses_bad_input_and_writes_nothing(w, api):
    client = api(w.coordinator, language="hy")
    assert_error(
        client.post("/plans", {"organisation": w.other_org.pk}), 400, "unknown_organisation"
    )
    assert_error(
        client.post("/plans", {"organisation": w.org.pk, "point": w.other_point.pk}),
        400,
        "unknown_point",
    )
    bad = client.post("/plans", {"organisation": w.org.pk, "weights": {"flags": {"x": 1}}})
    assert_error(bad, 400, "invalid")
    too_big = {"organisation": w.org.pk, "weights": {"urgency": {"high": 11}}}
    assert client.post("/plans", too_big).status_code in (400, 422)
    assert not Plan.objects.exists()


def test_outsiders_and_volunteers_are_refused(w, api):
    soap_rule(1)
    plan_id = api(w.coordinator).post("/plans", {"organisation": w.org.pk}).json()["id"]
    assert_error(api(w.outsider).get(f"/plans/{plan_id}"), 404, "not_found")
    assert_error(api(w.outsider).post(f"/plans/{plan_id}/accept"), 404, "not_found")
    assert_error(api(w.volunteer).get(f"/plans/{plan_id}"), 403, "forbidden")
    assert api(w.outsider).get("/plans").json() == []
    assert api().get("/plans").status_code == 401
    refused = api(w.volunteer).post("/plans", {"organisation": w.org.pk})
    assert_error(refused, 400, "unknown_organisation")
    assert Plan.objects.count() == 1


def test_a_retried_run_or_acceptance_answers_as_the_first(w, api):
    soap_rule(1)
    household(w, point=distribution_point(w))
    donate(w, IntakeLine(w.soap, 2), point=w.warehouse)
    client = api(w.coordinator)
    body = {"organisation": w.org.pk}
    first = client.post("/plans", body, key="run-1")
    again = client.post("/plans", body, key="run-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Plan.objects.count() == 1
    other = client.post("/plans", {**body, "point": w.point.pk}, key="run-1")
    assert_error(other, 422, "idempotency_key_reused")
    plan_id = first.json()["id"]
    accepted = client.post(f"/plans/{plan_id}/accept", key="accept-1")
    retried = client.post(f"/plans/{plan_id}/accept", key="accept-1")
    assert accepted.status_code == retried.status_code == 200
    assert accepted.json()["transfers"] == retried.json()["transfers"]
    assert Document.objects.filter(kind=Document.Kind.TRANSFER).count() == 1
    assert_error(client.post(f"/plans/{plan_id}/accept", key="accept-2"), 409, "conflict")
